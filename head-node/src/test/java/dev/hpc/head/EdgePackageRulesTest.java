package dev.hpc.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The head's edges (docs/architecture.md, "Modules"): the REST API, the worker gateway, the spawn relay, the web
 * view and the metrics each talk to the head through its service and to shared packages, never to one another,
 * so that one edge can change without the others. What two edges share lives in a package of its own ({@code link}
 * for the gateway and the spawn relay). Comments may name anything; code may not.
 */
class EdgePackageRulesTest {
    private static final Path HEAD = Path.of("src/main/java/dev/hpc/head");
    private static final List<String> EDGES = List.of("api", "gateway", "spawn", "web", "metrics");
    private static final Pattern COMMENTS = Pattern.compile("//[^\n]*|/\\*(?s:.*?)\\*/");
    private static final Pattern HEAD_PACKAGE = Pattern.compile("dev\\.hpc\\.head\\.([a-z]+)\\.");

    /** The code of a source, its comments blanked (string contents stay: none names a package). */
    static String code(String source) {
        return COMMENTS.matcher(source).replaceAll(" ");
    }

    /** The head packages {@code code} names, in imports or written out in full. */
    static List<String> packagesNamed(String code) {
        List<String> out = new ArrayList<>();
        Matcher m = HEAD_PACKAGE.matcher(code);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void findsPackagesInCodeAndNotInComments() {
        String source = "import dev.hpc.head.gateway.WorkerGateway;\n/** see {@link dev.hpc.head.api.ApiRoutes} */\n"
                + "class X { Object y = new dev.hpc.head.spawn.SpawnRelay(); // dev.hpc.head.web.Z\n}";
        assertEquals(List.of("gateway", "spawn"), packagesNamed(code(source)));
    }

    @Test
    void noEdgeNamesAnotherEdge() throws IOException {
        List<String> crossings = new ArrayList<>();
        int checked = 0;
        for (String edge : EDGES) {
            List<Path> sources;
            try (Stream<Path> files = Files.list(HEAD.resolve(edge))) {
                sources = files.filter(f -> f.toString().endsWith(".java")).toList();
            }
            for (Path f : sources) {
                checked++;
                for (String named : packagesNamed(code(Files.readString(f)))) {
                    if (!named.equals(edge) && EDGES.contains(named)) {
                        crossings.add(edge + "/" + f.getFileName() + " uses " + named);
                    }
                }
            }
        }
        assertFalse(checked == 0, "no sources under " + HEAD.toAbsolutePath() + ": the rule would check nothing");
        assertEquals(List.of(), crossings.stream().distinct().toList(), "an edge reaches into another edge: put what "
                + "they share in a package of its own, or go through the head's service");
    }
}
