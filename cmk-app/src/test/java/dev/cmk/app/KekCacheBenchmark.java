package dev.cmk.app;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyRef;
import dev.cmk.service.account.Account;
import dev.cmk.service.kek.CountingKeyProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.kms.model.CreateKeyRequest;

/**
 * Load generator for issue 4 (not a test; run on demand): KEK unwrap throughput against moto_server
 * without the cache (every unwrap a KMS call) and through the KEK cache, and the provider calls
 * that 100k content writes cost.
 *
 * <pre>
 * ./mvnw -q -pl cmk-app -am test-compile -DskipTests && ./mvnw -q -pl cmk-app exec:java \
 *   -Dexec.classpathScope=test -Dexec.mainClass=dev.cmk.app.KekCacheBenchmark -Dexec.args="100000"
 * </pre>
 */
public final class KekCacheBenchmark {
  public static void main(String[] args) throws Exception {
    int writes = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    Path dir = Files.createTempDirectory("cmk-kek-bench");
    try (Moto moto = Moto.start();
        var kms = moto.kms("us-east-1");
        CmkNode node = new CmkNode(moto.nodeConfig(dir, 1 << 20), Clock.systemUTC())) {
      String arn = kms.createKey(CreateKeyRequest.builder().build()).keyMetadata().arn();
      KeyRef key = KeyRef.of("aws", arn);
      var aws = node.registry.require("aws");
      EncryptionContext ctx =
          EncryptionContext.forKek("cmk", "acct_bench", "0014", "kek", "kek_bench");

      // 1. Without a cache: every KEK unwrap is a KMS Decrypt against moto.
      byte[] wrapped;
      try (DataKey dk = aws.generateDataKey(key, ctx)) {
        wrapped = dk.wrapped();
      }
      int direct = 2_000;
      for (int i = 0; i < 200; i++) {
        aws.unwrap(key, wrapped, ctx).close();
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < direct; i++) {
        try (SecretKeyMaterial k = aws.unwrap(key, wrapped, ctx)) {
          k.isDestroyed();
        }
      }
      double directSecs = (System.nanoTime() - t0) / 1e9;

      // 2. Content writes through the service with the KEK cache in front of KMS.
      Account acct = node.accounts.create("Bench", "us-east-1");
      node.keys.register(acct, "aws", arn, List.of());
      node.accounts.setLicense(acct.id(), "alice", true);
      byte[] payload = new byte[1024];
      double callsBefore = CountingKeyProvider.total(node.metrics(), "aws");
      String lastId = null;
      long t1 = System.nanoTime();
      for (int i = 0; i < writes; i++) {
        lastId = node.content.put(acct.id(), "mail", "alice", Optional.empty(), payload).kekId();
      }
      double writeSecs = (System.nanoTime() - t1) / 1e9;
      double writeCalls = CountingKeyProvider.total(node.metrics(), "aws") - callsBefore;

      // 3. KEK lookups for reads through the cache (no KMS call on a hit).
      int lookups = Math.max(writes, 100_000);
      long t2 = System.nanoTime();
      for (int i = 0; i < lookups; i++) {
        node.keks.forRead(lastId).close();
      }
      double cachedSecs = (System.nanoTime() - t2) / 1e9;
      double totalCalls = CountingKeyProvider.total(node.metrics(), "aws") - callsBefore;

      System.out.printf(
          "KEK unwrap, no cache (KMS Decrypt on moto): %,d calls in %.2f s = %,.0f unwraps/s (%.2f ms each)%n",
          direct, directSecs, direct / directSecs, directSecs * 1000 / direct);
      System.out.printf(
          "KEK lookup through the cache: %,d in %.3f s = %,.0f lookups/s; KMS calls: %.0f%n",
          lookups, cachedSecs, lookups / cachedSecs, totalCalls - writeCalls);
      System.out.printf(
          "Content writes (1 KiB, one account/service/day, H2, CMK on moto): %,d in %.1f s = %,.0f writes/s; KMS calls: %.0f%n",
          writes, writeSecs, writes / writeSecs, writeCalls);
      System.out.printf(
          "Cache speed-up on KEK access: %.0fx%n", (lookups / cachedSecs) / (direct / directSecs));
    }
  }
}
