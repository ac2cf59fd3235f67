% SCISTACK  SciStack toolbox: setup and version of the connection to the Python engine.
%
% SciStack keeps every rule (the value model, hashing, storage, lineage, for_each
% planning) in one Python engine; this toolbox reaches it through a single gateway. The
% same toolbox runs in MATLAB (R2022b or later, through py.) and in GNU Octave 7 (through
% a MEX bridge that scistack.setup compiles).
%
% Functions
%   setup    - Connect SciStack to its Python engine (run once per installation).
%   version  - The SciStack version (of the toolbox, or of the connected engine).
%
% Looking at a database
%   lineage  - A picture of the pipeline: variables, functions, coverage and staleness.
%   report   - An HTML report of one for_each run: where it ran, what failed and why.
%
% SLURM run folders
%   merge_run    - Commit the results a SLURM run folder's shards hold (idempotent; writes).
%   resubmit_run - Submit the lost or half-written chunks of a SLURM run folder again.
%
% Packages
%   scistack.internal - The engine gateway (engine_call, transport, the wire codec, the
%                       Octave bridge) and the setup steps. Not for direct use.
%
% Example
%   scistack.setup();            % finds or creates a Python for the engine
%   scistack.version('engine')
%
% See also scistack.setup, scistack.version.
