// name: ring_identifiers
// question: Which identifiers do two or more members of this ring share?
// params: ring_id: str
// columns: kind, value, members, sellers
// order: kind, value
// {{LINK_TYPES}} and {{KEY:var}} are filled in from workbench/model.py when the query is loaded.
MATCH (ring:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(s:Seller)-[r:{{LINK_TYPES}}]->(n)
USING INDEX SEEK ring:Ring(ring_id)
WITH toLower(substring(type(r), 4)) AS kind, {{KEY:n}} AS value, collect(DISTINCT s.seller_id) AS sellers
WHERE size(sellers) >= 2
RETURN kind, value, size(sellers) AS members, sellers
