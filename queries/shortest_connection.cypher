// name: shortest_connection
// question: How are these two sellers connected: the fewest identifier links between them?
// params: from_seller: str, to_seller: str
// columns: hops, path
// order: hops
// path lists every node as Label:key; at most 8 hops, no row when they are not connected that closely.
MATCH p = ANY SHORTEST (a:Seller {seller_id: $from_seller})-[:HAS_PERSON_ID|HAS_PHONE|HAS_EMAIL|HAS_DEVICE|HAS_IP|HAS_BANK_ACCOUNT|HAS_ADDRESS]-{1,8}(b:Seller {seller_id: $to_seller})
RETURN length(p) AS hops, [n IN nodes(p) | labels(n)[0] + ':' + coalesce(n.seller_id, n.org_id, n.person_id, n.phone, n.email, n.device, n.ip, n.account, n.address_id)] AS path
