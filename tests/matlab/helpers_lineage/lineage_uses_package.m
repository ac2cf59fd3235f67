function y = lineage_uses_package(x)
%LINEAGE_USES_PACKAGE  Test function calling a package function and a private function.
%   Example:
%     lineage_uses_package(2)
y = lineage_pkg.twice(x) + lineage_private_offset();
end
