package dev.cmk.provider.aws;

import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyServingListener;
import dev.cmk.provider.resilience.ResiliencePolicy;
import dev.cmk.provider.resilience.ResilientKeyProvider;
import dev.cmk.provider.resilience.Sleeper;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A benchmark, not a test: KEK unwraps per second against {@code moto_server} through the AWS
 * provider and the resilience layer, with 1 and 8 threads. No KEK cache is involved (that lives in
 * the service); this is the cost of every cache miss. Run with the test classpath:
 *
 * <pre>java -cp target/test-classes:target/classes:$(deps) dev.cmk.provider.aws.AwsUnwrapThroughput
 * [seconds]</pre>
 */
public final class AwsUnwrapThroughput {
  private AwsUnwrapThroughput() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    try (MotoServer moto = MotoServer.start();
        MotoKms kms = new MotoKms(moto.endpoint());
        AwsKmsProvider aws =
            new AwsKmsProvider(
                MotoKms.config(moto.endpoint()), KeyServingListener.none(), Clock.systemUTC());
        ResilientKeyProvider provider =
            new ResilientKeyProvider(
                aws,
                ResiliencePolicy.defaults(),
                Clock.systemUTC(),
                Sleeper.system(),
                new SecureRandom())) {
      KeyRef key = KeyRef.of("aws", kms.createKey("us-east-1", "bench"));
      EncryptionContext ctx = EncryptionContext.forKek("cmk", "acct", "0001", "kek", "k1");
      byte[] wrapped;
      try (DataKey dk = provider.generateDataKey(key, ctx)) {
        wrapped = dk.wrapped();
      }
      for (int threads : new int[] {1, 8}) {
        run(provider, key, wrapped, ctx, threads, 1); // warm-up
        double rate = run(provider, key, wrapped, ctx, threads, seconds);
        System.out.printf(Locale.ROOT, "threads=%d unwraps/s=%.0f%n", threads, rate);
      }
    }
  }

  private static double run(
      ResilientKeyProvider provider,
      KeyRef key,
      byte[] wrapped,
      EncryptionContext ctx,
      int threads,
      int seconds)
      throws Exception {
    LongAdder done = new LongAdder();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                while (System.nanoTime() < end) {
                  provider.unwrap(key, wrapped, ctx).close();
                  done.increment();
                }
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    return done.sum() / (double) seconds;
  }
}
