function wider = helper_window_widen(window, by)
%HELPER_WINDOW_WIDEN  Test function for for_each over a custom type: a wider window.
%   WIDER = helper_window_widen(WINDOW, BY) widens WINDOW by BY on both sides.
%
%   Example:
%     helper_window_widen(TimeWindow(1, 4), 0.5)
wider = TimeWindow(window.start - by, window.stop + by);
end
