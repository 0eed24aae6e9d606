// name: sellers_sharing_identifier
// question: Which sellers use this identifier (a phone, an ID number, an account, ...), and where is each use recorded?
// params: kind: str, value: str
// columns: seller_id, role, provenance
// order: seller_id, provenance
// kind is a link kind (person_id, phone, email, device, ip, bank_account, address); value is normalised.
// {{LINK_TYPES}} and {{KEY:var}} are filled in from workbench/model.py when the query is loaded.
CALL {
  MATCH (i:Person {person_id: $value}) WHERE $kind = 'person_id' RETURN i
  UNION MATCH (i:Phone {phone: $value}) WHERE $kind = 'phone' RETURN i
  UNION MATCH (i:Email {email: $value}) WHERE $kind = 'email' RETURN i
  UNION MATCH (i:Device {device: $value}) WHERE $kind = 'device' RETURN i
  UNION MATCH (i:IP {ip: $value}) WHERE $kind = 'ip' RETURN i
  UNION MATCH (i:BankAccount {account: $value}) WHERE $kind = 'bank_account' RETURN i
  UNION MATCH (i:Address {address_id: $value}) WHERE $kind = 'address' RETURN i
}
MATCH (s:Seller)-[r:{{LINK_TYPES}}]->(i)
WHERE type(r) = 'HAS_' + toUpper($kind)
RETURN s.seller_id AS seller_id, r.role AS role, r.provenance AS provenance
