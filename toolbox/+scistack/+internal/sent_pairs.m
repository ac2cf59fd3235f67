function pairs = sent_pairs(pairs)
%SENT_PAIRS  A for_each's name/value pairs as the engine reads them (internal).
%   PAIRS = scistack.internal.sent_pairs(PAIRS) returns the cell PAIRS of a for_each
%   call (options and iterables mixed, as the user gave them) with each toolbox object
%   replaced, by its type alone, by what the engine reads: a scidb.Filter or a
%   scifor.Filter by its specification, a scifor.Col by struct('column', NAME) (the
%   engine says to compare it), a scidb.Database by struct('handle', HANDLE). Which
%   names are options, and what each option takes, is the engine's to decide
%   (scistack_engine.foreach_options.split_pairs).
%
%   Example:
%     p = scistack.internal.sent_pairs({'subject', [1 2], 'where', scifor.Col('snr') > 3});
%
%   See also scidb.for_each, scifor.for_each.

for k = 1:numel(pairs)
    value = pairs{k};
    if isa(value, 'scidb.Filter')
        pairs{k} = value.spec;
    elseif isa(value, 'scifor.Filter')
        pairs{k} = value.Spec;
    elseif isa(value, 'scifor.Col')
        pairs{k} = struct('column', value.Name);
    elseif isa(value, 'scidb.Database')
        pairs{k} = struct('handle', value.handle);
    end
end
pairs = reshape(pairs, 1, []);
end
