-- Admin plane (issue 5): bearer tokens, idempotent retries, the search-encryption account option.

-- Bearer tokens. Only the SHA-256 of a token's secret is stored.
create table api_tokens (
  id varchar(64) primary key,
  token_hash varchar(64) not null unique,
  role varchar(16) not null,
  account_id varchar(64) references accounts(id),
  services varchar(1000) not null,
  label varchar(200) not null,
  created_at timestamp with time zone not null,
  revoked_at timestamp with time zone
);

-- Responses of mutations sent with an Idempotency-Key, replayed when the client retries.
-- status 0 marks a request still running.
create table idempotency_keys (
  scope varchar(64) not null,
  idem_key varchar(128) not null,
  request_hash varchar(64) not null,
  status int not null,
  response varchar(100000) not null,
  created_at timestamp with time zone not null,
  primary key (scope, idem_key)
);

alter table accounts add column search_encryption boolean default false not null;
