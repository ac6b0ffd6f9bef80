package dev.cmk.service.kek;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.ProviderException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/**
 * Counts every call that reaches a provider, by provider, operation and outcome, as the metric
 * {@code cmk.provider.calls}. This is the number the KEK cache exists to keep near zero.
 */
public final class CountingKeyProvider implements KeyProvider {
  public static final String METRIC = "cmk.provider.calls";

  private final KeyProvider delegate;
  private final MeterRegistry registry;

  public CountingKeyProvider(KeyProvider delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
  }

  /** Capabilities are the wrapped provider's (their calls are not counted as key uses). */
  @Override
  public <T> java.util.Optional<T> capability(Class<T> type) {
    return delegate.capability(type);
  }

  @Override
  public String kind() {
    return delegate.kind();
  }

  @Override
  public KeyDescription describe(KeyRef key) {
    return count("describe", () -> delegate.describe(key));
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    return count("generate_data_key", () -> delegate.generateDataKey(key, context));
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    return count("wrap", () -> delegate.wrap(key, plaintext, context));
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    return count("unwrap", () -> delegate.unwrap(key, wrapped, context));
  }

  @Override
  public byte[] rewrap(KeyRef from, byte[] wrapped, EncryptionContext context, KeyRef to) {
    return count("rewrap", () -> delegate.rewrap(from, wrapped, context, to));
  }

  private <T> T count(String operation, Supplier<T> call) {
    String outcome = "ok";
    try {
      return call.get();
    } catch (ProviderException e) {
      outcome = e.reason().name().toLowerCase(java.util.Locale.ROOT);
      throw e;
    } finally {
      Counter.builder(METRIC)
          .description("Calls that reached a key provider")
          .tag("provider", delegate.kind())
          .tag("operation", operation)
          .tag("outcome", outcome)
          .register(registry)
          .increment();
    }
  }

  /** Total calls counted so far for one provider kind, any operation and outcome. */
  public static double total(MeterRegistry registry, String providerKind) {
    return registry.find(METRIC).tag("provider", providerKind).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  /** Total calls counted so far, all providers. */
  public static double total(MeterRegistry registry) {
    return registry.find(METRIC).counters().stream().mapToDouble(Counter::count).sum();
  }
}
