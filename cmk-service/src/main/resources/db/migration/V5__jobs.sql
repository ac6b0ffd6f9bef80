-- Issue 6: resumable, multi-node re-protection jobs (recovery, rotation, deep re-protection).
create table jobs (
  id varchar(64) primary key,
  account_id varchar(64) not null references accounts(id),
  kind varchar(16) not null,
  mode varchar(16) not null,
  target_provider varchar(32) not null,
  target_key_id varchar(512) not null,
  status varchar(16) not null,
  total bigint not null,
  last_error varchar(1000) not null,
  created_at timestamp with time zone not null,
  updated_at timestamp with time zone not null,
  finished_at timestamp with time zone
);
create index jobs_account on jobs(account_id, created_at);
create index jobs_status on jobs(status);

-- At most one running job per account: the primary key is the lock.
create table job_active (
  account_id varchar(64) primary key references accounts(id),
  job_id varchar(64) not null references jobs(id)
);

-- The work of a job, one row per KEK (KEK re-wrap) or per object (DEK re-wrap, re-encrypt).
-- A node claims a batch by writing its lease token; an expired lease can be taken over.
create table job_items (
  job_id varchar(64) not null references jobs(id),
  item_id varchar(128) not null,
  status varchar(16) not null,
  lease_owner varchar(64),
  lease_until timestamp with time zone,
  attempts int not null,
  error varchar(500) not null,
  done_at timestamp with time zone,
  primary key (job_id, item_id)
);
create index job_items_state on job_items(job_id, status);
