package dev.hpc.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The client configuration file, {@code ~/.hpc/config} unless {@code HPC_CONFIG} names another: lines
 * of {@code key=value}; blank lines and lines starting with {@code #} are ignored. Today it holds
 * {@code server=host:port[,host:port]}, which {@code hpc local up} writes, and {@code tls-ca=FILE} for
 * heads that serve https.
 */
public final class ConfigFile {
    public static final String ENV = "HPC_CONFIG";
    public static final String SERVER = "server";
    /** A PEM file of the certificates to trust when {@code server=} says {@code https://}. */
    public static final String TLS_CA = "tls-ca";

    private ConfigFile() {
    }

    /** {@code $HPC_CONFIG} when set and not empty, else {@code <home>/.hpc/config}. */
    public static Path path(Map<String, String> env, Path userHome) {
        String p = env.getOrDefault(ENV, "");
        return p.isBlank() ? userHome.resolve(".hpc").resolve("config") : Path.of(p);
    }

    /** The settings in the file, in file order; none when the file does not exist. */
    public static Map<String, String> read(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String l = line.strip();
                int eq = l.indexOf('=');
                if (l.isEmpty() || l.startsWith("#") || eq <= 0) {
                    continue;
                }
                out.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Sets {@code key} to {@code value}, keeping the file's other lines and comments, and creating the
     * file and its directory when missing. The file is replaced in one step, so a reader never sees
     * half of it.
     */
    public static void put(Path file, String key, String value) {
        try {
            List<String> lines = new ArrayList<>();
            if (Files.isRegularFile(file)) {
                lines.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
            }
            boolean replaced = false;
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i).strip();
                int eq = l.indexOf('=');
                if (!l.startsWith("#") && eq > 0 && l.substring(0, eq).strip().equals(key)) {
                    if (replaced) {
                        lines.remove(i--);
                    } else {
                        lines.set(i, key + "=" + value);
                        replaced = true;
                    }
                }
            }
            if (!replaced) {
                lines.add(key + "=" + value);
            }
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".config", ".tmp");
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
