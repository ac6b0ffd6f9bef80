#!/usr/bin/env python3
"""The three-node drill's clients and checks (started by drill.sh; standard library only).

Clients write through the load balancer with an Idempotency-Key and retry until they get a 2xx
(at most 90 s per key), and read acknowledged objects back. Midway a backfill job starts and node
2 is killed with SIGKILL. At the end: every acknowledged write reads back identical, each key made
exactly one object (content.write rows in the audit log), the audit chain verifies with
`cmk audit verify`, and the backfill finished on the survivors.
"""
import argparse, hashlib, json, os, random, signal, subprocess, sys, threading, time
import urllib.error, urllib.request

ap = argparse.ArgumentParser()
for a in ("--base", "--operator", "--work", "--jar", "--java"):
    ap.add_argument(a, required=True)
ap.add_argument("--clients", type=int, default=8)
ap.add_argument("--seconds", type=int, default=20)
ap.add_argument("--kill-pid", type=int, required=True)
args = ap.parse_args()
B = args.base


def call(method, path, token, body=None, headers=None, raw=False, timeout=60):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(B + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if body is not None and not isinstance(body, bytes):
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            out = r.read()
            return r.status, (out if raw else json.loads(out or b"null"))
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def must(expect, res):
    if res[0] != expect:
        sys.exit(f"unexpected answer {res[0]}: {res[1]!r}")
    return res[1]


op = args.operator
acct = must(201, call("POST", "/v1/accounts", op, {"name": "Drill"}))["id"]
admin = must(201, call("POST", "/v1/tokens", op, {"role": "admin", "accountId": acct}))["secret"]
svc = must(201, call("POST", "/v1/tokens", op,
                     {"role": "service", "accountId": acct, "services": ["chat"]}))["secret"]
must(201, call("PUT", f"/v1/accounts/{acct}/key", admin, {"provider": "local", "keyId": "drill-cmk"}))
for u in ("alice",):
    must(200, call("PUT", f"/v1/accounts/{acct}/users/{u}/license", admin, {"cmkLicensed": True}))
for i in range(200):  # bob's messages under the platform key, for the backfill to move
    must(201, call("PUT", f"/v1/accounts/{acct}/content/chat-message/bob-{i}", svc,
                   f"bob's message {i}".encode(), {"X-CMK-User": "bob"}))
must(200, call("PUT", f"/v1/accounts/{acct}/users/bob/license", admin, {"cmkLicensed": True}))
print(f"account {acct}: alice licensed, 200 platform-key messages of bob, then bob licensed")

acked, lock, stop = {}, threading.Lock(), threading.Event()
stats = {"attempts": 0, "retries": 0, "reads": 0, "bad_reads": 0, "read_errors": 0, "gave_up": 0}


def body_of(seed, size):
    return random.Random(seed).randbytes(size)


def client(n):
    r = random.Random()
    i = 0
    while not stop.is_set():
        if r.random() < 0.3 and acked:
            with lock:
                key, (oid, seed, size) = r.choice(list(acked.items()))
            try:
                st, got = call("GET", f"/v1/accounts/{acct}/content/chat-message/{oid}", svc, raw=True)
                stats["reads"] += 1
                if st == 404 or (st == 200 and got != body_of(seed, size)):
                    stats["bad_reads"] += 1  # an acknowledged object missing or altered
                elif st != 200:
                    stats["read_errors"] += 1  # e.g. 502 from HAProxy: the node died mid-read
            except Exception:
                pass
            continue
        i += 1
        key, seed = f"c{n}-{i}", r.getrandbits(63)
        size = min(1 << 20, round(1024 * 2 ** (10 * r.random() ** 2)))
        body, deadline = body_of(seed, size), time.time() + 90
        while time.time() < deadline:
            stats["attempts"] += 1
            try:
                st, res = call("POST", f"/v1/accounts/{acct}/content/chat-message", svc, body,
                               {"X-CMK-User": "alice", "Idempotency-Key": key})
                if st == 201:
                    with lock:
                        acked[key] = (res["objectId"], seed, size)
                    break
            except Exception:
                pass
            stats["retries"] += 1
            time.sleep(0.2)
        else:
            stats["gave_up"] += 1


threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
for t in threads:
    t.start()
time.sleep(args.seconds / 3)
job = must(202, call("POST", f"/v1/accounts/{acct}/backfill", admin, {"userId": "bob"}))["id"]
time.sleep(2)
at_kill = len(acked)
os.kill(args.kill_pid, signal.SIGKILL)
print(f"killed node 2 (pid {args.kill_pid}) with SIGKILL: {at_kill} keys acknowledged, backfill {job} running")
time.sleep(max(1, args.seconds - args.seconds / 3 - 2))
stop.set()
for t in threads:
    t.join(120)

deadline, jobv = time.time() + 180, None
while time.time() < deadline:
    st, jobv = call("GET", f"/v1/accounts/{acct}/jobs/{job}", admin)
    if st == 200 and jobv["status"] != "RUNNING":
        break
    time.sleep(1)

lost = 0
for key, (oid, seed, size) in acked.items():
    st, got = call("GET", f"/v1/accounts/{acct}/content/chat-message/{oid}", svc, raw=True)
    if st != 200 or got != body_of(seed, size):
        lost += 1
        print(f"LOST {key} -> {oid}: {st}")
head = must(200, call("GET", f"/v1/accounts/{acct}/audit/head", admin))
rows, after, written = [], 0, {}
while after < head["seq"]:
    st, page = call("GET", f"/v1/accounts/{acct}/audit?format=jsonl&limit=10000&afterSeq={after}",
                    admin, raw=True)
    lines = [l for l in page.decode().splitlines() if l.strip()]
    got = [json.loads(l) for l in lines]
    keep = [(l, g) for l, g in zip(lines, got) if g["seq"] <= head["seq"]]
    if not keep:
        break
    for l, g in keep:
        rows.append(l)
        if g["action"] == "content.write" and g["result"] == "ok" and g["objectId"].startswith("i-"):
            written[g["objectId"]] = written.get(g["objectId"], 0) + 1
    after = keep[-1][1]["seq"]
export = os.path.join(args.work, "audit.jsonl")
with open(export, "w") as f:
    f.write("\n".join(rows) + "\n")
verify = subprocess.run([args.java, "-jar", args.jar, "audit", "verify", export, "--head-hash", head["hash"]],
                        capture_output=True, text=True)
ids = {oid for (oid, _, _) in acked.values()}
print(f"RESULT: write attempts {stats['attempts']}, retried {stats['retries']}, keys acknowledged "
      f"{len(acked)}, objects written under a key {len(written)} (each once: "
      f"{all(v == 1 for v in written.values())}), gave up {stats['gave_up']}, lost {lost}, "
      f"live reads {stats['reads']} (missing or altered {stats['bad_reads']}, errors "
      f"{stats['read_errors']}), backfill {jobv['status']} "
      f"({jobv.get('done')} done, {jobv.get('failed')} failed), audit: {verify.stdout.strip()}")
ok = (lost == 0 and stats["bad_reads"] == 0 and stats["gave_up"] == 0 and set(written) == ids
      and jobv["status"] == "SUCCEEDED" and verify.returncode == 0)
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
