// name: membership_evidence
// question: Why is this seller in this ring: which identifiers does it share with which other members?
// params: ring_id: str, seller_id: str
// columns: kind, value, other_seller, provenance, other_provenance
// order: kind, value, other_seller, provenance, other_provenance
// {{LINK_TYPES}} and {{KEY:var}} are filled in from workbench/model.py when the query is loaded.
// The hints keep the plan on the two key lookups whatever the statistics say: on a small or
// fresh database the planner may otherwise scan an index and hash-join, which grows with the data.
MATCH (ring:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(s:Seller {seller_id: $seller_id})-[r:{{LINK_TYPES}}]->(n)
USING INDEX SEEK ring:Ring(ring_id)
USING INDEX SEEK s:Seller(seller_id)
MATCH (n)<-[r2]-(o:Seller)-[:MEMBER_OF]->(ring)
WHERE o <> s AND type(r2) = type(r)
RETURN toLower(substring(type(r), 4)) AS kind, {{KEY:n}} AS value, o.seller_id AS other_seller,
       r.provenance AS provenance, r2.provenance AS other_provenance
