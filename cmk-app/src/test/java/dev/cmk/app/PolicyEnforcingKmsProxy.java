package dev.cmk.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.provider.testkit.kms.KmsFaultProxy;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * A gate on the {@link KmsFaultProxy} in front of moto_server that does what moto does not: it
 * evaluates every AWS KMS call the node makes against the key policy set for that key ({@link
 * IamPolicyEvaluator}), as the caller {@code principalArn}, and answers {@code
 * AccessDeniedException} when the policy does not allow it; allowed calls go on to moto. Every
 * evaluated call is recorded with the flow the test is in, so a test can show per flow which
 * principal made which call and why it was allowed. One region, {@value #REGION}.
 */
final class PolicyEnforcingKmsProxy implements AutoCloseable {
  static final String REGION = "us-east-1";

  /** One evaluated KMS call. */
  record Call(
      String flow,
      String principal,
      String action,
      String keyArn,
      Map<String, List<String>> keys,
      IamPolicyEvaluator.Result result) {
    boolean allowed() {
      return result.decision() == IamPolicyEvaluator.Decision.ALLOW;
    }
  }

  private final KmsFaultProxy proxy;
  private final String principalArn;
  private final Map<String, JsonNode> policies = new ConcurrentHashMap<>();
  final List<Call> calls = new CopyOnWriteArrayList<>();
  final List<String> unevaluated = new CopyOnWriteArrayList<>();
  private volatile String flow = "";

  PolicyEnforcingKmsProxy(String upstream, String principalArn) throws IOException {
    this.principalArn = principalArn;
    this.proxy = KmsFaultProxy.start(URI.create(upstream), List.of(REGION));
    proxy.gate(this::check);
  }

  String endpoint() {
    return proxy.endpoint(REGION).toString();
  }

  /** The key policy calls on {@code keyArn} are evaluated against from now on. */
  void setPolicy(String keyArn, JsonNode policy) {
    policies.put(keyArn, policy);
  }

  void flow(String name) {
    this.flow = name;
  }

  /** While true, every call fails as KMS being down (500 KMSInternalException), unevaluated. */
  void unavailable(boolean down) {
    proxy.fault(REGION, down ? KmsFaultProxy.Mode.ERROR5XX : KmsFaultProxy.Mode.NONE);
  }

  private KmsFaultProxy.@Nullable Refusal check(String region, String operation, JsonNode req) {
    for (Call c : evaluate(operation, req)) {
      calls.add(c);
      if (!c.allowed()) {
        return deny(c);
      }
    }
    return null;
  }

  private List<Call> evaluate(String op, JsonNode req) {
    List<Call> out = new ArrayList<>();
    switch (op) {
      case "GenerateDataKey", "Encrypt", "Decrypt" ->
          out.add(
              call("kms:" + op, req.path("KeyId").asText(), context(req.get("EncryptionContext"))));
      case "ReEncrypt" -> {
        out.add(
            call(
                "kms:ReEncryptFrom",
                req.path("SourceKeyId").asText(),
                context(req.get("SourceEncryptionContext"))));
        out.add(
            call(
                "kms:ReEncryptTo",
                req.path("DestinationKeyId").asText(),
                context(req.get("DestinationEncryptionContext"))));
      }
      case "DescribeKey", "GetKeyPolicy", "ListGrants", "RevokeGrant" ->
          out.add(call("kms:" + op, req.path("KeyId").asText(), new LinkedHashMap<>()));
      case "CreateGrant" -> {
        Map<String, List<String>> keys =
            context(req.path("Constraints").get("EncryptionContextSubset"));
        keys.put("kms:GranteePrincipal", List.of(req.path("GranteePrincipal").asText()));
        List<String> ops = new ArrayList<>();
        req.path("Operations").forEach(o -> ops.add(o.asText()));
        keys.put("kms:GrantOperations", ops);
        out.add(call("kms:CreateGrant", req.path("KeyId").asText(), keys));
      }
      default -> unevaluated.add(op);
    }
    return out;
  }

  private Call call(String action, String keyArn, Map<String, List<String>> keys) {
    keys.put("kms:CallerAccount", List.of(principalArn.split(":")[4]));
    JsonNode policy = policies.get(keyArn);
    if (policy == null) {
      unevaluated.add(action + " on " + keyArn + " (no policy set)");
      return new Call(
          flow,
          principalArn,
          action,
          keyArn,
          keys,
          new IamPolicyEvaluator.Result(IamPolicyEvaluator.Decision.ALLOW, "(no policy: moto)"));
    }
    return new Call(
        flow,
        principalArn,
        action,
        keyArn,
        keys,
        IamPolicyEvaluator.evaluate(
            policy, new IamPolicyEvaluator.Request(principalArn, action, keys)));
  }

  static Map<String, List<String>> context(JsonNode ctx) {
    Map<String, List<String>> keys = new LinkedHashMap<>();
    if (ctx != null) {
      for (Map.Entry<String, JsonNode> e : ctx.properties()) {
        keys.put("kms:EncryptionContext:" + e.getKey(), List.of(e.getValue().asText()));
      }
    }
    return keys;
  }

  private static KmsFaultProxy.Refusal deny(Call c) {
    return new KmsFaultProxy.Refusal(
        400,
        "AccessDeniedException",
        "User: "
            + c.principal()
            + " is not authorized to perform: "
            + c.action()
            + " on resource: "
            + c.keyArn()
            + " because no resource-based policy allows the "
            + c.action()
            + " action");
  }

  @Override
  public void close() {
    proxy.close();
  }
}
