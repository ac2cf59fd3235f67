% SCISTACK.INTERNAL  The engine gateway of the SciStack toolbox (not for direct use).
%
% Toolbox code reaches the Python engine only through engine_call. Values cross as
% bytes in the wire encoding of docs/data-model.md, so MATLAB and GNU Octave see the
% same values; only transport differs between the two runtimes.
%
% Gateway
%   engine_call        - Run one operation of the Python engine and return its result.
%   transport          - Carry one wire-encoded request to the engine (py. or the bridge).
%
% for_each
%   run_batches        - Run one for_each of the engine in MATLAB: the driver of every for_each.
%   sent_pairs         - A for_each's name/value pairs as the engine reads them.
%   function_of        - A for_each's function argument as a handle, and its name.
%   call_combinations  - Call a for_each function once per argument list; report each.
%   failure_report     - An error as the for_each run log keeps it.
%   parallel_workers   - The workers a for_each's 'executor' option asks for.
%   parallel_calls     - Call a for_each function on parallel workers, one outcome per call.
%
% Wire codec
%   wire_encode        - Encode a MATLAB value as SciStack wire bytes.
%   wire_decode        - Decode SciStack wire bytes into a MATLAB value.
%   encode_matlab_only - Request-profile items for string, categorical, datetime, duration, table.
%   decode_matlab_only - MATLAB classes built from the exact parts wire_decode works out.
%   has_value_classes  - True where MATLAB's string, datetime, table, categorical exist.
%
% GNU Octave bridge
%   bridge             - The MEX bridge to Python (compiled from bridge.c).
%   build_bridge       - Compile the bridge with mkoctfile (run by scistack.setup).
%
% Setup (run by scistack.setup)
%   setup_python       - Find, check or create the Python environment of the engine.
%   setup_helper       - Run the engine's setup helper with a Python; read its report.
%   engine_source      - The folder holding the engine's Python source.
%   expand_home        - A path with a leading ~ replaced by the home folder.
%   setup_matlab       - MATLAB only: read pyenv, and point it at the chosen Python.
%   setup_support.py   - (in the engine source) the helper that makes the decisions.
%
% Function fingerprints (what scilineage cache keys are made of; the engine's
% scistack_engine.matlab_code reads the sources)
%   fingerprint                - The code fingerprint of a function: its code and what it calls.
%   fingerprint_libraries      - The folders whose functions are named, not followed.
%
% Example
%   x = scistack.internal.engine_call('echo', 'value', magic(3));
%
% See also scistack.setup.
