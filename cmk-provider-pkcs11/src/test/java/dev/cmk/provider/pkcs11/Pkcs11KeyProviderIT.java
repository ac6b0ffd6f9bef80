package dev.cmk.provider.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.provider.DataKey;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.testkit.KeyProviderContract;
import java.security.SecureRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The provider contract against a SoftHSM2 token. */
@Timeout(60)
class Pkcs11KeyProviderIT extends KeyProviderContract {
  private static Pkcs11KeyProvider provider;

  @BeforeAll
  @Timeout(120)
  static void token() throws Exception {
    provider =
        new Pkcs11KeyProvider(SoftHsm.get().config(SoftHsm.TOKEN, SoftHsm.PIN), new SecureRandom());
    provider.createKey("kek-a");
    provider.createKey("kek-b");
  }

  @Override
  protected KeyProvider provider() {
    return provider;
  }

  @Override
  protected KeyRef usableKey() {
    return KeyRef.of("pkcs11", "kek-a");
  }

  @Override
  protected KeyRef otherUsableKey() {
    return KeyRef.of("pkcs11", "kek-b");
  }

  @Override
  protected KeyRef missingKey() {
    return KeyRef.of("pkcs11", "no-such-key");
  }

  @Override
  protected String malformedKeyId() {
    return "has spaces/and slashes";
  }

  @Test
  void wrappedFormStartsWithItsVersionAndKeepsTheRootKeyInTheToken() {
    try (DataKey dk = provider.generateDataKey(usableKey(), context("acct-a"))) {
      assertThat(dk.wrapped()).hasSize(61);
      assertThat(dk.wrapped()[0]).isEqualTo((byte) 1);
    }
    assertThat(provider.describe(usableKey()).keySpec()).isEqualTo("AES");
  }
}
