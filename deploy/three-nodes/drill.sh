#!/usr/bin/env bash
# Three CMK nodes on one PostgreSQL and one S3 bucket (moto_server) behind HAProxy, all on
# loopback. Under load (clients retrying with an Idempotency-Key) node 2 is killed with SIGKILL
# while a backfill job runs; the script then checks: no acknowledged write lost, exactly one
# object per key, the audit chain verifies (cmk audit verify), the job finishes on the survivors.
#
#   deploy/three-nodes/drill.sh            # needs: JDK 17+, haproxy, moto_server, python3, psql
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres PGPASSWORD=postgres deploy/three-nodes/drill.sh
#   SECONDS_OF_LOAD=20 CLIENTS=8 CMK_JAR=path/to/cmk.jar deploy/three-nodes/drill.sh
#
# Everything it starts binds to 127.0.0.1 on free ports and is stopped on exit; the data stays in
# the printed work directory. The same drill runs in `mvn verify` as ThreeNodesIT.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGPASSWORD="${PGPASSWORD:-postgres}"
load_seconds="${SECONDS_OF_LOAD:-20}"
clients="${CLIENTS:-8}"
for tool in haproxy moto_server python3 psql jshell; do
  command -v "$tool" >/dev/null || { echo "drill.sh needs $tool on PATH" >&2; exit 2; }
done
jar="${CMK_JAR:-$here/cmk-app/target/cmk.jar}"
[ -f "$jar" ] || "$here/cmk" --help >/dev/null   # the launcher builds the jar on first use
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
work="$(mktemp -d /tmp/cmk-three-nodes.XXXXXX)"
echo "work directory: $work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 240); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done; echo "$1 not up" >&2; return 1; }

db="cmk_drill_$(date +%s)_$$"
psql -qc "create database $db"
echo "PostgreSQL database $db on $PGHOST:$PGPORT"

moto_port="$(free_port)"
moto_server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 & pids+=($!)
for _ in $(seq 1 60); do (echo >/dev/tcp/127.0.0.1/"$moto_port") 2>/dev/null && break; sleep 0.5; done
python3 - "$moto_port" <<'PY'
import sys, boto3
boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
             aws_access_key_id="test", aws_secret_access_key="test").create_bucket(Bucket="cmk-drill")
PY
echo "S3 (moto_server) on 127.0.0.1:$moto_port, bucket cmk-drill"

# One local keystore for the three nodes (the development key provider; a real cluster uses a KMS).
keystore="$work/local-keys.p12"
printf '%s\n' \
  "var p = new dev.cmk.provider.local.LocalKeyProvider(java.nio.file.Path.of(\"$keystore\"), \"cmk-dev-only\".toCharArray(), new java.security.SecureRandom());" \
  'for (String k : new String[] {"platform", "backup", "drill-cmk"}) p.createKey(k);' '/exit' \
  >"$work/keys.jsh"
jshell -q --class-path "$jar" "$work/keys.jsh" >"$work/keys.log" 2>&1
echo "local keys platform, backup, drill-cmk in $keystore"

operator="cmk_drill_operator_$(python3 -c 'import secrets;print(secrets.token_hex(16))')"
ports=()
for i in 1 2 3; do
  port="$(free_port)"; ports+=("$port")
  cat >"$work/node$i.yaml" <<YAML
server: { host: 127.0.0.1, port: $port }
storage:
  dataDir: $work/node$i
  databaseUrl: "jdbc:postgresql://$PGHOST:$PGPORT/$db"
  databaseUser: "$PGUSER"
  databasePassword: "$PGPASSWORD"
  blobs:
    store: s3
    s3: { bucket: cmk-drill, region: us-east-1, endpoint: "http://127.0.0.1:$moto_port", accessKeyId: test, secretAccessKey: test }
local: { enabled: true, keystore: $keystore, keystorePassword: cmk-dev-only }
availability: { probeInterval: PT5S, jobLease: PT10S, jobBatchSize: 10 }
YAML
  CMK_BOOTSTRAP_OPERATOR_TOKEN="$operator" "$java" -jar "$jar" serve --config "$work/node$i.yaml" \
    >"$work/node$i.log" 2>&1 & pids+=($!); eval "node${i}_pid=$!"
  wait_http "http://127.0.0.1:$port/v1/health"   # one after the other: the first migrates
  echo "node $i on 127.0.0.1:$port (pid $!)"
done

lb_port="$(free_port)"
cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 256
defaults
  mode http
  timeout connect 2s
  timeout client 90s
  timeout server 90s
  retries 2
  option redispatch
frontend cmk
  bind 127.0.0.1:$lb_port
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /v1/health
  server n1 127.0.0.1:${ports[0]} check inter 500 fall 2 rise 2
  server n2 127.0.0.1:${ports[1]} check inter 500 fall 2 rise 2
  server n3 127.0.0.1:${ports[2]} check inter 500 fall 2 rise 2
CFG
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$lb_port/v1/health"
echo "HAProxy on 127.0.0.1:$lb_port"

python3 "$here/deploy/three-nodes/load.py" \
  --base "http://127.0.0.1:$lb_port" --operator "$operator" --clients "$clients" \
  --seconds "$load_seconds" --work "$work" --kill-pid "$node2_pid" --jar "$jar" --java "$java"
