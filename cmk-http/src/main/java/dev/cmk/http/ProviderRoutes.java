package dev.cmk.http;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.key.KeyService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/providers} (any token): which key providers this node has enabled, so a console
 * offers only those. {@code /v1/dev/local-keys…} (operator, development only): keys of the local
 * provider for trying CMK on {@code cmk serve}; 409 {@code local_provider_disabled} without it.
 */
final class ProviderRoutes {
  private final KeyService keys;

  ProviderRoutes(KeyService keys) {
    this.keys = keys;
  }

  /** {@code {"name": "acme-cmk"}}. */
  record CreateDevKey(String name) {}

  /** {@code {"enabled": false}}. */
  record DevKeyEnabled(Boolean enabled) {}

  void register(RoutesConfig r) {
    r.get("/v1/providers", this::providers);
    r.post("/v1/dev/local-keys", this::createDevKey);
    r.put("/v1/dev/local-keys/{name}/enabled", this::setEnabled);
  }

  private void providers(Context ctx) {
    List<Map<String, Object>> out =
        keys.providerStatus().stream()
            .map(
                p -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("id", p.id());
                  m.put("enabled", p.enabled());
                  return m;
                })
            .toList();
    Json.write(ctx, 200, Map.of("providers", out));
  }

  private void createDevKey(Context ctx) {
    CreateDevKey req = Json.body(ctx, CreateDevKey.class);
    if (req.name() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "name is required");
    }
    keys.createDevKey(req.name());
    Json.write(ctx, 201, view(req.name(), true));
  }

  private void setEnabled(Context ctx) {
    DevKeyEnabled req = Json.body(ctx, DevKeyEnabled.class);
    if (req.enabled() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "enabled (true or false) is required");
    }
    String name = ctx.pathParam("name");
    keys.setDevKeyEnabled(name, req.enabled());
    Json.write(ctx, 200, view(name, req.enabled()));
  }

  private static Map<String, Object> view(String name, boolean enabled) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("provider", "local");
    m.put("keyId", name);
    m.put("enabled", enabled);
    return m;
  }
}
