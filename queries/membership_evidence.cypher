// name: membership_evidence
// question: Why is this seller in this ring: which identifiers does it share with which other members?
// params: ring_id: str, seller_id: str
// columns: kind, value, other_seller, provenance, other_provenance
// order: kind, value, other_seller, provenance, other_provenance
MATCH (ring:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(s:Seller {seller_id: $seller_id})-[r:HAS_PERSON_ID|HAS_PHONE|HAS_EMAIL|HAS_DEVICE|HAS_IP|HAS_BANK_ACCOUNT|HAS_ADDRESS]->(n)
MATCH (n)<-[r2]-(o:Seller)-[:MEMBER_OF]->(ring)
WHERE o <> s AND type(r2) = type(r)
RETURN toLower(substring(type(r), 4)) AS kind, coalesce(n.seller_id, n.org_id, n.person_id, n.phone, n.email, n.device, n.ip, n.account, n.address_id) AS value, o.seller_id AS other_seller,
       r.provenance AS provenance, r2.provenance AS other_provenance
