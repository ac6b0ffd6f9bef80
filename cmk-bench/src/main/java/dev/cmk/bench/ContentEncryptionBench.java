package dev.cmk.bench;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import dev.cmk.crypto.ContentEnvelope;
import dev.cmk.crypto.GcmProvider;
import java.security.Security;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Encrypt ("seal") and decrypt ("open") throughput of the same plaintext for every engine; each
 * benchmark method sets up only its own engine. Report MB/s as ops/s × size; {@link Report} turns
 * JMH's CSV output into the BENCHMARKS.md table.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class ContentEncryptionBench {

  /**
   * The plaintext, shared by every engine of one run, and the AES-GCM provider of this fork.
   *
   * <p>{@code jca=jdk}: every engine on the JDK's own provider. {@code jca=accp}: AWS-LC through
   * Amazon Corretto Crypto Provider, given to each engine the way its project documents: CMK's
   * engines get it as the crypto core's provider ({@link GcmProvider#use}, what CMK's composition
   * root does; nothing registered), the peers (Tink, the ESDK, the plain JDK cipher) find it first
   * in the JCA's provider list ({@code Security.insertProviderAt(..., 1)}, what ACCP's own
   * documentation does). Each benchmark runs in its own fork, so the two never mix.
   */
  @State(Scope.Thread)
  public static class Input {
    @Param({"1024", "65536", "1048576", "67108864"})
    public int size;

    /**
     * CMK's chunk size, 0 for the crypto core's default for the provider; other engines ignore it.
     */
    @Param({"0"})
    public int chunk;

    @Param({"accp"})
    public String jca;

    byte[] plaintext;

    @Setup(Level.Trial)
    public void setup(BenchmarkParams params) {
      useProvider(jca, params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1));
      if (chunk == 0) {
        chunk = ContentEnvelope.defaultChunkSize();
      }
      plaintext = new byte[size];
      new Random(size).nextBytes(plaintext);
    }

    static void useProvider(String jca, String benchmark) {
      switch (jca) {
        case "jdk" -> {}
        case "accp" -> {
          AmazonCorrettoCryptoProvider p = AmazonCorrettoCryptoProvider.INSTANCE;
          if (p.getLoadingError() != null) {
            throw new IllegalStateException("AWS-LC did not load", p.getLoadingError());
          }
          p.assertHealthy();
          if (benchmark.startsWith("cmk")) {
            GcmProvider.use(p);
          } else {
            Security.insertProviderAt(p, 1);
          }
        }
        default -> throw new IllegalArgumentException("jca must be jdk or accp: " + jca);
      }
    }
  }

  /**
   * An engine and the ciphertexts it made of the input, for the open benchmarks: one for engines
   * with one key, a ring of {@link #RING} under different keys for the new-key-per-message engines
   * (so the JDK's per-thread key-schedule cache cannot serve a repeated key).
   */
  public abstract static class Prepared {
    static final int RING = 64;

    // set by prepare(), which each subclass's @Setup calls before JMH runs a benchmark method
    @SuppressWarnings("NullAway.Init")
    Engine engine;

    @SuppressWarnings("NullAway.Init")
    byte[][] ciphertexts;

    int next;

    void prepare(Engine e, Input in) throws Exception {
      prepare(e, in, 1);
    }

    void prepare(Engine e, Input in, int count) throws Exception {
      engine = e;
      ciphertexts = new byte[count][];
      for (int i = 0; i < count; i++) {
        ciphertexts[i] = e.seal(in.plaintext);
      }
    }

    /** Up to {@link #RING} messages, at most 16 MiB of them. */
    static int ringFor(Input in) {
      return Math.max(1, Math.min(RING, (16 << 20) / Math.max(1, in.size)));
    }

    byte[] ciphertext() {
      byte[] ct = ciphertexts[next];
      next = next + 1 == ciphertexts.length ? 0 : next + 1;
      return ct;
    }
  }

  @State(Scope.Thread)
  public static class CmkBytes extends Prepared {
    @Setup(Level.Trial)
    public void setup(Input in) throws Exception {
      prepare(new Engines.CmkBytes(in.chunk), in);
    }
  }

  @State(Scope.Thread)
  public static class CmkStream extends Prepared {
    @Setup(Level.Trial)
    public void setup(Input in) throws Exception {
      prepare(new Engines.CmkStream(in.chunk), in);
    }
  }

  @State(Scope.Thread)
  public static class TinkAead extends Prepared {
    @Setup(Level.Trial)
    public void setup(Input in) throws Exception {
      prepare(new Engines.TinkAead(), in);
    }
  }

  @State(Scope.Thread)
  public static class TinkStream4k extends Prepared {
    @Setup(Level.Trial)
    public void setup(Input in) throws Exception {
      prepare(new Engines.TinkStreaming(false), in);
    }
  }

  @State(Scope.Thread)
  public static class TinkStream1m extends Prepared {
    @Setup(Level.Trial)
    public void setup(Input in) throws Exception {
      prepare(new Engines.TinkStreaming(true), in);
    }
  }

  @State(Scope.Thread)
  public static class AwsEsdk extends Prepared {
    @Setup(Level.Trial)
    public void setup(Input in) throws Exception {
      prepare(new Engines.AwsEsdk(false), in);
    }
  }

  @State(Scope.Thread)
  public static class AwsEsdkDefault extends Prepared {
    @Setup(Level.Trial)
    public void setup(Input in) throws Exception {
      prepare(new Engines.AwsEsdk(true), in);
    }
  }

  @State(Scope.Thread)
  public static class CmkBytesFreshDek extends Prepared {
    @Setup(Level.Trial)
    public void setup(Input in) throws Exception {
      prepare(new Engines.CmkBytesFreshDek(in.chunk), in, ringFor(in));
    }
  }

  @State(Scope.Thread)
  public static class TinkAeadFreshKey extends Prepared {
    @Setup(Level.Trial)
    public void setup(Input in) throws Exception {
      prepare(new Engines.TinkAeadFreshKey(), in, ringFor(in));
    }
  }

  @State(Scope.Thread)
  public static class Jdk extends Prepared {
    @Setup(Level.Trial)
    public void setup(Input in) throws Exception {
      prepare(new Engines.Jdk(), in);
    }
  }

  @Benchmark
  public Object cmkBytesSeal(Input in, CmkBytes s) throws Exception {
    return s.engine.sealTimed(in.plaintext);
  }

  @Benchmark
  public Object cmkBytesOpen(CmkBytes s) throws Exception {
    return s.engine.openTimed(s.ciphertext());
  }

  @Benchmark
  public Object cmkStreamSeal(Input in, CmkStream s) throws Exception {
    return s.engine.sealTimed(in.plaintext);
  }

  @Benchmark
  public Object cmkStreamOpen(CmkStream s) throws Exception {
    return s.engine.openTimed(s.ciphertext());
  }

  @Benchmark
  public Object tinkAeadSeal(Input in, TinkAead s) throws Exception {
    return s.engine.sealTimed(in.plaintext);
  }

  @Benchmark
  public Object tinkAeadOpen(TinkAead s) throws Exception {
    return s.engine.openTimed(s.ciphertext());
  }

  @Benchmark
  public Object tinkStream4kSeal(Input in, TinkStream4k s) throws Exception {
    return s.engine.sealTimed(in.plaintext);
  }

  @Benchmark
  public Object tinkStream4kOpen(TinkStream4k s) throws Exception {
    return s.engine.openTimed(s.ciphertext());
  }

  @Benchmark
  public Object tinkStream1mSeal(Input in, TinkStream1m s) throws Exception {
    return s.engine.sealTimed(in.plaintext);
  }

  @Benchmark
  public Object tinkStream1mOpen(TinkStream1m s) throws Exception {
    return s.engine.openTimed(s.ciphertext());
  }

  @Benchmark
  public Object awsEsdkSeal(Input in, AwsEsdk s) throws Exception {
    return s.engine.sealTimed(in.plaintext);
  }

  @Benchmark
  public Object awsEsdkOpen(AwsEsdk s) throws Exception {
    return s.engine.openTimed(s.ciphertext());
  }

  @Benchmark
  public Object jdkSeal(Input in, Jdk s) throws Exception {
    return s.engine.sealTimed(in.plaintext);
  }

  @Benchmark
  public Object jdkOpen(Jdk s) throws Exception {
    return s.engine.openTimed(s.ciphertext());
  }

  @Benchmark
  public Object awsEsdkDefaultSeal(Input in, AwsEsdkDefault s) throws Exception {
    return s.engine.sealTimed(in.plaintext);
  }

  @Benchmark
  public Object awsEsdkDefaultOpen(AwsEsdkDefault s) throws Exception {
    return s.engine.openTimed(s.ciphertext());
  }

  @Benchmark
  public Object cmkFreshDekSeal(Input in, CmkBytesFreshDek s) throws Exception {
    return s.engine.sealTimed(in.plaintext);
  }

  @Benchmark
  public Object cmkFreshDekOpen(CmkBytesFreshDek s) throws Exception {
    return s.engine.openTimed(s.ciphertext());
  }

  @Benchmark
  public Object tinkFreshKeySeal(Input in, TinkAeadFreshKey s) throws Exception {
    return s.engine.sealTimed(in.plaintext);
  }

  @Benchmark
  public Object tinkFreshKeyOpen(TinkAeadFreshKey s) throws Exception {
    return s.engine.openTimed(s.ciphertext());
  }
}
