-- DESIGN.md flow 8: the encrypted search index. Runs on H2 (MODE=PostgreSQL) and PostgreSQL.
-- No plaintext term and no plaintext document id is stored: terms and document ids appear only as
-- keyed hashes (HMAC-SHA256 under a key derived from the index KEK), posting lists and document
-- entries only inside content envelopes.

-- One row per account: the account's current index (a random id) and the KEK every index key is
-- derived from (search-index asset type, 0017).
-- Its protection is what the account asked for when the index was started (CMK with search
-- encryption on, platform key otherwise); a change of that starts a new index.
create table search_indexes (
  account_id varchar(64) primary key references accounts(id),
  index_id varchar(64) not null,
  kek_id varchar(64) not null references keks(id),
  protection varchar(16) not null,
  created_at timestamp with time zone not null
);

-- Per (account, term hash): the encrypted list of (document id, service) entries.
-- version grows with every change (optimistic check behind the row lock).
create table search_postings (
  account_id varchar(64) not null references accounts(id),
  term_hash varchar(64) not null,
  index_id varchar(64) not null,
  kek_id varchar(64) not null references keks(id),
  envelope bytea not null,
  version bigint not null,
  updated_at timestamp with time zone not null,
  primary key (account_id, term_hash)
);
create index search_postings_kek on search_postings(kek_id);

-- Per (account, document-id hash): the encrypted list of the term hashes the document is indexed
-- under, so removing or re-indexing it finds its posting lists.
create table search_documents (
  account_id varchar(64) not null references accounts(id),
  doc_hash varchar(64) not null,
  index_id varchar(64) not null,
  kek_id varchar(64) not null references keks(id),
  envelope bytea not null,
  version bigint not null,
  updated_at timestamp with time zone not null,
  primary key (account_id, doc_hash)
);
create index search_documents_kek on search_documents(kek_id);
