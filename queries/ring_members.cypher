// name: ring_members
// question: Who are the members of this ring?
// params: ring_id: str
// columns: seller_id, shop_name, status, ring_score
// order: seller_id
MATCH (r:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(s:Seller)
USING INDEX SEEK r:Ring(ring_id)
RETURN s.seller_id AS seller_id, s.shop_name AS shop_name, s.status AS status, r.score AS ring_score
