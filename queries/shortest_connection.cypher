// name: shortest_connection
// question: How are these two sellers connected: the fewest identifier links between them?
// params: from_seller: str, to_seller: str
// columns: hops, path
// order: hops
// path lists every node as Label:key; at most 8 hops, no row when they are not connected that closely.
// {{LINK_TYPES}} and {{KEY:var}} are filled in from workbench/model.py when the query is loaded.
MATCH p = ANY SHORTEST (a:Seller {seller_id: $from_seller})-[:{{LINK_TYPES}}]-{1,8}(b:Seller {seller_id: $to_seller})
RETURN length(p) AS hops, [n IN nodes(p) | labels(n)[0] + ':' + {{KEY:n}}] AS path
