// name: seller_neighbourhood
// question: Which sellers, organizations and identifiers lie within DEPTH hops of this seller?
// params: seller_id: str, depth: int
// columns: label, key, hops
// order: hops, label, key
// Hops follow identifier links either way (seller -> phone -> seller is 2 hops); depth is 1 to 6.
MATCH p = ANY SHORTEST (s:Seller {seller_id: $seller_id})-[:HAS_PERSON_ID|HAS_PHONE|HAS_EMAIL|HAS_DEVICE|HAS_IP|HAS_BANK_ACCOUNT|HAS_ADDRESS]-{1,6}(n)
WHERE length(p) <= $depth
RETURN labels(n)[0] AS label, coalesce(n.seller_id, n.org_id, n.person_id, n.phone, n.email, n.device, n.ip, n.account, n.address_id) AS key, length(p) AS hops
