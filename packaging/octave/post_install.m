function post_install(desc)
%POST_INSTALL  Run by Octave's pkg install after copying SciStack's files, before its
%   documentation cache is made. That cache reads the help of every function and class
%   in each plain folder of the package, one folder at a time on the path: the example
%   classes (examples/RawKinematicData.m < scidb.BaseVariable) need the package folder
%   on the path too, or Octave stops with "class not found: scidb.BaseVariable". So the
%   package folder goes on the path here, as pkg load puts it there later.
%
%   Example (what pkg install does):
%     post_install(struct('dir', '/home/me/octave/scistack-0.4.0'))
addpath(desc.dir);
end
