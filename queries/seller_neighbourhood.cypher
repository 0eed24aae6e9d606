// name: seller_neighbourhood
// question: Which sellers, organizations and identifiers lie within DEPTH hops of this seller?
// params: seller_id: str, depth: int
// columns: label, key, hops
// order: hops, label, key
// Hops follow identifier links either way (seller -> phone -> seller is 2 hops); depth is 1 to 6.
// {{LINK_TYPES}} and {{KEY:var}} are filled in from workbench/model.py when the query is loaded.
MATCH p = ANY SHORTEST (s:Seller {seller_id: $seller_id})-[:{{LINK_TYPES}}]-{1,6}(n)
WHERE length(p) <= $depth
RETURN labels(n)[0] AS label, {{KEY:n}} AS key, length(p) AS hops
