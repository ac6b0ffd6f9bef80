-- Flow 8: the standing grants through which the search service reaches an account's key (AWS KMS
-- grants), one row per key registration and key (the primary and each multi-region replica, each
-- in its own region). Runs on H2 (MODE=PostgreSQL) and PostgreSQL.
--
-- customer_key_id has no foreign key: the grant is created (and its row written) before the key
-- registration it belongs to is stored and activated, so that a refused grant changes nothing.
-- A row is ACTIVE while the grant should stand, PENDING_REVOKE once it should be gone but the
-- provider has not confirmed the revoke yet (retried on every probe round); a revoked grant's row
-- is deleted.
create table search_grants (
  id varchar(64) primary key,
  account_id varchar(64) not null references accounts(id),
  customer_key_id varchar(64) not null,
  provider varchar(32) not null,
  key_id varchar(512) not null,
  region varchar(32) not null,
  replica boolean not null,
  grant_name varchar(256) not null,
  grant_id varchar(512) not null,
  status varchar(16) not null,
  last_error varchar(500) not null,
  created_at timestamp with time zone not null,
  updated_at timestamp with time zone not null
);
create unique index search_grants_key on search_grants(customer_key_id, key_id);
create index search_grants_account on search_grants(account_id);
