function canonical = fingerprint_anonymous_text(fh)
%FINGERPRINT_ANONYMOUS_TEXT  The text of an anonymous function, the same in MATLAB and Octave.
%   TEXT = scistack.internal.fingerprint_anonymous_text(FH) returns func2str(FH) of the
%   anonymous function FH in a canonical form. MATLAB prints @(x)f(x,k) where GNU Octave
%   prints @(x) f (x, k); the canonical form drops every blank outside quoted text, except
%   that a blank separating two elements inside [ ] or { } becomes a comma, so @() [1 -2]
%   and @() [1 - 2] stay different; Octave's ! and != (for ~ and ~=) become ~ and ~=.
%   TEXT = scistack.internal.fingerprint_anonymous_text(TEXT) canonicalises func2str text.
%
%   Example:
%     scistack.internal.fingerprint_anonymous_text(@(x) max (x, [], 2))
%     % -> '@(x)max(x,[],2)'
%
%   See also scistack.internal.fingerprint, func2str.

if isa(fh, 'function_handle')
    text = func2str(fh);
else
    text = fh;
end
if isempty(regexp(text, '[\s!]', 'once'))
    canonical = text;
    return
end
n = numel(text);
out = blanks(n);
count = 0;
stack = '';           % the open brackets, innermost last
previous = ' ';       % the last character copied to the output
k = 1;
while k <= n
    c = text(k);
    if c == '"' || (c == '''' && ~ends_operand(text, k))
        % quoted text is copied as it is, up to its closing quote ('' and "" escape)
        last = k + 1;
        while last <= n
            if text(last) == c && (last == n || text(last + 1) ~= c)
                break
            elseif text(last) == c
                last = last + 1;
            end
            last = last + 1;
        end
        last = min(last, n);
        out(count + 1:count + last - k + 1) = text(k:last);
        count = count + last - k + 1;
        previous = c;
        k = last + 1;
        continue
    end
    if isspace(c)
        next = k;
        while next <= n && isspace(text(next))
            next = next + 1;
        end
        if ~isempty(stack) && any(stack(end) == '[{') && next <= n && ...
                separates(previous, text, next)
            count = count + 1;
            out(count) = ',';
            previous = ',';
        end
        k = next;
        continue
    end
    if any(c == '([{')
        stack(end + 1) = c; %#ok<AGROW>
    elseif any(c == ')]}') && ~isempty(stack)
        stack(end) = [];
    end
    if c == '!'
        c = '~';  % Octave prints ~ (not) as !
    end
    count = count + 1;
    out(count) = c;
    previous = c;
    k = k + 1;
end
canonical = out(1:count);
end

function tf = ends_operand(text, k)
% True when the quote at K is a transpose: it follows a name, a bracket, a dot or a quote.
tf = k > 1 && (isletter(text(k - 1)) || any(text(k - 1) == '0123456789_)]}.'''));
end

function tf = separates(previous, text, next)
% True when blanks between PREVIOUS and text(NEXT) separate two elements of a list.
ends = isletter(previous) || any(previous == '0123456789_)]}''".');
c = text(next);
after = ' ';
if next < numel(text)
    after = text(next + 1);
end
if any(c == '+-')
    starts = ~isspace(after) && after ~= '=';
elseif c == '~'
    starts = after ~= '=';
else
    starts = isletter(c) || any(c == '0123456789_[{''"@.');
end
tf = ends && starts;
end
