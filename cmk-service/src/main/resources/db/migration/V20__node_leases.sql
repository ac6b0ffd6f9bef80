-- Cluster-wide singleton work (issue 14: the orphan blob sweeper): one named lease per task, held
-- by one node until it expires, like the probe and job leases. Runs on H2 (MODE=PostgreSQL) and
-- PostgreSQL.
create table node_leases (
  name varchar(64) primary key,
  owner varchar(64) not null,
  expires_at timestamp with time zone not null
);
