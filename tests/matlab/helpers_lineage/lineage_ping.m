function n = lineage_ping(n)
%LINEAGE_PING  Half of a pair of functions that call each other (fingerprint cycle test).
%   Example:
%     lineage_ping(3)
if n > 0
    n = lineage_pong(n - 1);
end
end
