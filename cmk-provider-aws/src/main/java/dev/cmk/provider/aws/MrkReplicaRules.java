package dev.cmk.provider.aws;

import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyRef;
import java.util.HashSet;
import java.util.Set;

/**
 * The rules of a multi-region key registration: replicas are MRK ARNs with the primary's {@code
 * mrk-} id, in the primary's account, one per region other than the primary's.
 */
final class MrkReplicaRules {
  private MrkReplicaRules() {}

  static void check(KeyRef key) {
    AwsKeyArn primary = AwsKeyArn.parse(key.keyId());
    if (key.replicaKeyIds().isEmpty()) {
      return;
    }
    if (!primary.multiRegion()) {
      throw new KeyIdFormatException(
          "replicas are registered but " + primary + " is not a multi-region key",
          "a primary key ARN with key/mrk-… and replica ARNs with the same mrk- id");
    }
    Set<String> regions = new HashSet<>();
    regions.add(primary.region());
    for (String id : key.replicaKeyIds()) {
      AwsKeyArn r = AwsKeyArn.parse(id);
      if (!r.multiRegion() || !r.resourceId().equals(primary.resourceId())) {
        throw new KeyIdFormatException(
            "replica " + id + " is not a replica of " + primary,
            "arn:aws:kms:<other-region>:" + primary.account() + ":key/" + primary.resourceId());
      }
      if (!r.account().equals(primary.account())) {
        throw new KeyIdFormatException(
            "replica " + id + " is in account " + r.account() + ", not " + primary.account(),
            "replicas in the primary's account " + primary.account());
      }
      if (!regions.add(r.region())) {
        throw new KeyIdFormatException(
            "replica " + id + " repeats region " + r.region(), "one replica per other region");
      }
    }
  }
}
