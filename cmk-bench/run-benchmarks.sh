#!/usr/bin/env bash
# Runs the content-encryption benchmark of BENCHMARKS.md on one JVM and writes the JMH logs and CSVs
# to cmk-bench/results/<tag>-*.{txt,csv}. Usage (from the repository root, after
# `./mvnw -q -pl cmk-crypto,cmk-bench -am package -DskipTests`):
#   cmk-bench/run-benchmarks.sh <java-binary> <tag>
# Nothing else should run on the machine meanwhile; the load average is recorded next to the logs.
set -euo pipefail
J=${1:?java binary}
TAG=${2:?tag}
OUT=cmk-bench/results
JAR=cmk-bench/target/benchmarks.jar
mkdir -p "$OUT"
run() { # name, regexp, jmh args...
  local name=$1 re=$2
  shift 2
  uptime >"$OUT/$TAG-$name.load"
  "$J" -jar "$JAR" "ContentEncryptionBench.($re)" "$@" -rf csv -rff "$OUT/$TAG-$name.csv" \
    >"$OUT/$TAG-$name.txt" 2>&1
  uptime >>"$OUT/$TAG-$name.load"
}
"$J" -version 2>&1 | head -1 >"$OUT/$TAG-jvm.txt"
# jca=accp: CMK as shipped (AWS-LC as the crypto core's provider) and the peers with AWS-LC first in
# the JCA's list; jca=jdk: everything on the JDK's own provider. Ratio-deciding engines run in two
# forks (JIT and memory layout differ per fork; JMH reports the mean), the others in one.
# 1 KiB: one key reused (CMK bytes vs Tink AesGcm vs the bare cipher), then a new key per message
run 1k 'cmkBytes|tinkAead|jdk' -p size=1024 -p jca=jdk,accp -f 2 -wi 4 -i 4 -w 1s -r 1s
run 1k-fresh 'cmkFreshDek|tinkFreshKey' -p size=1024 -p jca=jdk,accp -f 1 -wi 4 -i 4 -w 1s -r 1s
# 64 KiB and 1 MiB
run mid 'cmkBytes|cmkStream|tinkStream4k' -p size=65536,1048576 -p jca=jdk,accp \
  -f 2 -wi 3 -i 3 -w 1s -r 1s
# 64 MiB: longer iterations (one operation takes up to a second)
run 64m 'cmkBytes|cmkStream|tinkStream4k|jdk' -p size=67108864 -p jca=jdk,accp \
  -f 1 -wi 3 -i 3 -w 2s -r 2s
# The AWS Encryption SDK (default suite, as its documentation recommends), on the JDK's provider
run esdk 'awsEsdkDefault' -p size=65536,1048576,67108864 -p jca=jdk -f 1 -wi 2 -i 3 -w 2s -r 2s
