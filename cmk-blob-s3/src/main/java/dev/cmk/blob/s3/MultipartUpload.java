package dev.cmk.blob.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The stream a streamed put writes to: it gathers one part ({@link #PART_SIZE}) in memory and sends
 * each full part as an UploadPart of one multipart upload, started with the first full part. {@link
 * #finish()} sends the last part and completes the upload, or, for content of less than one part,
 * sends one PutObject instead. {@link #abort()} aborts a started upload, so S3 keeps no parts.
 * Memory: one part buffer per upload in flight, whatever the blob's size.
 */
final class MultipartUpload extends OutputStream {
  /** 8 MiB: above S3's 5 MiB minimum part size; 10,000 parts make 80 GB, far above our limit. */
  static final int PART_SIZE = 8 << 20;

  private final S3Client s3;
  private final String bucket;
  private final String key;
  private final Consumer<PutObjectRequest.Builder> putOptions;
  private final Consumer<CreateMultipartUploadRequest.Builder> createOptions;
  private final List<CompletedPart> parts = new ArrayList<>();
  private byte[] buf = new byte[64 * 1024];
  private int n;
  private @Nullable String uploadId;

  MultipartUpload(
      S3Client s3,
      String bucket,
      String key,
      Consumer<PutObjectRequest.Builder> putOptions,
      Consumer<CreateMultipartUploadRequest.Builder> createOptions) {
    this.s3 = s3;
    this.bucket = bucket;
    this.key = key;
    this.putOptions = putOptions;
    this.createOptions = createOptions;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (n == PART_SIZE) {
        sendPart();
      }
      if (n == buf.length) {
        // grow towards one part only as content arrives: a small blob costs a small buffer
        buf = java.util.Arrays.copyOf(buf, Math.min(PART_SIZE, buf.length * 4));
      }
      int k = Math.min(len, buf.length - n);
      System.arraycopy(b, off, buf, n, k);
      n += k;
      off += k;
      len -= k;
    }
  }

  private void sendPart() {
    if (uploadId == null) {
      CreateMultipartUploadRequest.Builder create =
          CreateMultipartUploadRequest.builder()
              .bucket(bucket)
              .key(key)
              .contentType("application/octet-stream");
      createOptions.accept(create);
      uploadId = s3.createMultipartUpload(create.build()).uploadId();
    }
    int number = parts.size() + 1;
    String etag =
        s3.uploadPart(
                r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(number),
                RequestBody.fromInputStream(new ByteArrayInputStream(buf, 0, n), n))
            .eTag();
    parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
    n = 0;
  }

  /** Stores what was written: PutObject for less than a part, else the last part and Complete. */
  void finish() {
    if (uploadId == null) {
      PutObjectRequest.Builder put =
          PutObjectRequest.builder()
              .bucket(bucket)
              .key(key)
              .contentType("application/octet-stream");
      putOptions.accept(put);
      s3.putObject(
          put.build(), RequestBody.fromInputStream(new ByteArrayInputStream(buf, 0, n), n));
      return;
    }
    if (n > 0) {
      sendPart();
    }
    s3.completeMultipartUpload(
        r -> r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(u -> u.parts(parts)));
  }

  /** Aborts a started upload; S3 then drops its parts. */
  void abort() {
    if (uploadId != null) {
      s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
    }
  }
}
