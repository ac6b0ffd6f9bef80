package dev.cmk.service.key;

import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.key.KeyService.ProviderStatus;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which providers this node has, and the development-only keys of its {@code local} provider (see
 * {@link DevKeys}); reached through {@link KeyService}.
 */
final class DevKeyAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(DevKeyAdmin.class);

  private final KeyProviders providers;
  private volatile Optional<DevKeys> devKeys = Optional.empty();

  DevKeyAdmin(KeyProviders providers) {
    this.providers = providers;
  }

  void setDevKeys(DevKeys keys) {
    this.devKeys = Optional.of(keys);
  }

  /**
   * Every provider kind CMK knows, then any other configured one, each with whether this node can
   * use it: a console offers only the enabled ones.
   */
  List<ProviderStatus> providerStatus() {
    java.util.LinkedHashSet<String> ids =
        new java.util.LinkedHashSet<>(dev.cmk.service.policy.PolicyTemplates.PROVIDERS);
    ids.addAll(providers.kinds());
    List<String> enabled = providers.kinds();
    return ids.stream().map(id -> new ProviderStatus(id, enabled.contains(id))).toList();
  }

  /** Development only: creates local key {@code name}; refused unless local is enabled. */
  void createDevKey(String name) {
    DevKeys d = requireDevKeys();
    checkDevKeyName(name);
    d.create(name);
    LOG.warn("development key local:{} created (never use the local provider in production)", name);
  }

  /** Development only: disables or enables local key {@code name}. */
  void setDevKeyEnabled(String name, boolean enabled) {
    DevKeys d = requireDevKeys();
    checkDevKeyName(name);
    if (!d.exists(name)) {
      throw new CmkException(
          ErrorCode.KEY_NOT_FOUND,
          "local key '"
              + name
              + "' does not exist; create it with `cmk dev-key create "
              + name
              + "`");
    }
    d.setEnabled(name, enabled);
    LOG.warn("development key local:{} {}", name, enabled ? "enabled" : "disabled");
  }

  private DevKeys requireDevKeys() {
    return devKeys.orElseThrow(
        () ->
            new CmkException(
                ErrorCode.LOCAL_PROVIDER_DISABLED,
                "development keys need the local provider, which is not enabled on this node"
                    + " (local.enabled / CMK_LOCAL_ENABLED); use a real KMS key instead"));
  }

  private void checkDevKeyName(String name) {
    try {
      providers
          .require("local")
          .capability(KeyIdSyntax.class)
          .ifPresent(s -> s.checkKeyId(name == null ? "" : name));
    } catch (KeyIdFormatException e) {
      throw new CmkException(ErrorCode.INVALID_KEY_ID, e.getMessage());
    }
  }
}
