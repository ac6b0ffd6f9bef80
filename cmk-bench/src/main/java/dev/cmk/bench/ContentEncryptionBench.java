package dev.cmk.bench;

import dev.cmk.crypto.ContentEnvelope;
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

/**
 * Encrypt ("seal") and decrypt ("open") throughput of the same plaintext for every engine; each
 * benchmark method sets up only its own engine. Report MB/s as ops/s × size; {@link Report} turns
 * JMH's CSV output into the BENCHMARKS.md table.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ContentEncryptionBench {

  /** The plaintext, shared by every engine of one run. */
  @State(Scope.Thread)
  public static class Input {
    @Param({"1024", "65536", "1048576", "67108864"})
    public int size;

    /** CMK's chunk size; ignored by the other engines. */
    @Param({"" + ContentEnvelope.DEFAULT_CHUNK_SIZE})
    public int chunk;

    byte[] plaintext;

    @Setup(Level.Trial)
    public void setup() {
      plaintext = new byte[size];
      new Random(size).nextBytes(plaintext);
    }
  }

  /** An engine and one ciphertext it made of the input, for the open benchmarks. */
  public abstract static class Prepared {
    Engine engine;
    byte[] ciphertext;

    void prepare(Engine e, Input in) throws Exception {
      engine = e;
      ciphertext = e.seal(in.plaintext);
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
      prepare(new Engines.AwsEsdk(), in);
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
  public byte[] cmkBytesSeal(Input in, CmkBytes s) throws Exception {
    return s.engine.seal(in.plaintext);
  }

  @Benchmark
  public byte[] cmkBytesOpen(CmkBytes s) throws Exception {
    return s.engine.open(s.ciphertext);
  }

  @Benchmark
  public byte[] cmkStreamSeal(Input in, CmkStream s) throws Exception {
    return s.engine.seal(in.plaintext);
  }

  @Benchmark
  public byte[] cmkStreamOpen(CmkStream s) throws Exception {
    return s.engine.open(s.ciphertext);
  }

  @Benchmark
  public byte[] tinkAeadSeal(Input in, TinkAead s) throws Exception {
    return s.engine.seal(in.plaintext);
  }

  @Benchmark
  public byte[] tinkAeadOpen(TinkAead s) throws Exception {
    return s.engine.open(s.ciphertext);
  }

  @Benchmark
  public byte[] tinkStream4kSeal(Input in, TinkStream4k s) throws Exception {
    return s.engine.seal(in.plaintext);
  }

  @Benchmark
  public byte[] tinkStream4kOpen(TinkStream4k s) throws Exception {
    return s.engine.open(s.ciphertext);
  }

  @Benchmark
  public byte[] tinkStream1mSeal(Input in, TinkStream1m s) throws Exception {
    return s.engine.seal(in.plaintext);
  }

  @Benchmark
  public byte[] tinkStream1mOpen(TinkStream1m s) throws Exception {
    return s.engine.open(s.ciphertext);
  }

  @Benchmark
  public byte[] awsEsdkSeal(Input in, AwsEsdk s) throws Exception {
    return s.engine.seal(in.plaintext);
  }

  @Benchmark
  public byte[] awsEsdkOpen(AwsEsdk s) throws Exception {
    return s.engine.open(s.ciphertext);
  }

  @Benchmark
  public byte[] jdkSeal(Input in, Jdk s) throws Exception {
    return s.engine.seal(in.plaintext);
  }

  @Benchmark
  public byte[] jdkOpen(Jdk s) throws Exception {
    return s.engine.open(s.ciphertext);
  }
}
