// name: ring_identifiers
// question: Which identifiers do two or more members of this ring share?
// params: ring_id: str
// columns: kind, value, members, sellers
// order: kind, value
MATCH (:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(s:Seller)-[r:HAS_PERSON_ID|HAS_PHONE|HAS_EMAIL|HAS_DEVICE|HAS_IP|HAS_BANK_ACCOUNT|HAS_ADDRESS]->(n)
WITH toLower(substring(type(r), 4)) AS kind, coalesce(n.seller_id, n.org_id, n.person_id, n.phone, n.email, n.device, n.ip, n.account, n.address_id) AS value, collect(DISTINCT s.seller_id) AS sellers
WHERE size(sellers) >= 2
RETURN kind, value, size(sellers) AS members, sellers
