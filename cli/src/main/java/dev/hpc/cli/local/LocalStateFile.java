package dev.hpc.cli.local;

import dev.hpc.api.HpcException;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code DIR/local.json}: what {@code hpc local up} started, so that {@code status}, {@code down} and
 * tests in other processes find the daemons again. Replaced in one step on every change.
 */
public final class LocalStateFile {
    public static final String NAME = "local.json";

    private LocalStateFile() {
    }

    public static Optional<LocalClusterInfo> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (HpcException e) {
            throw new HpcException(file + " is damaged (" + e.getMessage() + "); stop its daemons by hand and "
                    + "delete it", e);
        }
    }

    public static void write(Path file, LocalClusterInfo info) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".local", ".tmp");
            Files.writeString(tmp, Json.writePretty(toMap(info)) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static Map<String, Object> toMap(LocalClusterInfo info) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cluster", info.cluster());
        m.put("dir", info.dir().toString());
        m.put("heads", info.heads());
        List<Object> daemons = new ArrayList<>();
        for (Daemon d : info.daemons()) {
            daemons.add(toMap(d));
        }
        m.put("daemons", daemons);
        return m;
    }

    static Map<String, Object> toMap(Daemon d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("role", d.role().label());
        m.put("address", d.address());
        m.put("pid", d.pid());
        m.put("log", d.log().toString());
        m.put("command", d.command());
        m.put("started", d.started().toString());
        return m;
    }

    static LocalClusterInfo parse(String text) {
        JsonFields f = Json.readObject(text);
        List<Daemon> daemons = new ArrayList<>();
        for (JsonFields d : f.objects("daemons")) {
            daemons.add(new Daemon(d.string("name"), Daemon.Role.of(d.string("role")),
                    d.string("address", ""), d.longValue("pid"), Path.of(d.string("log")), d.strings("command"),
                    Instant.parse(d.string("started", Instant.EPOCH.toString()))));
        }
        return new LocalClusterInfo(f.string("cluster"), Path.of(f.string("dir")), f.strings("heads"), daemons);
    }
}
