-- Audit retention (AUDIT.md "Retention and archive segments"): rows older than audit.retention move
-- into JSON-lines segments in the blob store and out of audit_log. Runs on H2 (MODE=PostgreSQL)
-- and PostgreSQL. V10 is left to a parallel change; Flyway allows the gap.

-- Per account (and _platform): the last archived row, so the chain stays verifiable from here on.
-- The row remaining in audit_log at seq + 1 has prevHash = hash. seq 0 and the genesis hash when
-- nothing is archived yet. An archive run locks this row (FOR UPDATE SKIP LOCKED), so one node at a
-- time archives an account and segment names (by first seq) never collide.
create table audit_anchors (
  account_id varchar(64) primary key,
  seq bigint not null,
  hash varchar(64) not null,
  segments bigint not null,
  rows_archived bigint not null,
  updated_at timestamp with time zone not null
);

-- One row per archive segment (blob), committed with the deletion of its rows from audit_log.
create table audit_segments (
  account_id varchar(64) not null,
  first_seq bigint not null,
  last_seq bigint not null,
  first_prev_hash varchar(64) not null,
  last_hash varchar(64) not null,
  row_count bigint not null,
  first_at timestamp with time zone not null,
  last_at timestamp with time zone not null,
  blob_key varchar(512) not null,
  sha256 varchar(64) not null,
  bytes bigint not null,
  archived_at timestamp with time zone not null,
  primary key (account_id, first_seq)
);
