// name: seller_neighbourhood
// question: Which sellers, organizations and identifiers lie within DEPTH hops of this seller?
// params: seller_id: str, depth: int
// columns: label, key, hops
// order: hops, label, key
// Hops follow identifier links either way (seller -> phone -> seller is 2 hops); depth is 1 to 6.
// A breadth-first spanning tree (APOC) visits each node once, at its fewest hops, and stops at
// $depth: a variable-length pattern filtered on length afterwards explores all six hops first.
// {{LINK_TYPES}} and {{KEY:var}} are filled in from workbench/model.py when the query is loaded.
MATCH (s:Seller {seller_id: $seller_id})
USING INDEX SEEK s:Seller(seller_id)
CALL apoc.path.spanningTree(s, {relationshipFilter: '{{LINK_TYPES}}', minLevel: 1, maxLevel: $depth, bfs: true})
YIELD path
WITH last(nodes(path)) AS n, length(path) AS hops
RETURN labels(n)[0] AS label, {{KEY:n}} AS key, hops
