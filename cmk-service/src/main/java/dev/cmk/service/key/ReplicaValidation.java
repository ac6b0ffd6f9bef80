package dev.cmk.service.key;

import static dev.cmk.service.key.ValidationChecks.advisoryPass;
import static dev.cmk.service.key.ValidationChecks.evidence;
import static dev.cmk.service.key.ValidationChecks.fail;
import static dev.cmk.service.key.ValidationChecks.fix;
import static dev.cmk.service.key.ValidationChecks.pass;
import static dev.cmk.service.key.ValidationChecks.skip;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.PolicyReader;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.key.ValidationReport.Check;
import dev.cmk.service.key.ValidationReport.Outcome;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;

/**
 * The replica checks of validation: each registered replica of a multi-region key exists, is
 * enabled, holds the primary's key material (wrap under one, unwrap under the other, both ways),
 * and carries the primary's key policy where the provider can read policies.
 */
final class ReplicaValidation {
  private final SecureRandom random;

  ReplicaValidation(SecureRandom random) {
    this.random = random;
  }

  void check(
      KeyProvider p,
      KeyRef ref,
      Optional<KeyDescription> primary,
      EncryptionContext ctx,
      List<Check> checks) {
    if (ref.replicaKeyIds().isEmpty()) {
      checks.add(skip("replicas", "no replicas registered"));
      return;
    }
    if (primary.isPresent() && !primary.get().multiRegion()) {
      checks.add(
          fail(
              "multi_region",
              ref.keyId() + " is not a multi-region key",
              "register replicas only for a multi-region key (AWS: MultiRegion=true)"));
    }
    Optional<PolicyReader> policies = p.capability(PolicyReader.class);
    for (String replicaId : ref.replicaKeyIds()) {
      KeyRef replica = ref.atReplica(replicaId);
      replicaExists(p, replica, primary, checks);
      crossRoundTrip(p, ref, replica, ctx, checks);
      policies.ifPresentOrElse(
          r -> comparePolicies(r, ref, replica, checks),
          () ->
              checks.add(
                  skip("replica_policy", "provider " + p.kind() + " cannot read key policies")));
    }
  }

  private static void replicaExists(
      KeyProvider p, KeyRef replica, Optional<KeyDescription> primary, List<Check> checks) {
    String who = "replica " + replica.keyId() + ": ";
    try {
      KeyDescription d = p.describe(replica);
      String where = d.region().map(r -> " in " + r).orElse("");
      if (d.state() != KeyState.ENABLED) {
        checks.add(fail("replica_exists", who + "state " + d.state(), "enable the replica key"));
      } else if (primary.isPresent() && !primary.get().keySpec().equals(d.keySpec())) {
        checks.add(
            fail(
                "replica_exists",
                who + "key spec " + d.keySpec() + " differs from " + primary.get().keySpec(),
                "register a replica of the primary key (ReplicateKey), not another key"));
      } else {
        checks.add(pass("replica_exists", who + "enabled" + where));
      }
    } catch (ProviderException e) {
      checks.add(fail("replica_exists", who + evidence(e), fix(e, "kms:DescribeKey")));
    }
  }

  /** Wrap under one, unwrap under the other, both ways: the replica holds the same material. */
  private void crossRoundTrip(
      KeyProvider p, KeyRef primary, KeyRef replica, EncryptionContext ctx, List<Check> checks) {
    String who = "replica " + replica.keyId() + ": ";
    try (SecretKeyMaterial k = SecretKeyMaterial.random(random)) {
      byte[] expected = k.copyBytes();
      // the primary alone, without its replicas, so a provider cannot fail over inside the call
      KeyRef only = primary.atReplica(primary.keyId());
      boolean ok = same(expected, p.unwrap(replica, p.wrap(only, k, ctx), ctx));
      ok = ok && same(expected, p.unwrap(only, p.wrap(replica, k, ctx), ctx));
      checks.add(
          ok
              ? pass(
                  "replica_round_trip", who + "wrapped under each key, unwrapped under the other")
              : fail(
                  "replica_round_trip",
                  who + "unwrap returned other bytes",
                  "register a replica of the primary key (ReplicateKey), not another key"));
    } catch (ProviderException e) {
      checks.add(
          fail(
              "replica_round_trip",
              who + evidence(e),
              e.reason() == dev.cmk.provider.FailureReason.INVALID_CIPHERTEXT
                  ? "this key does not share the primary's key material: register a replica of"
                      + " the primary (ReplicateKey), not another key"
                  : fix(e, "kms:Encrypt and kms:Decrypt") + " in the replica's own key policy"));
    }
  }

  private static boolean same(byte[] expected, SecretKeyMaterial got) {
    try (got) {
      return MessageDigest.isEqual(expected, got.copyBytes());
    }
  }

  private static void comparePolicies(
      PolicyReader r, KeyRef primary, KeyRef replica, List<Check> checks) {
    String who = "replica " + replica.keyId() + ": ";
    try {
      boolean same = normalize(r.keyPolicy(primary)).equals(normalize(r.keyPolicy(replica)));
      checks.add(
          same
              ? advisoryPass("replica_policy", who + "policy matches the primary's")
              : new Check(
                  "replica_policy",
                  Outcome.FAIL,
                  false,
                  who + "policy differs from the primary's",
                  "apply the primary's key policy to the replica too (key policies are not"
                      + " replicated): GET /v1/accounts/{accountId}/key-policy?multiRegion=true"));
    } catch (ProviderException e) {
      checks.add(
          new Check(
              "replica_policy",
              Outcome.FAIL,
              false,
              who + evidence(e),
              fix(e, "kms:GetKeyPolicy")));
    }
  }

  /** Whitespace outside strings does not matter in a JSON policy. */
  static String normalize(String policy) {
    StringBuilder b = new StringBuilder(policy.length());
    boolean inString = false;
    for (int i = 0; i < policy.length(); i++) {
      char c = policy.charAt(i);
      if (c == '"' && (i == 0 || policy.charAt(i - 1) != '\\')) {
        inString = !inString;
      }
      if (inString || !Character.isWhitespace(c)) {
        b.append(c);
      }
    }
    return b.toString();
  }
}
