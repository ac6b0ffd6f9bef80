#!/usr/bin/env bash
# The audit chain after kill -9 during load (issue 15): start a node (H2 by default, or
# --db pg), seed one account, run wrk with writes and reads, SIGKILL the node in the middle, start
# it again on the same data, then export the account's log and verify it (CLI and Python) against
# the head. Rows recorded but not chained when the node died are chained by the restarted node.
#   cmk-bench/http/kill-audit.sh [--jar cmk-app/target/cmk.jar] [--db h2|pg]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="$root/cmk-app/target/cmk.jar"; db=h2
while [ $# -gt 0 ]; do
  case "$1" in --jar) jar="$2"; shift 2;; --db) db="$2"; shift 2;; *) echo "unknown option $1" >&2; exit 2;; esac
done
java=java
for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk; do
  if [ -x "$j/bin/java" ]; then java="$j/bin/java"; break; fi
done
export PGHOST=${BENCH_PG_HOST:-127.0.0.1} PGUSER=${BENCH_PG_USER:-postgres} PGPASSWORD=${BENCH_PG_PASSWORD:-postgres}
tmp=$(mktemp -d /tmp/cmk-kill-audit.XXXXXX)
op_token="cmk_bench_operator_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$java" "$here/GenKeys.java" "$tmp/local-keys.p12" 1 cmk-dev-only
env_db=()
if [ "$db" = pg ]; then
  pgdb="cmkkill_$$"; psql -q -d postgres -c "create database $pgdb"
  env_db=(CMK_STORAGE_DATABASE_URL="jdbc:postgresql://$PGHOST:5432/$pgdb" CMK_STORAGE_DATABASE_USER="$PGUSER" CMK_STORAGE_DATABASE_PASSWORD="$PGPASSWORD")
fi
start() {
  env CMK_SERVER_PORT="$port" CMK_STORAGE_DATA_DIR="$tmp/data" CMK_LOCAL_KEYSTORE="$tmp/local-keys.p12" \
    CMK_BOOTSTRAP_OPERATOR_TOKEN="$op_token" "${env_db[@]}" "$java" -Xmx1g -jar "$jar" serve >> "$tmp/node.log" 2>&1 &
  node=$!
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$base/v1/health" && return; sleep 0.5; done
  cat "$tmp/node.log"; exit 1
}
api() {
  if [ -n "${3:-}" ]; then
    curl -sf -X "$1" -H "Authorization: Bearer $op_token" -H 'Content-Type: application/json' -d "$3" "$base$2"
  else curl -sf -X "$1" -H "Authorization: Bearer $op_token" "$base$2"; fi
}
start
a=$(api POST /v1/accounts '{"name":"kill","region":"us-east-1"}' | jq -r .id)
api PUT "/v1/accounts/$a/key" '{"provider":"local","keyId":"bench-0"}' > /dev/null
api PUT "/v1/accounts/$a/users/alice/license" '{"cmkLicensed":true}' > /dev/null
svc=$(api POST /v1/tokens '{"role":"service","services":["chat"],"label":"bench"}' | jq -r .secret)
head -c 1024 /dev/urandom > "$tmp/body"
seq 0 99 | xargs -P 8 -I{} curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $svc" -H 'X-CMK-User: alice' \
  --data-binary @"$tmp/body" "$base/v1/accounts/$a/content/chat-message/p{}"
env BENCH_DIR="$here" BENCH_TOKEN="$svc" BENCH_ACCOUNTS="$a" BENCH_SIZE=1024 BENCH_PREFIX=k \
  BENCH_READ_IDS=100 BENCH_WRITE_PCT=50 wrk -t2 -c16 -d10s -s "$here/mixed.lua" "$base" > "$tmp/wrk.txt" 2>&1 &
load=$!
sleep 5
kill -9 "$node"; echo "killed the node (SIGKILL) during the load at $(date -u +%T)"
wait "$load" || true
grep -E "requests in|Non-2xx|Socket errors" "$tmp/wrk.txt" || true
start
head_json=$(api GET "/v1/accounts/$a/audit/head"); head_hash=$(echo "$head_json" | jq -r .hash)
CMK_URL="$base" CMK_TOKEN="$op_token" "$java" -jar "$jar" audit export --account "$a" --out "$tmp/audit.jsonl"
echo "after restart: head $head_json, $(wc -l < "$tmp/audit.jsonl") rows exported"
"$java" -jar "$jar" audit verify "$tmp/audit.jsonl" --head-hash "$head_hash"
python3 "$here/verify_audit.py" "$tmp/audit.jsonl" "$head_hash"
kill "$node"; wait "$node" 2>/dev/null || true
if [ "$db" = pg ]; then psql -q -d postgres -c "drop database if exists $pgdb"; fi
echo "node log: $tmp/node.log"
