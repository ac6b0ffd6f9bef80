#!/usr/bin/env bash
# HTTP load benchmark of one CMK node (issue 15). On demand only, never in `mvn verify`.
#
#   cmk-bench/http/run.sh [--jar cmk-app/target/cmk.jar] [--label after] [--db "h2 pg"]
#                         [--duration 10] [--connections 16] [--threads 2] [--big]
#                         [--only "write-1k-1acct read-1k-1acct"]   (a subset of the runs below)
#   BENCH_JAVA_OPTS="..."  extra JVM options for the node
#   BENCH_JFR_DIR=/tmp/jfr  a Flight Recorder profile of the node during each wrk run: DIR/<db>-<run>.jfr
#                           (summarise with: python3 cmk-bench/http/jfrtop.py DIR/h2-write-1k-1acct.jfr)
#
# For each database (embedded H2 in a temp dir; PostgreSQL: a fresh database on
# $BENCH_PG_HOST:5432, user/password postgres/postgres unless BENCH_PG_* say otherwise) it starts a
# node from the jar (Temurin 25 when installed; heap $BENCH_XMX, default 2g), seeds 50 accounts, each
# with its own customer key (the `local` provider's keystore, made with keytool beforehand) and a
# CMK-licensed user `alice`, and one service token for chat, prefills objects to read, then runs wrk:
#   health                  GET /v1/health (the HTTP ceiling)
#   write/read/mixed 1 KiB  1 account and 50 accounts (mixed = 20 % writes)
#   write/read 1 MiB        1 account and 50 accounts (with --big, the default)
# and, on PostgreSQL, pgbench with the same client count running the write path's statements (the
# object row and an audit row in one transaction) and the read path's (the object row by key and
# an audit row) on the same database: the ceilings. Every wrk run's non-2xx count is reported; a run
# with errors is not a result. Output: cmk-bench/results/http-<label>-<db>.{log,tsv}, one TSV line
# per run: label db run rps p50_ms p99_ms non2xx node-cpu-ms-per-request.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="$root/cmk-app/target/cmk.jar"; label=run; dbs="h2 pg"; duration=10; conns=16; threads=2; big=1
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar="$2"; shift 2;; --label) label="$2"; shift 2;; --db) dbs="$2"; shift 2;;
    --duration) duration="$2"; shift 2;; --connections) conns="$2"; shift 2;;
    --threads) threads="$2"; shift 2;; --no-big) big=0; shift;; --big) big=1; shift;;
    --only) only=" $2 "; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
java=java
for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk; do
  [ -x "$j/bin/java" ] && java="$j/bin/java" && break
done
jcmd="$(dirname "$java")/jcmd"
[ -f "$jar" ] || { echo "no jar at $jar (./mvnw -o -q package -pl cmk-app -am -DskipTests)" >&2; exit 2; }
pgbench=$(command -v pgbench || echo /usr/lib/postgresql/15/bin/pgbench)
PGHOST=${BENCH_PG_HOST:-127.0.0.1}; PGUSER=${BENCH_PG_USER:-postgres}; PGPASSWORD=${BENCH_PG_PASSWORD:-postgres}
# TLS to a database on the loopback interface protects nothing and costs both ends CPU (Debian's
# PostgreSQL has ssl=on, and pgJDBC and libpq prefer it): the node and pgbench both go without it
# here (BENCH_PG_SSLMODE=prefer to measure with it); a remote database keeps TLS.
PGSSLMODE=${BENCH_PG_SSLMODE:-disable}
export PGHOST PGUSER PGPASSWORD PGSSLMODE
accounts_n=50; read_ids_1=2000; read_ids_50=40; big_ids=20
out="$root/cmk-bench/results"; mkdir -p "$out"
op_token="cmk_bench_operator_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api() { # method path [json] -> body; fails on non-2xx
  local m=$1 p=$2 d=${3:-}
  if [ -n "$d" ]; then
    curl -sf -X "$m" -H "Authorization: Bearer $op_token" -H 'Content-Type: application/json' -d "$d" "$base$p"
  else
    curl -sf -X "$m" -H "Authorization: Bearer $op_token" "$base$p"
  fi
}

wrk_run() { # name script accounts size [extra env...]
  local name=$1 script=$2 accts=$3 size=$4; shift 4
  local log="$tmp/wrk-$name.txt" cpu0
  if [ -n "$only" ] && [[ "$only" != *" $name "* ]]; then return 0; fi
  cpu0=$(node_cpu)
  if [ -n "${BENCH_JFR_DIR:-}" ]; then
    mkdir -p "$BENCH_JFR_DIR"
    "$jcmd" "$node" JFR.start name="$name" settings=profile jdk.ExecutionSample#period=2ms filename="$BENCH_JFR_DIR/$db-$name.jfr" > /dev/null
  fi
  env BENCH_DIR="$here" BENCH_TOKEN="$svc" BENCH_ACCOUNTS="$accts" BENCH_SIZE="$size" \
      BENCH_PREFIX="$name-$RANDOM" "$@" \
      wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout 10s --latency -s "$here/$script" "$base" > "$log" 2>&1 || true
  echo "node cpu ticks: $(( $(node_cpu) - cpu0 ))" >> "$log"
  if [ -n "${BENCH_JFR_DIR:-}" ]; then "$jcmd" "$node" JFR.stop name="$name" > /dev/null; fi
  record "$name" "$log"
}
# the node's user+system CPU in clock ticks (1/100 s): CPU per request does not depend on how busy
# the rest of the machine is, unlike the rate (with H2 it includes the database)
node_cpu() { awk '{print $14 + $15}' "/proc/$node/stat"; }
record() { # name wrk-log
  local name=$1 log=$2 rps p50 p99 non
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$log")
  p50=$(awk '$1=="50%" {print $2}' "$log" | to_ms); p99=$(awk '$1=="99%" {print $2}' "$log" | to_ms)
  non=$(awk -F': ' '/Non-2xx/ {print $2}' "$log"); non=${non:-0}
  local reqs ticks cpu
  reqs=$(awk '/requests in/ {print $1}' "$log"); ticks=$(awk '/node cpu ticks/ {print $4}' "$log")
  cpu=$(awk -v t="${ticks:-0}" -v r="${reqs:-0}" 'BEGIN {if (r > 0) printf "%.2f", t * 10 / r; else print "?"}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$db" "$name" "${rps:-0}" "${p50:-?}" "${p99:-?}" "$non" "$cpu" | tee -a "$tsv"
  { echo "== $name"; cat "$log"; echo "load: $(cat /proc/loadavg)"; } >> "$logf"
}
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; printf "%.1f", v}'; }

prefill() { # account count size
  local a=$1 n=$2 size=$3
  head -c "$size" /dev/urandom > "$tmp/body-$size"
  seq 0 $((n - 1)) | xargs -P 8 -I{} curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $svc" \
    -H 'X-CMK-User: alice' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$tmp/body-$size" "$base/v1/accounts/$a/content/chat-message/p{}"
}

pgbench_run() { # name script
  local name=$1 script=$2 log="$tmp/pgbench-$1.txt"
  "$pgbench" -n -c "$conns" -j "$threads" -T "$duration" -f "$script" \
    -D kek="'$kek'" -D acct="'$first'" "$pgdb" > "$log" 2>&1 || true
  local tps; tps=$(awk '/^tps/ {printf "%.0f", $3}' "$log")
  local lat; lat=$(awk '/latency average/ {print $4}' "$log")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$db" "$name" "${tps:-0}" "${lat:-?}" "-" "0" | tee -a "$tsv"
  { echo "== $name"; cat "$log"; echo "load: $(cat /proc/loadavg)"; } >> "$logf"
}

for db in $dbs; do
  tmp=$(mktemp -d /tmp/cmk-http-bench.XXXXXX)
  tsv="$out/http-$label-$db.tsv"; logf="$out/http-$label-$db.log"; : > "$tsv"; : > "$logf"
  echo "# $(date -u +%FT%TZ) label=$label db=$db jar=$jar java=$($java -version 2>&1 | head -1) nproc=$(nproc)" | tee -a "$logf"
  ks="$tmp/local-keys.p12"
  "$java" "$here/GenKeys.java" "$ks" "$accounts_n" cmk-dev-only
  port=$(free_port); base="http://127.0.0.1:$port"
  env_db=()
  if [ "$db" = pg ]; then
    pgdb="cmkbench_${label//[^a-z0-9]/_}_$$"
    psql -q -d postgres -c "drop database if exists $pgdb" -c "create database $pgdb"
    env_db=(CMK_STORAGE_DATABASE_URL="jdbc:postgresql://$PGHOST:5432/$pgdb?sslmode=$PGSSLMODE" CMK_STORAGE_DATABASE_USER="$PGUSER" CMK_STORAGE_DATABASE_PASSWORD="$PGPASSWORD")
  fi
  env CMK_SERVER_PORT="$port" CMK_STORAGE_DATA_DIR="$tmp/data" CMK_LOCAL_KEYSTORE="$ks" \
      CMK_BOOTSTRAP_OPERATOR_TOKEN="$op_token" "${env_db[@]}" ${BENCH_NODE_ENV:-} \
      "$java" -Xmx"${BENCH_XMX:-2g}" ${BENCH_JAVA_OPTS:-} -jar "$jar" serve > "$tmp/node.log" 2>&1 &
  node=$!
  trap 'kill $node 2>/dev/null || true' EXIT
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$base/v1/health" && break; sleep 0.5; done
  curl -sf -o /dev/null "$base/v1/health" || { cat "$tmp/node.log"; exit 1; }

  ids=()
  for i in $(seq 0 $((accounts_n - 1))); do
    a=$(api POST /v1/accounts "{\"name\":\"bench $i\",\"region\":\"us-east-1\"}" | jq -r .id)
    api PUT "/v1/accounts/$a/key" "{\"provider\":\"local\",\"keyId\":\"bench-$i\"}" > /dev/null
    api PUT "/v1/accounts/$a/users/alice/license" '{"cmkLicensed":true}' > /dev/null
    ids+=("$a")
  done
  svc=$(api POST /v1/tokens '{"role":"service","services":["chat"],"label":"bench"}' | jq -r .secret)
  first=${ids[0]}; all=$(IFS=,; echo "${ids[*]}")
  prefill "$first" "$read_ids_1" 1024
  for a in "${ids[@]:1}"; do prefill "$a" "$read_ids_50" 1024; done
  echo "seeded $accounts_n accounts, prefilled $read_ids_1 + $((read_ids_50 * (accounts_n - 1))) objects" >> "$logf"

  # warm-up (JIT, KEK caches), not recorded
  env BENCH_DIR="$here" BENCH_TOKEN="$svc" BENCH_ACCOUNTS="$all" BENCH_SIZE=1024 BENCH_PREFIX="warm" \
    BENCH_READ_IDS="$read_ids_50" BENCH_WRITE_PCT=50 \
    wrk -t"$threads" -c"$conns" -d5s -s "$here/mixed.lua" "$base" > /dev/null 2>&1 || true

  wrk_run health-ceiling health.lua "$first" 0
  wrk_run write-1k-1acct write.lua "$first" 1024
  wrk_run write-1k-50acct write.lua "$all" 1024
  wrk_run read-1k-1acct read.lua "$first" 1024 BENCH_READ_IDS="$read_ids_1"
  wrk_run read-1k-50acct read.lua "$all" 1024 BENCH_READ_IDS="$read_ids_50"
  wrk_run mixed-1k-1acct mixed.lua "$first" 1024 BENCH_READ_IDS="$read_ids_1" BENCH_WRITE_PCT=20
  wrk_run mixed-1k-50acct mixed.lua "$all" 1024 BENCH_READ_IDS="$read_ids_50" BENCH_WRITE_PCT=20
  if [ "$big" = 1 ]; then
    # 1 MiB objects b0..b19 to read, in the first two accounts (reads of 50 accounts spread over
    # two: a 1 MiB read is bound by crypto and copying, not by the account)
    head -c 1048576 /dev/urandom > "$tmp/body-big"
    for a in "${ids[0]}" "${ids[1]}"; do
      seq 0 $((big_ids - 1)) | xargs -P 4 -I{} curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $svc" \
        -H 'X-CMK-User: alice' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$tmp/body-big" "$base/v1/accounts/$a/content/chat-message/b{}"
    done
    wrk_run write-1m-1acct write.lua "$first" 1048576
    wrk_run write-1m-50acct write.lua "$all" 1048576
    wrk_run read-1m-1acct read-big.lua "$first" 0 BENCH_READ_IDS="$big_ids"
    wrk_run read-1m-2acct read-big.lua "${ids[0]},${ids[1]}" 0 BENCH_READ_IDS="$big_ids"
  fi
  if [ "$db" = pg ] && { [ -z "$only" ] || [[ "$only" == *" pgbench "* ]]; }; then
    kek=$(psql -At -d "$pgdb" -c "select id from keks where account_id = '$first' and protection = 'CMK' limit 1")
    pgbench_run pgbench-write-ceiling "$here/pg-write.sql"
    pgbench_run pgbench-read-ceiling "$here/pg-read.sql"
  fi
  # every access is audited and the chain verifies after the load: the busiest account (1 account
  # runs) and one of the 50, with the CLI verifier and the independent Python one
  for a in "$first" "${ids[$((accounts_n - 1))]}"; do
    head_json=$(api GET "/v1/accounts/$a/audit/head")
    head_hash=$(echo "$head_json" | jq -r .hash)
    CMK_URL="$base" CMK_TOKEN="$op_token" "$java" -jar "$jar" audit export --account "$a" --out "$tmp/audit-$a.jsonl"
    { echo "== audit of $a: head $head_json, $(wc -l < "$tmp/audit-$a.jsonl") rows exported"
      "$java" -jar "$jar" audit verify "$tmp/audit-$a.jsonl" --head-hash "$head_hash" 2>&1 || echo "CLI VERIFY FAILED"
      python3 "$here/verify_audit.py" "$tmp/audit-$a.jsonl" "$head_hash" 2>&1 || echo "PYTHON VERIFY FAILED"
      echo "content rows: $(grep -c '"action":"content\.' "$tmp/audit-$a.jsonl")"
    } | tee -a "$logf"
  done
  curl -sf -o "$tmp/metrics.txt" "$base/metrics" || true
  grep -E '^cmk_audit_(pending|chained)' "$tmp/metrics.txt" >> "$logf" || true
  grep -E '^cmk_provider_calls_total' "$tmp/metrics.txt" >> "$logf" || true
  kill "$node"; wait "$node" 2>/dev/null || true; trap - EXIT
  echo "node log: $tmp/node.log" >> "$logf"
  if [ "$db" = pg ]; then psql -q -d postgres -c "drop database if exists $pgdb"; fi
done
