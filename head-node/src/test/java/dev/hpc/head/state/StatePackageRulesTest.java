package dev.hpc.head.state;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The cluster state is the one writer of the head (docs/architecture.md): it takes commands and gives out
 * changes, and the machinery around it (Vert.x, Hazelcast, the H2 store, HTTP clients) consumes them. So that
 * it stays testable from plain commands, its sources use none of that machinery, imported or fully named.
 */
class StatePackageRulesTest {
    private static final Path STATE = Path.of("src/main/java/dev/hpc/head/state");
    private static final List<String> MACHINERY = List.of("io.vertx.", "com.hazelcast.", "java.sql.", "java.net.http.");

    @Test
    void theStateUsesNoMachinery() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.list(STATE)) {
            sources = files.filter(f -> f.toString().endsWith(".java")).toList();
        }
        assertFalse(sources.isEmpty(), "no sources under " + STATE.toAbsolutePath() + ": the rule would check nothing");
        for (Path f : sources) {
            String source = Files.readString(f);
            for (String forbidden : MACHINERY) {
                assertTrue(!source.contains(forbidden), f.getFileName() + " must not use " + forbidden
                        + "*: the state takes commands and gives out changes; the machinery belongs outside it");
            }
        }
    }
}
