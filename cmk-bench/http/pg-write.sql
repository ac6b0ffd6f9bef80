-- The write path's statements as one pgbench transaction: the object row and its audit row.
\set n random(1, 9000000000000000000)
BEGIN;
INSERT INTO objects (id, account_id, asset_type, owner_user_id, kek_id, protection, plaintext_size, created_at)
  VALUES ('pgb-' || :client_id || '-' || :n, :acct, 'chat-message', 'alice', :kek, 'CMK', 1024, now());
INSERT INTO audit_log (account_id, seq, at, actor_kind, actor_id, action, key_provider, key_id, kek_id,
  protection, asset, object_id, user_id, request_id, result, details, prev_hash, hash)
  VALUES ('pgbench', :n, now(), 'service', 'tok_bench', 'content.write', 'local', 'bench-0', :kek, 'CMK',
  'chat-message', 'pgb-' || :client_id || '-' || :n, 'alice', 'req', 'ok', '{}',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000000');
COMMIT;
