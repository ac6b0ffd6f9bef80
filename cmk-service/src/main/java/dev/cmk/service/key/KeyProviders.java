package dev.cmk.service.key;

import dev.cmk.provider.KeyProvider;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The providers this deployment was built with, by kind. Filled by the composition root only; there
 * is no classpath discovery.
 */
public final class KeyProviders {
  private final Map<String, KeyProvider> byKind = new LinkedHashMap<>();

  public KeyProviders(List<KeyProvider> providers) {
    for (KeyProvider p : providers) {
      if (byKind.putIfAbsent(p.kind(), p) != null) {
        throw new IllegalArgumentException("two providers of kind " + p.kind());
      }
    }
  }

  public KeyProvider require(String kind) {
    KeyProvider p = byKind.get(kind);
    if (p == null) {
      throw new CmkException(
          ErrorCode.UNKNOWN_PROVIDER,
          "provider '" + kind + "' is not configured here; configured: " + byKind.keySet());
    }
    return p;
  }

  public List<String> kinds() {
    return List.copyOf(byKind.keySet());
  }
}
