-- Issue 15: cluster-wide invalidation of the per-request lookups each node keeps in memory
-- (tokens, catalog, accounts, users' licenses, customer keys). Every change to one of
-- these tables adds one to its kind's version in the change's own transaction; every node reads
-- this small table at most once per staleness bound (ChangeVersions) and drops what it cached of
-- a kind whose version moved. The revocation epoch (account_revocation) stays a per-use read.
create table cache_versions (
  kind varchar(32) primary key,
  version bigint not null
);
insert into cache_versions (kind, version) values ('tokens', 0), ('catalog', 0), ('accounts', 0), ('keys', 0), ('users', 0);
