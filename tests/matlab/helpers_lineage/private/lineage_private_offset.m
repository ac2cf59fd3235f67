function y = lineage_private_offset()
%LINEAGE_PRIVATE_OFFSET  Private helper of lineage_uses_package (fingerprint tests).
%   Example:
%     lineage_private_offset()
y = 1;
end
