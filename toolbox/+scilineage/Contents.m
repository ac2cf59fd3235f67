% SCILINEAGE  Record how every result was produced, and never compute the same thing twice.
%
% Wrap a function with scilineage.Thunk and call the wrapper as you would call the
% function: each call returns a scilineage.LineageResult holding the value (data) and its
% lineage (the function's name and code fingerprint, the inputs, the constants). A call
% made before with the same code, inputs and constants returns the cached outputs
% without running the function. The rules (cache keys, hashing, where outputs are kept)
% are the engine's, shared with Python's scilineage; docs/lineage.md states them.
%
% Wrapping and calling
%   Thunk          - A function wrapped so that each call records its lineage and is cached.
%   LineageResult  - What a Thunk call returns: a value and how it was produced.
%
% Asking
%   provenance     - How a saved record, or a lineage result, was produced.
%
% Example
%   filter_fn = scilineage.Thunk(@bandpass_filter);
%   raw = RawEMG().load('subject', 1, 'session', 'pre');
%   filtered = filter_fn(raw, 20, 450);    % runs; a second call is a cache hit
%   FilteredEMG().save(filtered, 'subject', 1, 'session', 'pre');
%   p = scilineage.provenance(FilteredEMG(), 'subject', 1, 'session', 'pre');
%
% See also scidb.Thunk, scidb.BaseVariable, scihist.for_each.
