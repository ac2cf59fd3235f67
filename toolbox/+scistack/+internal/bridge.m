function reply = bridge(varargin) %#ok<STOUT>
%BRIDGE  GNU Octave's in-process bridge to the Python engine (a MEX file).
%   REPLY = scistack.internal.bridge(REQUEST) passes the wire-encoded REQUEST (uint8)
%   to scistack_engine.gateway.handle in the Python embedded in this Octave process and
%   returns its reply (1xN uint8). scistack.internal.bridge('init', PYTHON) starts
%   Python from the executable PYTHON first; scistack.internal.transport does both.
%
%   The bridge is the MEX file compiled from bridge.c in this folder by
%   scistack.internal.build_bridge (run by scistack.setup). This .m file holds its help
%   text and runs only while the MEX file is not built: it then raises
%   scistack:bridge:notBuilt. MATLAB does not use the bridge (it has py.).
%
%   Example (GNU Octave):
%     scistack.setup();   % builds the bridge once
%     reply = scistack.internal.bridge(scistack.internal.wire_encode( ...
%         struct('op', 'ping', 'args', struct())));
%
%   See also scistack.setup, scistack.internal.build_bridge, scistack.internal.transport.

error('scistack:bridge:notBuilt', ...
      ['the Octave bridge to Python is not built: run scistack.setup (it compiles ', ...
       'bridge.c with mkoctfile; needs the liboctave-dev package)']);
end
