package dev.cmk.provider.aws;

import dev.cmk.provider.KeyIdFormatException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A parsed AWS KMS key id: a key ARN, a multi-region key ARN ({@code key/mrk-…}) or an alias ARN.
 * Bare key ids, bare aliases and AWS-managed aliases ({@code alias/aws/…}) are refused, because
 * they name no region or no customer-managed key.
 *
 * @param partition {@code aws}, {@code aws-cn}, {@code aws-us-gov}…
 * @param region the region the ARN names; KMS calls for this key go there
 * @param account the 12-digit AWS account that owns the key
 * @param kind key, multi-region key or alias
 * @param resourceId the key id (UUID or {@code mrk-…}) or the alias name without {@code alias/}
 */
public record AwsKeyArn(
    String partition, String region, String account, Kind kind, String resourceId) {

  /** What an ARN names. */
  public enum Kind {
    KEY,
    MULTI_REGION_KEY,
    ALIAS
  }

  static final String EXAMPLES =
      "a key ARN like arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab,"
          + " a multi-region key ARN like"
          + " arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab,"
          + " or an alias ARN like arn:aws:kms:us-east-1:111122223333:alias/cmk-acme";

  private static final Pattern PARTITION = Pattern.compile("aws(-[a-z]+)*");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
  private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  // AWS prints mrk-<32 hex>; emulators such as moto print mrk-<uuid>. Both name the same shape.
  private static final Pattern MRK =
      Pattern.compile(
          "mrk-([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9/_-]{1,250}");

  /**
   * Parses and checks {@code id}.
   *
   * @throws KeyIdFormatException naming the part that is wrong and showing right examples
   */
  public static AwsKeyArn parse(String id) {
    String s = id.strip();
    if (!s.startsWith("arn:")) {
      throw bad(id, describeNonArn(s));
    }
    String[] p = s.split(":", 6);
    if (p.length != 6) {
      throw bad(id, "an ARN has six ':'-separated parts, this one has " + p.length);
    }
    check(PARTITION, p[1], id, "partition");
    if (!"kms".equals(p[2])) {
      throw bad(id, "it names the service '" + p[2] + "', not 'kms'");
    }
    check(REGION, p[3], id, "region");
    check(ACCOUNT, p[4], id, "account (must be 12 digits)");
    return resource(id, p[1], p[3], p[4], p[5]);
  }

  /** Whether this key can have replicas in other regions. */
  public boolean multiRegion() {
    return kind == Kind.MULTI_REGION_KEY;
  }

  /** The ARN in canonical form. */
  public String arn() {
    String type = kind == Kind.ALIAS ? "alias/" : "key/";
    return "arn:" + partition + ":kms:" + region + ":" + account + ":" + type + resourceId;
  }

  @Override
  public String toString() {
    return arn();
  }

  private static AwsKeyArn resource(
      String id, String partition, String region, String account, String resource) {
    if (resource.startsWith("key/")) {
      String keyId = resource.substring(4).toLowerCase(Locale.ROOT);
      if (UUID.matcher(keyId).matches()) {
        return new AwsKeyArn(partition, region, account, Kind.KEY, keyId);
      }
      if (MRK.matcher(keyId).matches()) {
        return new AwsKeyArn(partition, region, account, Kind.MULTI_REGION_KEY, keyId);
      }
      throw bad(id, "'" + resource.substring(4) + "' is neither a key id (UUID) nor mrk-<32 hex>");
    }
    if (resource.startsWith("alias/")) {
      String name = resource.substring(6);
      if (name.startsWith("aws/")) {
        throw bad(id, "alias/aws/… names an AWS-managed key, which a customer cannot control");
      }
      if (!ALIAS.matcher(name).matches()) {
        throw bad(id, "alias name '" + name + "' may only use A-Z a-z 0-9 / _ -");
      }
      return new AwsKeyArn(partition, region, account, Kind.ALIAS, name);
    }
    throw bad(id, "the resource '" + resource + "' is neither key/<id> nor alias/<name>");
  }

  private static String describeNonArn(String s) {
    if (s.startsWith("alias/")) {
      return "a bare alias names no region or account; use the alias ARN";
    }
    if (UUID.matcher(s.toLowerCase(Locale.ROOT)).matches() || s.startsWith("mrk-")) {
      return "a bare key id names no region or account; use the key ARN";
    }
    return "it is not an ARN (does not start with 'arn:')";
  }

  private static void check(Pattern p, String value, String id, String what) {
    if (!p.matcher(value).matches()) {
      throw bad(id, "'" + value + "' is not a valid " + what);
    }
  }

  private static KeyIdFormatException bad(String id, String problem) {
    return new KeyIdFormatException("'" + id + "' is not an AWS KMS key id: " + problem, EXAMPLES);
  }
}
