// name: community_projection
// question: Which identifiers tie two or more sellers together (the projection ring detection works on)?
// params: max_sellers: int
// columns: kind, value, degree, sellers
// order: kind, value
// Identifiers used by more than max_sellers sellers are hubs (couriers, pickup points) and left out.
// {{LINK_TYPES}} and {{KEY:var}} are filled in from workbench/model.py when the query is loaded.
MATCH (s:Seller)-[r:{{LINK_TYPES}}]->(n)
WITH toLower(substring(type(r), 4)) AS kind, {{KEY:n}} AS value, collect(DISTINCT s.seller_id) AS sellers
WHERE 2 <= size(sellers) <= $max_sellers
RETURN kind, value, size(sellers) AS degree, sellers
