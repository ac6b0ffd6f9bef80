-- Issue 16 (key lifecycle): fallback modes, a revocation that holds until lifted, the period in
-- every KEK's encryption context, refusals of one slice of a key's use. H2 and PostgreSQL.

-- Fallback mode: ANY_REASON (the seed's "not available for any reason") or OUTAGES_ONLY (a key
-- the customer refuses stops new CMK writes even with fallback on).
alter table accounts add column fallback_mode varchar(16) default 'ANY_REASON' not null;

-- Why a write went under the backup key (one row per fallback write; kept after recovery).
create table fallback_writes (
  account_id varchar(64) not null references accounts(id),
  object_id varchar(64) not null,
  kek_id varchar(64) not null,
  cause varchar(16) not null,
  reason varchar(32) not null,
  provider_code varchar(100) not null,
  mode varchar(16) not null,
  at timestamp with time zone not null,
  primary key (account_id, object_id)
);

-- Revoke now holds until an admin lifts it with its own call; before, turning fallback on ended
-- it. A revocation that fallback had already ended stays ended.
alter table account_revocation add column revoked_by varchar(200) default '' not null;
alter table account_revocation add column lifted_at timestamp with time zone;
alter table account_revocation add column lifted_by varchar(200) default '' not null;
update account_revocation set revoked = false
  where revoked and account_id in (select id from accounts where fallback_enabled);

-- Version of a KEK's encryption context: 1 = platform, account, service, purpose, kek (KEKs made
-- before this migration); 2 = the same plus period, so key policies can refuse a range of days.
alter table keks add column context_version smallint default 1 not null;

-- A refusal that covers only part of a key's use (a key-policy Deny on one service id or period):
-- the key stays available; these slices are refused until a call for them succeeds again.
create table key_slice_refusals (
  account_id varchar(64) not null references accounts(id),
  service_id varchar(8) not null,
  period varchar(16) not null,
  reason varchar(32) not null,
  provider_code varchar(100) not null,
  detail varchar(1000) not null,
  first_seen timestamp with time zone not null,
  last_seen timestamp with time zone not null,
  primary key (account_id, service_id, period)
);
