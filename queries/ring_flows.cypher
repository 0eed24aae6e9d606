// name: ring_flows
// question: Which shipments and payments go into and out of this ring?
// params: ring_id: str
// columns: flow, direction, id, counterparty, amount, provenance
// order: flow, direction, id
// Goods: shipments from or to an address a member is linked to; money: payments from or to a member's
// bank account. Flows with both ends inside the ring are 'internal'.
MATCH (ring:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(s:Seller)
USING INDEX SEEK ring:Ring(ring_id)
OPTIONAL MATCH (s)-[:HAS_ADDRESS]->(a:Address)
OPTIONAL MATCH (s)-[:HAS_BANK_ACCOUNT]->(b:BankAccount)
WITH collect(DISTINCT a) AS addresses, collect(DISTINCT b) AS accounts
CALL (addresses) {
  UNWIND addresses AS a
  MATCH (a)-[:SHIPPED]->(w:Shipment)-[:DELIVERED_TO]->(to:Address)
  RETURN 'goods' AS flow, CASE WHEN to IN addresses THEN 'internal' ELSE 'out' END AS direction,
         w.waybill AS id, to.address_id AS counterparty, toFloat(w.parcels) AS amount, w.provenance AS provenance
  UNION
  UNWIND addresses AS a
  MATCH (from:Address)-[:SHIPPED]->(w:Shipment)-[:DELIVERED_TO]->(a)
  WHERE NOT from IN addresses
  RETURN 'goods' AS flow, 'in' AS direction,
         w.waybill AS id, from.address_id AS counterparty, toFloat(w.parcels) AS amount, w.provenance AS provenance
}
RETURN flow, direction, id, counterparty, amount, provenance
UNION
MATCH (ring:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(:Seller)-[:HAS_BANK_ACCOUNT]->(b:BankAccount)
USING INDEX SEEK ring:Ring(ring_id)
WITH collect(DISTINCT b) AS accounts
CALL (accounts) {
  UNWIND accounts AS b
  MATCH (b)-[p:PAID]->(to:BankAccount)
  RETURN 'money' AS flow, CASE WHEN to IN accounts THEN 'internal' ELSE 'out' END AS direction,
         p.payment_id AS id, to.account AS counterparty, p.amount AS amount, p.provenance AS provenance
  UNION
  UNWIND accounts AS b
  MATCH (from:BankAccount)-[p:PAID]->(b)
  WHERE NOT from IN accounts
  RETURN 'money' AS flow, 'in' AS direction,
         p.payment_id AS id, from.account AS counterparty, p.amount AS amount, p.provenance AS provenance
}
RETURN flow, direction, id, counterparty, amount, provenance
