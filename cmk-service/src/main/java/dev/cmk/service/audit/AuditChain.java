package dev.cmk.service.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The hash chain of the audit log: the canonical encoding, the row hash, and an offline verifier.
 * Pure functions over rows, no database: an exported log can be checked by anyone (AUDIT.md has the
 * encoding, so it can be re-implemented elsewhere).
 */
public final class AuditChain {
  /** The {@code prevHash} of an account's first row. */
  public static final String GENESIS = "0".repeat(64);

  private static final String DOMAIN = "cmk-audit";
  private static final DateTimeFormatter AT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private AuditChain() {}

  /** SHA-256 (lower-case hex) over the canonical encoding of every field but {@code hash}. */
  public static String hash(AuditRecord r) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical(r)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }

  /**
   * The canonical encoding: each field as a 4-byte big-endian length followed by its UTF-8 bytes,
   * in this order: "cmk-audit", v, accountId, seq (decimal), at (yyyy-MM-ddTHH:mm:ss.SSSZ, UTC),
   * actorKind, actorId, action, keyProvider, keyId, kekId, protection, asset, objectId, user,
   * requestId, result, the number of details (decimal), each detail's key and value in key order,
   * prevHash.
   */
  public static byte[] canonical(AuditRecord r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    field(out, DOMAIN);
    field(out, Integer.toString(r.v()));
    field(out, r.accountId());
    field(out, Long.toString(r.seq()));
    field(out, AT.format(r.at()));
    for (String s :
        new String[] {
          r.actorKind(),
          r.actorId(),
          r.action(),
          r.keyProvider(),
          r.keyId(),
          r.kekId(),
          r.protection(),
          r.asset(),
          r.objectId(),
          r.user(),
          r.requestId(),
          r.result()
        }) {
      field(out, s);
    }
    field(out, Integer.toString(r.details().size()));
    for (Map.Entry<String, String> d : r.details().entrySet()) {
      field(out, d.getKey());
      field(out, d.getValue());
    }
    field(out, r.prevHash());
    return out.toByteArray();
  }

  private static void field(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write(b.length >>> 24);
    out.write(b.length >>> 16);
    out.write(b.length >>> 8);
    out.write(b.length);
    out.write(b, 0, b.length);
  }

  /**
   * The outcome of a verification.
   *
   * @param firstBrokenSeq the first seq at which the chain does not hold, if any
   * @param anchoredAt the seq the check started from: 1, or the first row of a partial export whose
   *     {@code prevHash} is taken on trust (anchor it with an earlier export or the head)
   */
  public record Verification(
      boolean ok,
      long rows,
      OptionalLong firstBrokenSeq,
      String problem,
      long anchoredAt,
      long lastSeq,
      String lastHash) {}

  /**
   * Where a chain continues from when its older rows were archived (AUDIT.md, "Retention"): the
   * last archived seq and its hash. The first row checked must be {@code seq + 1} with {@code
   * prevHash} = {@code hash}. {@code seq} 0 with {@link #GENESIS} is the start of every chain.
   */
  public record Anchor(long seq, String hash) {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public Anchor {
      if (seq < 0) {
        throw new IllegalArgumentException("anchor seq must be 0 or more");
      }
      if (!HEX.matcher(hash).matches()) {
        throw new IllegalArgumentException("anchor hash must be 64 lower-case hex digits");
      }
      if (seq == 0 && !hash.equals(GENESIS)) {
        throw new IllegalArgumentException("the anchor at seq 0 is the genesis hash");
      }
    }
  }

  /** Incremental verification, for exports too large to hold: feed rows in order, then finish. */
  public static final class Verifier {
    private long rows;
    private long firstSeq = -1;
    private long lastSeq;
    private String lastHash = "";
    private String account = "";
    private boolean headSeen;
    private final Optional<String> headHash;
    private final Optional<Anchor> anchor;
    private @Nullable Verification broken;

    public Verifier(Optional<String> headHash) {
      this(headHash, Optional.empty());
    }

    /**
     * @param headHash the head's hash the rows must reach, if given
     * @param anchor where the rows continue from (their older rows archived), if given; without it
     *     the first row's {@code prevHash} is taken on trust unless it is seq 1
     */
    public Verifier(Optional<String> headHash, Optional<Anchor> anchor) {
      this.headHash = headHash;
      this.anchor = anchor;
    }

    /** Checks the next row; returns false once the chain is broken (later rows are ignored). */
    public boolean accept(AuditRecord r) {
      if (broken != null) {
        return false;
      }
      if (r.v() != AuditRecord.VERSION) {
        return fail(r.seq(), "unknown record version " + r.v());
      }
      if (rows == 0) {
        firstSeq = r.seq();
        account = r.accountId();
        if (r.seq() == 1 && !r.prevHash().equals(GENESIS)) {
          return fail(1, "seq 1 does not start from the genesis hash");
        }
        if (anchor.isPresent() && r.seq() != anchor.get().seq() + 1) {
          return fail(
              anchor.get().seq() + 1,
              "expected seq "
                  + (anchor.get().seq() + 1)
                  + " after the anchor but found "
                  + r.seq()
                  + " (missing or reordered)");
        }
        if (anchor.isPresent() && !r.prevHash().equals(anchor.get().hash())) {
          return fail(
              r.seq(),
              "prevHash does not match the anchor's hash (seq " + anchor.get().seq() + ")");
        }
      } else {
        if (!r.accountId().equals(account)) {
          return fail(r.seq(), "row of another account (" + r.accountId() + ")");
        }
        if (r.seq() != lastSeq + 1) {
          return fail(
              lastSeq + 1,
              "expected seq "
                  + (lastSeq + 1)
                  + " but found "
                  + r.seq()
                  + " (missing or reordered)");
        }
        if (!r.prevHash().equals(lastHash)) {
          return fail(r.seq(), "prevHash does not match the hash of seq " + lastSeq);
        }
      }
      if (!hash(r).equals(r.hash())) {
        return fail(r.seq(), "hash does not match the row's content (row altered)");
      }
      rows++;
      lastSeq = r.seq();
      lastHash = r.hash();
      headSeen |= headHash.map(lastHash::equals).orElse(false);
      return true;
    }

    private boolean fail(long seq, String problem) {
      broken =
          new Verification(
              false, rows, OptionalLong.of(seq), problem, Math.max(firstSeq, 0), lastSeq, lastHash);
      return false;
    }

    public Verification finish() {
      if (broken != null) {
        return broken;
      }
      if (headHash.isPresent() && !headSeen) {
        return new Verification(
            false,
            rows,
            OptionalLong.of(lastSeq + 1),
            "the head hash is not in the export (rows missing at the end, or altered)",
            Math.max(firstSeq, 0),
            lastSeq,
            lastHash);
      }
      return new Verification(
          true, rows, OptionalLong.empty(), "", Math.max(firstSeq, 0), lastSeq, lastHash);
    }
  }

  /** Verifies rows in export order (ascending seq); {@code headHash} anchors the end if given. */
  public static Verification verify(Iterable<AuditRecord> rows, Optional<String> headHash) {
    return verify(rows, headHash, Optional.empty());
  }

  /** Verifies rows that continue from {@code anchor} (their older rows archived). */
  public static Verification verify(
      Iterable<AuditRecord> rows, Optional<String> headHash, Optional<Anchor> anchor) {
    Verifier v = new Verifier(headHash, anchor);
    for (AuditRecord r : rows) {
      if (!v.accept(r)) {
        break;
      }
    }
    return v.finish();
  }
}
