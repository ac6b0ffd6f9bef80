-- One node probes each account's key per interval: the node holding the account's probe lease.
-- A node takes the lease when it is free or expired (or already its own), so a node that stops
-- probing is replaced within one lease; the others read the stored status instead of calling the
-- customer's KMS themselves. Runs on H2 (MODE=PostgreSQL) and PostgreSQL.
create table probe_leases (
  account_id varchar(64) primary key references accounts(id),
  owner varchar(64) not null,
  expires_at timestamp with time zone not null
);
