// name: shortest_connection
// question: How are these two sellers connected: the fewest identifier links between them, not through a hub?
// params: from_seller: str, to_seller: str, max_sellers: int
// columns: hops, path
// order: hops
// path lists every node as Label:key; at most 8 hops, no row when they are not connected that closely.
// An identifier used by more than max_sellers sellers is a hub (a courier, a pickup point, a shared
// IP): it ties nobody to anybody, so no path goes through it.
// {{LINK_TYPES}} and {{KEY:var}} are filled in from workbench/model.py when the query is loaded.
MATCH p = ANY SHORTEST (a:Seller {seller_id: $from_seller})
  ((x)-[:{{LINK_TYPES}}]-(y) WHERE y:Seller OR COUNT { MATCH (y)--(s:Seller) RETURN DISTINCT s } <= $max_sellers){1,8}
  (b:Seller {seller_id: $to_seller})
RETURN length(p) AS hops, [n IN nodes(p) | labels(n)[0] + ':' + {{KEY:n}}] AS path
