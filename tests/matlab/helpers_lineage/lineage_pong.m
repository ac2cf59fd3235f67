function n = lineage_pong(n)
%LINEAGE_PONG  Half of a pair of functions that call each other (fingerprint cycle test).
%   Example:
%     lineage_pong(3)
if n > 0
    n = lineage_ping(n - 1);
end
end
