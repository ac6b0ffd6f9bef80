// The audit chain's hash (cmk-service/AUDIT.md, "The hash"), recomputed in the browser with
// WebCrypto, and a verifier: every hash, gapless seq, each prevHash the hash before, and the end
// equal to the head taken before the export.
const FIELDS = ['actorKind', 'actorId', 'action', 'keyProvider', 'keyId', 'kekId', 'protection', 'asset',
  'objectId', 'user', 'requestId', 'result'];
export const ZERO = '0'.repeat(64);

function canonical(r) {
  const details = r.details || {};
  const keys = Object.keys(details).sort();
  const parts = ['cmk-audit', String(r.v), r.accountId, String(r.seq), new Date(r.at).toISOString(),
    ...FIELDS.map((f) => r[f] || ''), String(keys.length), ...keys.flatMap((k) => [k, details[k]]), r.prevHash];
  const enc = new TextEncoder();
  const bytes = parts.map((p) => enc.encode(p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + 4 + b.length, 0));
  const view = new DataView(out.buffer);
  let o = 0;
  for (const b of bytes) {
    view.setUint32(o, b.length);
    out.set(b, o + 4);
    o += 4 + b.length;
  }
  return out;
}

export async function rowHash(r) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', canonical(r)));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Checks rows (oldest first) from an anchor hash up to the head.
 * @returns {ok, rows, firstSeq, lastSeq, brokenAt, why}
 */
export async function verify(rows, anchorHash, head) {
  let prev = anchorHash;
  let expectSeq = rows.length ? rows[0].seq : 0;
  let reachedHead = false;
  for (const r of rows) {
    if (r.seq !== expectSeq) return { ok: false, brokenAt: expectSeq, why: 'row ' + expectSeq + ' is missing' };
    if (r.prevHash !== prev) return { ok: false, brokenAt: r.seq, why: 'its prevHash is not the hash of the row before' };
    const h = await rowHash(r);
    if (h !== r.hash) return { ok: false, brokenAt: r.seq, why: 'its content does not match its hash' };
    if (r.seq === head.seq) {
      if (h !== head.hash) return { ok: false, brokenAt: r.seq, why: 'the head hash differs' };
      reachedHead = true;
    }
    prev = h;
    expectSeq += 1;
  }
  if (!reachedHead && head.seq > 0) {
    return { ok: false, brokenAt: expectSeq, why: 'the export ends before the head (seq ' + head.seq + ')' };
  }
  return { ok: true, rows: rows.length, firstSeq: rows.length ? rows[0].seq : 0, lastSeq: expectSeq - 1 };
}
