-- Issue 20: signed webhooks per account. Runs on H2 (MODE=PostgreSQL) and PostgreSQL.

-- An admin's endpoint. The signing secret is kept sealed (secret_sealed: AES-GCM under a key the
-- nodes derive, never the plain secret); events is '*' or a comma-separated list of event types.
-- cursor_seq: the last key_events.seq already copied into this webhook's outbox.
create table webhooks (
  id varchar(64) primary key,
  account_id varchar(64) not null references accounts(id),
  url varchar(2000) not null,
  events varchar(1000) not null,
  secret_sealed varchar(2000) not null,
  cursor_seq bigint not null,
  created_by varchar(200) not null,
  created_at timestamp with time zone not null
);
create index webhooks_account on webhooks(account_id);

-- The outbox: one row per (webhook, key event), delivered in seq order per webhook, at least
-- once. status: PENDING (waiting for next_attempt_at), DELIVERED, DEAD (given up after a day).
create table webhook_deliveries (
  id varchar(64) primary key,
  webhook_id varchar(64) not null references webhooks(id) on delete cascade,
  account_id varchar(64) not null references accounts(id),
  event_id varchar(64) not null,
  event_seq bigint not null,
  event_type varchar(64) not null,
  body varchar(4000) not null,
  status varchar(16) not null,
  attempts int not null,
  next_attempt_at timestamp with time zone not null,
  last_status int not null,
  last_error varchar(500) not null,
  created_at timestamp with time zone not null,
  delivered_at timestamp with time zone
);
create unique index webhook_deliveries_event on webhook_deliveries(webhook_id, event_id);
create index webhook_deliveries_order on webhook_deliveries(webhook_id, status, event_seq);
create index webhook_deliveries_status on webhook_deliveries(status);
