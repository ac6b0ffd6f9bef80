#!/usr/bin/env bash
# Runs the 1 KiB comparison of BENCHMARKS.md (CMK bytes vs Tink AesGcm vs the bare JCA cipher, one
# key reused, on both AES-GCM providers) as paired rounds: in each round every engine runs one fork,
# in a shuffled order, so that the ratios taken within a round are not biased by the machine drifting
# between rounds or by always running first. Writes cmk-bench/results/<tag>-round<N>.{csv,txt,load};
# summarise with
#   java -cp cmk-bench/target/benchmarks.jar dev.cmk.bench.Report --paired cmk-bench/results/<tag>-round*.csv
# Usage (from the repository root, after `./mvnw -q -pl cmk-crypto,cmk-bench -am package -DskipTests`):
#   cmk-bench/run-1k-rounds.sh <java-binary> <tag> [rounds, default 8]
# Nothing else should run on the machine meanwhile.
set -euo pipefail
J=${1:?java binary}
TAG=${2:?tag}
ROUNDS=${3:-8}
OUT=cmk-bench/results
JAR=cmk-bench/target/benchmarks.jar
mkdir -p "$OUT"
"$J" -version 2>&1 | head -1 >"$OUT/$TAG-jvm.txt"
for n in $(seq 1 "$ROUNDS"); do
  base="$OUT/$TAG-round$n"
  uptime >"$base.load"
  : >"$base.txt"
  rm -f "$base.csv"
  for engine in $(printf '%s\n' cmkBytes tinkAead jdk | shuf); do
    "$J" -jar "$JAR" "ContentEncryptionBench.${engine}(Seal|Open)\$" -p size=1024 -p jca=jdk,accp \
      -f 1 -wi 3 -i 4 -w 1s -r 1s -rf csv -rff "$base.part.csv" >>"$base.txt" 2>&1
    if [[ -f "$base.csv" ]]; then tail -n +2 "$base.part.csv" >>"$base.csv"; else cp "$base.part.csv" "$base.csv"; fi
    rm -f "$base.part.csv"
  done
  uptime >>"$base.load"
done
