#!/usr/bin/env python3
"""jfrtop.py FILE.jfr [N] [filter-substring]: self and inclusive sample counts from jdk.ExecutionSample."""
import json, subprocess, sys, collections
f = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 30; flt = sys.argv[3] if len(sys.argv) > 3 else None
J = '/usr/lib/jvm/temurin-25-jdk-amd64/bin/jfr'
out = subprocess.run([J, 'print', '--json', '--stack-depth', '64', '--events', 'jdk.ExecutionSample', f], capture_output=True, text=True).stdout
ev = json.loads(out)['recording']['events']
selfc = collections.Counter(); incl = collections.Counter(); total = 0
for e in ev:
    st = e['values']['stackTrace']
    if not st: continue
    frames = [fr['method']['type']['name'] + '.' + fr['method']['name'] for fr in st['frames']]
    if flt and not any(flt in x for x in frames): continue
    total += 1
    selfc[frames[0]] += 1
    for x in set(frames): incl[x] += 1
print('samples', total)
print('--- self'); [print(f'{c:6d} {c*100/total:5.1f}% {m}') for m, c in selfc.most_common(n)]
print('--- inclusive (dev.cmk / jdbi / h2 / jetty)')
k = 0
for m, c in incl.most_common():
    if any(p in m for p in ('dev.cmk', 'jdbi', 'org.h2', 'postgresql', 'jackson', 'javalin', 'hikari', 'crypto', 'security')):
        print(f'{c:6d} {c*100/total:5.1f}% {m}'); k += 1
        if k >= n: break
