package dev.cmk.service.events;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyRef;
import dev.cmk.service.key.KeyProviders;
import java.util.Base64;
import java.util.Map;

/**
 * Webhook secrets wrapped by the platform key, the wrap bound by its encryption context to the
 * platform, the account, the purpose {@code webhook-secret} and the webhook id: a sealed secret
 * copied to another webhook or account does not open.
 */
public final class PlatformSecretSealer implements WebhookService.SecretSealer {
  private static final String PURPOSE = "webhook-secret";
  private final KeyProviders providers;
  private final KeyRef platformKey;
  private final String platformName;

  public PlatformSecretSealer(KeyProviders providers, KeyRef platformKey, String platformName) {
    this.providers = providers;
    this.platformKey = platformKey;
    this.platformName = platformName;
  }

  @Override
  public String seal(String accountId, String webhookId, byte[] secret) {
    try (SecretKeyMaterial k = SecretKeyMaterial.copyOf(secret)) {
      return Base64.getEncoder()
          .encodeToString(
              providers
                  .require(platformKey.provider())
                  .wrap(platformKey, k, context(accountId, webhookId)));
    }
  }

  @Override
  public byte[] open(String accountId, String webhookId, String sealed) {
    try (SecretKeyMaterial k =
        providers
            .require(platformKey.provider())
            .unwrap(
                platformKey, Base64.getDecoder().decode(sealed), context(accountId, webhookId))) {
      return k.copyBytes();
    }
  }

  private EncryptionContext context(String accountId, String webhookId) {
    return EncryptionContext.of(
        Map.of(
            EncryptionContext.PLATFORM,
            platformName,
            EncryptionContext.ACCOUNT,
            accountId,
            EncryptionContext.PURPOSE,
            PURPOSE,
            "webhook",
            webhookId));
  }
}
