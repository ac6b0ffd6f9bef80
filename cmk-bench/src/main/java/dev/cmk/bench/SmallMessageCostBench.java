package dev.cmk.bench;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
 * What one small message costs, in parts, to explain the 1 KiB row of BENCHMARKS.md: the 96-bit
 * random nonce every one-shot AES-GCM engine draws ({@code new SecureRandom()}, as CMK's
 * composition root and Tink both use), and one JCA AES-GCM call (init with a fresh nonce, the AAD,
 * doFinal into a preallocated array) of 0 bytes (the fixed cost of a call) and of 1 KiB, on either
 * provider. CMK's and Tink's per-message costs are these parts plus their own work.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class SmallMessageCostBench {

  /** The 12 random bytes of a nonce. */
  @State(Scope.Thread)
  public static class Rng {
    final SecureRandom rnd = new SecureRandom();
  }

  /** One AES-256-GCM cipher of the chosen provider, a key, and a message of {@code size} bytes. */
  @State(Scope.Thread)
  public static class Gcm {
    @Param({"0", "1024"})
    public int size;

    /**
     * {@code jdk}: the JDK's provider; {@code accp}: AWS-LC, asked for by name (not registered).
     */
    @Param({"jdk", "accp"})
    public String jca;

    Cipher cipher;
    SecretKeySpec key;
    byte[] plaintext;
    byte[] ciphertext;
    byte[] out;
    final byte[] nonce = new byte[12];
    final GCMParameterSpec fixedNonce = new GCMParameterSpec(128, new byte[12]);
    long counter;

    @Setup(Level.Trial)
    public void setup() throws GeneralSecurityException {
      if (jca.equals("accp")) {
        AmazonCorrettoCryptoProvider p = AmazonCorrettoCryptoProvider.INSTANCE;
        if (p.getLoadingError() != null) {
          throw new IllegalStateException("AWS-LC did not load", p.getLoadingError());
        }
        cipher = Cipher.getInstance("AES/GCM/NoPadding", p);
      } else {
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
      }
      byte[] raw = new byte[32];
      new SecureRandom().nextBytes(raw);
      key = new SecretKeySpec(raw, "AES");
      plaintext = new byte[size];
      out = new byte[size + 16];
      cipher.init(Cipher.ENCRYPT_MODE, key, fixedNonce);
      cipher.updateAAD(Engines.AAD);
      ciphertext = cipher.doFinal(plaintext);
    }

    /** A nonce never used before in this trial (a counter): GCM refuses a repeated one. */
    GCMParameterSpec nextNonce() {
      long c = ++counter;
      for (int i = 0; i < 8; i++) {
        nonce[4 + i] = (byte) (c >>> (56 - 8 * i));
      }
      return new GCMParameterSpec(128, nonce);
    }
  }

  @Benchmark
  public byte[] nonce12(Rng s) {
    byte[] n = new byte[12];
    s.rnd.nextBytes(n);
    return n;
  }

  @Benchmark
  public int gcmSeal(Gcm s) throws GeneralSecurityException {
    s.cipher.init(Cipher.ENCRYPT_MODE, s.key, s.nextNonce());
    s.cipher.updateAAD(Engines.AAD);
    return s.cipher.doFinal(s.plaintext, 0, s.size, s.out, 0);
  }

  @Benchmark
  public int gcmOpen(Gcm s) throws GeneralSecurityException {
    s.cipher.init(Cipher.DECRYPT_MODE, s.key, s.fixedNonce);
    s.cipher.updateAAD(Engines.AAD);
    return s.cipher.doFinal(s.ciphertext, 0, s.ciphertext.length, s.out, 0);
  }
}
