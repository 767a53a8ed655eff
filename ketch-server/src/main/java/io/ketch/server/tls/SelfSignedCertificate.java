package io.ketch.server.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import io.ketch.server.config.TlsConfig.SelfSigned;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code --auto-tls} and {@code --peer-auto-tls} certificates: a self-signed ECDSA P-256
 * certificate (organisation "etcd", as etcd's) for the hosts of the listen URLs, valid for
 * {@code --self-signed-cert-validity} years, written once as {@code cert.pem} and {@code key.pem}
 * (owner-only) in {@code <data-dir>/fixtures/client} or {@code fixtures/peer} and kept across
 * restarts. Such a certificate encrypts but proves nothing: clients skip its verification (etcdctl's
 * {@code --insecure-skip-tls-verify}), and so do members between each other.
 */
public final class SelfSignedCertificate {
  private static final Logger LOG = LoggerFactory.getLogger(SelfSignedCertificate.class);

  private SelfSignedCertificate() {}

  /** Makes the certificate and key unless both files are there already. */
  public static void ensure(SelfSigned spec) throws IOException, GeneralSecurityException {
    if (Files.exists(spec.certFile()) && Files.exists(spec.keyFile())) {
      return;
    }
    Files.createDirectories(spec.dir());
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    KeyPair keys = gen.generateKeyPair();
    X509Certificate cert = certificate(spec, keys);
    write(spec.keyFile(), pem(new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded())), true);
    write(spec.certFile(), pem(new PemObject("CERTIFICATE", cert.getEncoded())), false);
    LOG.warn("event=self-signed-certificate-made dir={} hosts={} valid_until={} note=\"clients cannot verify it\"",
        spec.dir(), spec.hosts(), cert.getNotAfter().toInstant());
  }

  static X509Certificate certificate(SelfSigned spec, KeyPair keys) throws IOException, GeneralSecurityException {
    Instant now = Instant.now();
    X500Name subject = new X500Name("O=etcd");
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, new BigInteger(127, new SecureRandom()),
        Date.from(now), Date.from(now.plus(Duration.ofDays(365L * spec.validityYears()))), subject, keys.getPublic());
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    List<KeyPurposeId> uses = new ArrayList<>(List.of(KeyPurposeId.id_kp_serverAuth));
    if (spec.clientUse()) {
      uses.add(KeyPurposeId.id_kp_clientAuth);
    }
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(uses.toArray(new KeyPurposeId[0])));
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    List<GeneralName> names = new ArrayList<>();
    for (String host : spec.hosts()) {
      names.add(isIpLiteral(host) ? new GeneralName(GeneralName.iPAddress, host)
          : new GeneralName(GeneralName.dNSName, host));
    }
    if (!names.isEmpty()) {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
    }
    try {
      return new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign the self-signed certificate", e);
    }
  }

  private static boolean isIpLiteral(String host) {
    if (!host.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
      return false;
    }
    try {
      InetAddress.getByName(host); // a literal: no lookup is made
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String pem(PemObject o) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    }
    return out.toString();
  }

  /** Written to a temporary file and renamed, so a crash leaves no half file that blocks the next start. */
  private static void write(Path file, String text, boolean secret) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (secret) {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    } else {
      Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
