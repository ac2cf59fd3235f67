function m = compute_mean(values)
%COMPUTE_MEAN  Example analysis function: the mean as a double.
%   M = compute_mean(VALUES) is double(mean(VALUES(:))); a cell of arrays (an input that
%   matched several records) is joined first.
%
%   Example:
%     compute_mean([1 2 3])   % 2
if iscell(values)
    values = vertcat(values{:});
end
m = double(mean(values(:)));
end
