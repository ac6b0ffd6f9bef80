#!/usr/bin/env python3
"""Independent check of an exported audit log (AUDIT.md's ten-line verifier, whole file):
recomputes every hash, checks seq is gapless and every prevHash links, and that the last hash is
the head given. Usage: verify_audit.py audit.jsonl HEAD_HASH"""
import hashlib, json, struct, sys, datetime

def field(s): b = s.encode(); return struct.pack(">I", len(b)) + b
def row_hash(r):
    at = datetime.datetime.fromisoformat(r["at"].replace("Z", "+00:00"))
    at = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    parts = ["cmk-audit", str(r["v"]), r["accountId"], str(r["seq"]), at]
    parts += [r[k] for k in ("actorKind", "actorId", "action", "keyProvider", "keyId", "kekId",
              "protection", "asset", "objectId", "user", "requestId", "result")]
    parts += [str(len(r["details"]))] + [x for k in sorted(r["details"]) for x in (k, r["details"][k])]
    parts += [r["prevHash"]]
    return hashlib.sha256(b"".join(field(p) for p in parts)).hexdigest()

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
prev, seq, head = "0" * 64, 0, sys.argv[2]
for r in rows:
    seq += 1
    assert r["seq"] == seq, f"gap at seq {seq}"
    assert r["prevHash"] == prev, f"broken link at seq {seq}"
    assert row_hash(r) == r["hash"], f"bad hash at seq {seq}"
    prev = r["hash"]
    if prev == head:
        break
assert prev == head, "the export does not reach the head"
print(f"python verifier: {seq} rows from seq 1 verify up to the head {head[:16]}…")
