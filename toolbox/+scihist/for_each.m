function [result, info] = for_each(fn, inputs, outputs, varargin)
%FOR_EACH  scidb.for_each with lineage on every output, skipping what is already computed.
%   RESULT = scihist.for_each(FN, INPUTS, OUTPUTS, 'subject', [1 2 3], ...) takes every
%   argument and option of scidb.for_each. In addition, FN's fingerprint (its code, the
%   code of the functions it calls, and for an anonymous function its captured values)
%   enters each combination's cache key with the content of its inputs and its
%   constants. Outputs are saved with their lineage, so provenance can say how they were
%   made, and a combination whose outputs are already saved under its cache key is not
%   run again: its status is 'cached' and its columns hold the saved record ids.
%   Changing FN's code, a function it calls, a constant or an input's content changes
%   the key, so exactly the affected combinations run again and add new versions.
%
%   Options besides those of scidb.for_each:
%     'force', true            run every combination even when computed; results
%                              identical to the saved ones add no version
%     'skip_computed', false   the same as 'force', true
%
%   Example:
%     scihist.configure_database('experiment.duckdb', {'subject', 'session'});
%     scihist.for_each(@bandpass_filter, struct('signal', RawEMG(), 'low_hz', 20), ...
%                      {FilteredEMG()}, 'subject', [1 2 3], 'session', {'pre', 'post'});
%     r = scihist.for_each(...same arguments...);   % every combination 'cached'
%
%   See also scidb.for_each, scihist.configure_database, scistack.internal.fingerprint.

if nargin < 3
    error('scistack:arguments:missing', ...
          ['usage: scihist.for_each(FN, INPUTS, OUTPUTS, ''key'', values, ...), for example ', ...
           'scihist.for_each(@f, struct(''x'', RawEMG()), {Out()}, ''subject'', [1 2 3])']);
end
[result, info] = scidb.internal.run_for_each(fn, inputs, outputs, varargin, true);
end
