// name: community_projection
// question: Which identifiers tie two or more sellers together (the projection ring detection works on)?
// params: max_sellers: int
// columns: kind, value, degree, sellers
// order: kind, value
// Identifiers used by more than max_sellers sellers are hubs (couriers, pickup points) and left out.
MATCH (s:Seller)-[r:HAS_PERSON_ID|HAS_PHONE|HAS_EMAIL|HAS_DEVICE|HAS_IP|HAS_BANK_ACCOUNT|HAS_ADDRESS]->(n)
WITH toLower(substring(type(r), 4)) AS kind, coalesce(n.seller_id, n.org_id, n.person_id, n.phone, n.email, n.device, n.ip, n.account, n.address_id) AS value, collect(DISTINCT s.seller_id) AS sellers
WHERE 2 <= size(sellers) <= $max_sellers
RETURN kind, value, size(sellers) AS degree, sellers
