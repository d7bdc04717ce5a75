package dev.hpc.api.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 made with the JDK's keytool: a PKCS12 key store, the file
 * of its password (as a head's {@code --tls-keystore-password-file} reads it) and the certificate as
 * PEM (as a client's or worker's {@code tls-ca}). For the tests of every module that speaks TLS.
 */
public record SelfSignedCert(Path keystore, Path passwordFile, Path pem) {
    public static final String PASSWORD = "test-pass-123";

    /** Makes {@code head.p12}, {@code head.pem} and {@code keystore-password} in {@code dir}. */
    public static SelfSignedCert make(Path dir) throws Exception {
        Path keystore = dir.resolve("head.p12");
        Path pem = dir.resolve("head.pem");
        Path password = dir.resolve("keystore-password");
        Files.writeString(password, PASSWORD + "\n");
        keytool(List.of("-genkeypair", "-alias", "head", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore",
                keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD));
        keytool(List.of("-exportcert", "-rfc", "-alias", "head", "-keystore", keystore.toString(), "-storepass",
                PASSWORD, "-file", pem.toString()));
        return new SelfSignedCert(keystore, password, pem);
    }

    private static void keytool(List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + args.get(0) + " failed: " + out);
        }
    }
}
