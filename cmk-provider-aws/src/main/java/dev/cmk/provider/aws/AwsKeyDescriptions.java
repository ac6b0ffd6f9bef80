package dev.cmk.provider.aws;

import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyIdFormatException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyUsageType;

/** Turns KMS key metadata into the SPI's {@link KeyDescription}. */
final class AwsKeyDescriptions {
  private static final Logger LOG = LoggerFactory.getLogger(AwsKeyDescriptions.class);

  private AwsKeyDescriptions() {}

  static KeyDescription of(KeyMetadata m) {
    // SYMMETRIC_DEFAULT keys always have usage ENCRYPT_DECRYPT in KMS; an absent usage (as some
    // emulators answer) is therefore not held against the key, a different one is.
    boolean symmetric =
        m.keySpec() == KeySpec.SYMMETRIC_DEFAULT
            && (m.keyUsage() == null || m.keyUsage() == KeyUsageType.ENCRYPT_DECRYPT);
    Optional<String> region = Optional.empty();
    try {
      region = Optional.of(AwsKeyArn.parse(m.arn()).region());
    } catch (KeyIdFormatException e) {
      LOG.debug("KMS returned an ARN this provider does not parse: {}", m.arn());
    }
    return new KeyDescription(
        m.arn(),
        state(m),
        symmetric,
        region,
        Boolean.TRUE.equals(m.multiRegion()),
        m.keySpecAsString());
  }

  private static KeyState state(KeyMetadata m) {
    if (m.keyState() == null) {
      return KeyState.UNKNOWN;
    }
    return switch (m.keyState()) {
      case ENABLED -> KeyState.ENABLED;
      case DISABLED -> KeyState.DISABLED;
      case PENDING_DELETION, PENDING_REPLICA_DELETION -> KeyState.PENDING_DELETION;
      case PENDING_IMPORT -> KeyState.PENDING_IMPORT;
      case UNAVAILABLE -> KeyState.UNAVAILABLE;
      default -> KeyState.UNKNOWN;
    };
  }
}
