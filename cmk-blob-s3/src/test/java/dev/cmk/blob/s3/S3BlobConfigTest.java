package dev.cmk.blob.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class S3BlobConfigTest {
  @Test
  void prefixSlashesAreTrimmedAndKeysJoinedOnce() {
    S3BlobConfig c = S3BlobConfig.of("cmk-blobs", "/prod/cmk/", "eu-west-1");
    assertThat(c.prefix()).isEqualTo("prod/cmk");
    assertThat(c.objectKey("acct/obj")).isEqualTo("prod/cmk/acct/obj");
    assertThat(S3BlobConfig.of("cmk-blobs", "", "eu-west-1").objectKey("a/b")).isEqualTo("a/b");
  }

  @Test
  void badValuesAreRefusedWithTheirName() {
    assertThatThrownBy(() -> S3BlobConfig.of("Bad_Bucket", "", "us-east-1"))
        .hasMessageContaining("bucket");
    assertThatThrownBy(() -> S3BlobConfig.of("cmk-blobs", "a/../b", "us-east-1"))
        .hasMessageContaining("prefix");
    assertThatThrownBy(() -> S3BlobConfig.of("cmk-blobs", "", "US East"))
        .hasMessageContaining("region");
    assertThat(S3BlobConfig.Sse.of("aws:kms")).isEqualTo(S3BlobConfig.Sse.AWS_KMS);
    assertThatThrownBy(() -> S3BlobConfig.Sse.of("kms")).hasMessageContaining("none, AES256");
  }

  @Test
  void staticKeysNeverPrintTheSecret() {
    assertThat(new S3Credentials.StaticKeys("AKID", "s3cr3t").toString())
        .contains("AKID")
        .doesNotContain("s3cr3t");
  }
}
