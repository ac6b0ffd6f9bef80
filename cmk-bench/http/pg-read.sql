-- The read path's statements: the object row by key, then its audit row (autocommit).
\set i random(0, 1999)
\set n random(1, 9000000000000000000)
SELECT * FROM objects WHERE account_id = :acct AND id = 'p' || :i;
INSERT INTO audit_log (account_id, seq, at, actor_kind, actor_id, action, key_provider, key_id, kek_id,
  protection, asset, object_id, user_id, request_id, result, details, prev_hash, hash)
  VALUES ('pgbench-r', :n, now(), 'service', 'tok_bench', 'content.read', 'local',
  'bench-0', :kek, 'CMK', 'chat-message', 'p' || :i, 'alice', 'req', 'ok', '{}',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000000');
