function width = helper_window_width(window)
%HELPER_WINDOW_WIDTH  Test function for for_each over a custom type: a window's width.
%   WIDTH = helper_window_width(WINDOW) returns WINDOW.stop - WINDOW.start.
%
%   Example:
%     helper_window_width(TimeWindow(1, 4))   % 3
width = window.stop - window.start;
end
