package dev.cmk.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyRef;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AwsKeyArnTest {
  private static final String KEY =
      "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  private static final String MRK =
      "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
  private static final String MRK_WEST =
      "arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";

  @Test
  void acceptsKeyMultiRegionAndAliasArns() {
    assertThat(AwsKeyArn.parse(KEY).kind()).isEqualTo(AwsKeyArn.Kind.KEY);
    assertThat(AwsKeyArn.parse(MRK).kind()).isEqualTo(AwsKeyArn.Kind.MULTI_REGION_KEY);
    AwsKeyArn alias = AwsKeyArn.parse("arn:aws:kms:eu-central-1:111122223333:alias/cmk-acme");
    assertThat(alias.kind()).isEqualTo(AwsKeyArn.Kind.ALIAS);
    assertThat(alias.region()).isEqualTo("eu-central-1");
    assertThat(alias.resourceId()).isEqualTo("cmk-acme");
    assertThat(AwsKeyArn.parse(KEY).arn()).isEqualTo(KEY);
  }

  @Test
  void takesRegionAndPartitionFromTheArn() {
    AwsKeyArn gov =
        AwsKeyArn.parse(
            "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    assertThat(gov.partition()).isEqualTo("aws-us-gov");
    assertThat(gov.region()).isEqualTo("us-gov-west-1");
    AwsKmsProvider p = provider();
    assertThat(p.regionOf(MRK_WEST)).contains("us-west-2");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "1234abcd-12ab-34cd-56ef-1234567890ab | a bare key id names no region",
        "alias/cmk-acme | a bare alias names no region",
        "hello | not an ARN",
        "arn:aws:s3:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            + " | names the service 's3'",
        "arn:aws:kms:useast1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            + " | 'useast1' is not a valid region",
        "arn:aws:kms:us-east-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            + " | account (must be 12 digits)",
        "arn:aws:kms:us-east-1:111122223333:key/xyz | neither a key id (UUID) nor mrk-<32 hex>",
        "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs | AWS-managed key",
        "arn:aws:kms:us-east-1:111122223333:alias/bad name | may only use",
        "arn:aws:kms:us-east-1:111122223333:secret/x | neither key/<id> nor alias/<name>",
        "arn:aws:kms:us-east-1 | six ':'-separated parts",
      })
  void rejectsWithWhatWasWrongAndWhatIsRight(String id, String problem) {
    assertThatThrownBy(() -> AwsKeyArn.parse(id))
        .isInstanceOf(KeyIdFormatException.class)
        .hasMessageContaining(problem)
        .hasMessageContaining("expected a key ARN like arn:aws:kms:us-east-1:111122223333:key/");
  }

  @Test
  void replicasMustShareTheMultiRegionIdInOtherRegionsOfTheSameAccount() {
    AwsKmsProvider p = provider();
    p.checkKeyRef(new KeyRef("aws", MRK, List.of(MRK_WEST)));

    assertThatThrownBy(() -> p.checkKeyRef(new KeyRef("aws", KEY, List.of(MRK_WEST))))
        .hasMessageContaining("is not a multi-region key");
    String otherId = MRK_WEST.replace("mrk-1234", "mrk-9999");
    assertThatThrownBy(() -> p.checkKeyRef(new KeyRef("aws", MRK, List.of(otherId))))
        .hasMessageContaining("is not a replica of");
    String otherAccount = MRK_WEST.replace("111122223333", "444455556666");
    assertThatThrownBy(() -> p.checkKeyRef(new KeyRef("aws", MRK, List.of(otherAccount))))
        .hasMessageContaining("is in account 444455556666");
    assertThatThrownBy(() -> p.checkKeyRef(new KeyRef("aws", MRK, List.of(MRK))))
        .hasMessageContaining("repeats region us-east-1");
  }

  static AwsKmsProvider provider() {
    return new AwsKmsProvider(
        AwsKmsConfig.defaults("arn:aws:iam::111122223333:role/cmk"),
        dev.cmk.provider.KeyServingListener.none(),
        java.time.Clock.systemUTC());
  }
}
