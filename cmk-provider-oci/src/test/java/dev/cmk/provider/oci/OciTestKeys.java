package dev.cmk.provider.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.stream.Collectors;

/** An OCI API signing key made for a test: the PEM file, its fingerprint and public key. */
record OciTestKeys(KeyPair pair, Path pem, String fingerprint) {
  static final String TENANCY = "ocid1.tenancy.oc1..aaaatesttenancy";
  static final String USER = "ocid1.user.oc1..aaaatestuser";

  static OciTestKeys create(Path dir) throws GeneralSecurityException, IOException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair pair = g.generateKeyPair();
    String body =
        Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.getPrivate().getEncoded());
    Path pem = Files.createTempFile(dir, "oci-api-key", ".pem");
    Files.writeString(
        pem, "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
    byte[] md5 = MessageDigest.getInstance("MD5").digest(pair.getPublic().getEncoded());
    String fingerprint =
        HexFormat.of()
            .formatHex(md5)
            .replaceAll("(..)(?!$)", "$1:")
            .chars()
            .mapToObj(c -> String.valueOf((char) c))
            .collect(Collectors.joining());
    return new OciTestKeys(pair, pem, fingerprint);
  }

  String signingKeyId() {
    return TENANCY + "/" + USER + "/" + fingerprint;
  }
}
