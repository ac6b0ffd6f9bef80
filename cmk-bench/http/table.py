#!/usr/bin/env python3
"""BENCHMARKS.md's HTTP table from run.sh's TSVs: table.py BEFORE_LABEL AFTER_LABEL [DB...]
(reads cmk-bench/results/http-<label>-<db>.tsv; rate, p99 and errors before/after, and the
after/before ratio)."""
import os, sys
here = os.path.dirname(os.path.abspath(__file__))
res = os.path.join(here, "..", "results")
before, after = sys.argv[1], sys.argv[2]
dbs = sys.argv[3:] or ["h2", "pg"]
def load(label, db):
    rows = {}
    p = os.path.join(res, f"http-{label}-{db}.tsv")
    if os.path.exists(p):
        for line in open(p):
            f = line.rstrip("\n").split("\t")
            if len(f) >= 7:
                rows[f[2]] = f
    return rows
print("| db | run | before /s | after /s | after ÷ before | p99 before ms | p99 after ms | non-2xx before / after |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for db in dbs:
    b, a = load(before, db), load(after, db)
    for run in list(dict.fromkeys(list(b) + list(a))):
        rb, ra = b.get(run), a.get(run)
        vb = int(rb[3]) if rb else 0
        va = int(ra[3]) if ra else 0
        ratio = f"{va / vb:.1f}×" if vb and va else "—"
        p99b = rb[5] if rb else "—"
        p99a = ra[5] if ra else "—"
        eb = rb[6] if rb else "—"
        ea = ra[6] if ra else "—"
        print(f"| {db} | {run} | {vb:,} | {va:,} | {ratio} | {p99b} | {p99a} | {eb} / {ea} |")
