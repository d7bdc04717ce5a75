package dev.hpc.api.client;

import dev.hpc.api.HpcException;
import dev.hpc.api.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for clients of a head's API (docs/security.md, "Cluster secret and TLS"): a head address
 * written {@code https://host:port} is reached over TLS, trusting the certificates of a PEM file
 * (the {@code tls-ca} setting, or {@code HPC_TLS_CA}) or else the JVM's default ones. Only the JDK is
 * used, so that the CLI stays small.
 */
public final class ClientTls {
    /** The environment variable that names the PEM file of certificates to trust. */
    public static final String CA_ENV = "HPC_TLS_CA";

    private ClientTls() {
    }

    public static boolean isHttps(String address) {
        return address.strip().toLowerCase(Locale.ROOT).startsWith("https://");
    }

    /** An SSL context that trusts exactly the certificates in {@code pemFile} (a CA, or a self-signed server). */
    public static SSLContext trusting(Path pemFile) {
        try (InputStream in = Files.newInputStream(pemFile)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new InvalidRequestException("tls-ca " + pemFile + " holds no certificate; give a PEM file "
                        + "with -----BEGIN CERTIFICATE----- blocks");
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int n = 0;
            for (Certificate c : certs) {
                trust.setCertificateEntry("ca" + n++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read tls-ca " + pemFile + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new InvalidRequestException("tls-ca " + pemFile + " is not a PEM file of certificates: "
                    + e.getMessage());
        }
    }

    /** What a failed TLS set-up with a head means for the user, and what to do about it. */
    static HpcException failure(String head, SSLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String hint = m.contains("PKIX") || m.contains("certificat") || m.contains("No subject alternative")
                ? "; if the head's certificate is self-signed or from a private CA, name its PEM file with tls-ca= "
                        + "in ~/.hpc/config or " + CA_ENV + ", and check that the certificate names the address used"
                : m.contains("Unsupported or unrecognized SSL message") || m.contains("plaintext")
                        ? "; the head does not speak TLS: write its address with http://, not https://" : "";
        return new HpcException("cannot set up TLS with the head at " + head + ": " + m + hint, e);
    }
}
