-- DESIGN.md flow 9: the per-account, hash-chained audit log. Runs on H2 (MODE=PostgreSQL) and
-- PostgreSQL. Record format and hash: cmk-service/AUDIT.md. Absent values are empty strings.
-- No key material, plaintext, token secret or search term is ever stored here.

-- The chain head per account: the last seq and its hash. An append locks this row (FOR UPDATE),
-- so appends for one account are serialized across nodes and the chain never forks.
create table audit_heads (
  account_id varchar(64) primary key,
  seq bigint not null,
  hash varchar(64) not null
);

create table audit_log (
  account_id varchar(64) not null,
  seq bigint not null,
  at timestamp with time zone not null,
  actor_kind varchar(16) not null,
  actor_id varchar(128) not null,
  action varchar(64) not null,
  key_provider varchar(32) not null,
  key_id varchar(2048) not null,
  kek_id varchar(64) not null,
  protection varchar(16) not null,
  asset varchar(64) not null,
  object_id varchar(256) not null,
  user_id varchar(128) not null,
  request_id varchar(64) not null,
  result varchar(64) not null,
  details varchar(8192) not null,
  prev_hash varchar(64) not null,
  hash varchar(64) not null,
  primary key (account_id, seq)
);
create index audit_log_at on audit_log(account_id, at);

insert into audit_heads (account_id, seq, hash)
  select id, 0, '0000000000000000000000000000000000000000000000000000000000000000' from accounts;
