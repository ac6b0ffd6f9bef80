package dev.cmk.service.audit;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One thing that happened, before it is appended (the log adds seq, time and hashes). Absent values
 * are empty strings. Build with {@link #of} and the {@code with…} methods.
 *
 * @param action what happened, one of the {@code Actions} names, e.g. {@code content.write}
 * @param keyProvider provider of the customer or platform key involved, e.g. {@code aws}
 * @param keyId the key's id / ARN / URL / OCID at that provider
 * @param kekId the account KEK that was used, when one was
 * @param protection {@code CMK}, {@code PLATFORM} or {@code FALLBACK} for key uses
 * @param asset the asset type (or service) the operation was about
 * @param objectId the object (content object, job, token, user…) the operation was about
 * @param user the end user the operation was for (content owner, licensed user)
 * @param result {@code ok}, {@code refused}, {@code unavailable} or another stable error code
 * @param details a few extra names and values, never secrets
 */
public record AuditEvent(
    String accountId,
    Caller caller,
    String action,
    String keyProvider,
    String keyId,
    String kekId,
    String protection,
    String asset,
    String objectId,
    String user,
    String result,
    SortedMap<String, String> details) {
  /** The account id of events that belong to no account (e.g. an operator token issued). */
  public static final String PLATFORM_ACCOUNT = "_platform";

  public static final String OK = "ok";
  public static final String REFUSED = "refused";
  public static final String UNAVAILABLE = "unavailable";

  private static final Pattern DETAIL_KEY = Pattern.compile("[A-Za-z0-9_.]{1,64}");
  private static final int MAX_DETAIL_VALUE = 512;

  public AuditEvent {
    // Every field fits its column (V8__audit_log.sql) whatever the request carried, so a refused
    // access with an over-long name is still recorded (cut, marked with "…") instead of failing.
    accountId = fit(accountId, 64);
    action = fit(action, 64);
    keyProvider = fit(keyProvider, 32);
    keyId = fit(keyId, 2048);
    kekId = fit(kekId, 64);
    protection = fit(protection, 16);
    asset = fit(asset, 64);
    objectId = fit(objectId, 256);
    user = fit(user, 128);
    result = fit(result, 64);
    details = new TreeMap<>(details);
    details.replaceAll((k, v) -> fit(v, MAX_DETAIL_VALUE));
    for (Map.Entry<String, String> e : details.entrySet()) {
      if (!DETAIL_KEY.matcher(e.getKey()).matches()) {
        throw new IllegalArgumentException("audit detail key '" + e.getKey() + "' is not allowed");
      }
    }
  }

  /** {@code s} cut to at most {@code max} characters, the last one "…" when it was cut. */
  static String fit(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    return s.substring(0, max - 1) + "…";
  }

  public static AuditEvent of(String accountId, Caller caller, String action) {
    return new AuditEvent(
        accountId.isEmpty() ? PLATFORM_ACCOUNT : accountId,
        caller,
        action,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        OK,
        new TreeMap<>());
  }

  public AuditEvent withKey(KeyRef ref) {
    return new AuditEvent(
        accountId,
        caller,
        action,
        ref.provider(),
        ref.keyId(),
        kekId,
        protection,
        asset,
        objectId,
        user,
        result,
        details);
  }

  public AuditEvent withKek(String kek, String prot) {
    return new AuditEvent(
        accountId,
        caller,
        action,
        keyProvider,
        keyId,
        kek,
        prot,
        asset,
        objectId,
        user,
        result,
        details);
  }

  public AuditEvent withTarget(String assetOrService, String object) {
    return new AuditEvent(
        accountId,
        caller,
        action,
        keyProvider,
        keyId,
        kekId,
        protection,
        assetOrService,
        object,
        user,
        result,
        details);
  }

  public AuditEvent withUser(String u) {
    return new AuditEvent(
        accountId,
        caller,
        action,
        keyProvider,
        keyId,
        kekId,
        protection,
        asset,
        objectId,
        u,
        result,
        details);
  }

  public AuditEvent withResult(String r) {
    return new AuditEvent(
        accountId,
        caller,
        action,
        keyProvider,
        keyId,
        kekId,
        protection,
        asset,
        objectId,
        user,
        r,
        details);
  }

  /**
   * The result a failure stands for: {@code refused} (the key refused, or the account is revoked:
   * detail {@code reason=revoked}), {@code unavailable} or its error code.
   */
  public AuditEvent failedWith(RuntimeException e) {
    if (e instanceof CmkException c) {
      AuditEvent out =
          withResult(
              c.code() == ErrorCode.KEY_REFUSED || c.code() == ErrorCode.KEY_REVOKED
                  ? REFUSED
                  : c.code() == ErrorCode.KEY_UNAVAILABLE ? UNAVAILABLE : c.code().code());
      Object reason = c.details().get("reason");
      return reason == null ? out : out.withDetail("reason", reason.toString());
    }
    return withResult(ErrorCode.INTERNAL.code());
  }

  public AuditEvent withDetail(String key, String value) {
    TreeMap<String, String> d = new TreeMap<>(details);
    d.put(key, value.length() > MAX_DETAIL_VALUE ? value.substring(0, MAX_DETAIL_VALUE) : value);
    return new AuditEvent(
        accountId,
        caller,
        action,
        keyProvider,
        keyId,
        kekId,
        protection,
        asset,
        objectId,
        user,
        result,
        d);
  }
}
