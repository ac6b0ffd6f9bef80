-- CMK metadata schema. Runs unchanged on H2 (MODE=PostgreSQL) and PostgreSQL.
create table accounts (
  id varchar(64) primary key,
  name varchar(200) not null,
  region varchar(32) not null,
  fallback_enabled boolean not null,
  drop_calls_on_key_unavailable boolean not null,
  created_at timestamp with time zone not null
);

create table users (
  account_id varchar(64) not null references accounts(id),
  user_id varchar(128) not null,
  cmk_licensed boolean not null,
  updated_at timestamp with time zone not null,
  primary key (account_id, user_id)
);

create table asset_types (
  name varchar(64) primary key,
  service_id varchar(8) not null unique,
  service varchar(64) not null,
  description varchar(200) not null,
  cmk_eligible boolean not null,
  organizer_decides boolean not null
);

-- A customer's root key registration. At most one ACTIVE key per account.
create table customer_keys (
  id varchar(64) primary key,
  account_id varchar(64) not null references accounts(id),
  provider varchar(32) not null,
  key_id varchar(512) not null,
  replica_key_ids varchar(4000) not null,
  status varchar(16) not null,
  created_at timestamp with time zone not null,
  updated_at timestamp with time zone not null
);
create index customer_keys_account on customer_keys(account_id);

-- Account KEKs, stored only wrapped by their root key (customer, platform or backup key).
create table keks (
  id varchar(64) primary key,
  account_id varchar(64) not null references accounts(id),
  service_id varchar(8) not null,
  period varchar(16) not null,
  protection varchar(16) not null,
  root_provider varchar(32) not null,
  root_key_id varchar(512) not null,
  wrapped bytea not null,
  created_at timestamp with time zone not null
);
create unique index keks_scope on keks(account_id, service_id, period, protection, root_provider, root_key_id);

-- One row per stored object; the blob holds the envelope with the wrapped DEK.
create table objects (
  id varchar(64) not null,
  account_id varchar(64) not null references accounts(id),
  asset_type varchar(64) not null references asset_types(name),
  owner_user_id varchar(128) not null,
  kek_id varchar(64) not null references keks(id),
  protection varchar(16) not null,
  plaintext_size bigint not null,
  created_at timestamp with time zone not null,
  primary key (account_id, id)
);
create index objects_kek on objects(kek_id);
