package dev.hpc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-over of a job's environment to the owner's shell (issue #15): whatever the values hold, the
 * command the shell finally runs gets exactly them, and the shell starts with the fixed environment
 * alone. Runs as whoever runs the tests (the switch of user is {@link RunAsOwnerTest}'s and
 * {@link JobEnvironmentAttackTest}'s).
 */
class OwnerShellTest {
    @TempDir
    Path spool;

    /** Runs {@code shell -s -- /usr/bin/env -0} on the script and returns the environment env printed. */
    private Map<String, String> handOver(String shell, List<String> steps, Map<String, String> env) throws Exception {
        return handOver(List.of(shell), steps, env);
    }

    private Map<String, String> handOver(List<String> shell, List<String> steps, Map<String, String> env)
            throws Exception {
        List<String> command = new ArrayList<>(shell);
        command.addAll(List.of("-s", "--", "/usr/bin/env", "-0"));
        Process p = OwnerShell.start(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD), spool,
                OwnerShell.script(steps, env, "exec \"$@\""));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), shell + " failed");
        Map<String, String> seen = new TreeMap<>();
        for (String entry : out.toString(StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                seen.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return seen;
    }

    private static Map<String, String> awkwardValues() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUOTE", "it's");
        env.put("QUOTES", "'''");
        env.put("DOUBLE", "say \"hi\"");
        env.put("SUBST", "$(touch /tmp/hpc-owner-shell-ran) `touch /tmp/hpc-owner-shell-ran` ${HOME}");
        env.put("BACKSLASH", "a\\b\\'c\\\\");
        env.put("NEWLINES", "line one\nline two\n'; touch /tmp/hpc-owner-shell-ran; '\n");
        env.put("BRACE", "} ; exec /bin/false ; {");
        env.put("EMPTY", "");
        env.put("UNICODE", "é 日本 ✓");
        env.put("GLOB", "* ? [a-z]");
        env.put("CONTROL", "\t\r\u0001\u007f");
        env.put("_", "underscore");
        env.put("x1", "lower case");
        return env;
    }

    @Test
    void everyValueArrivesExactlyAndNothingInItRuns() throws Exception {
        Files.deleteIfExists(Path.of("/tmp/hpc-owner-shell-ran"));
        Map<String, String> env = awkwardValues();
        Map<String, String> seen = handOver(OwnerShell.SHELL, List.of(), env);
        env.forEach((name, value) -> assertEquals(value, seen.get(name), name));
        assertTrue(Files.notExists(Path.of("/tmp/hpc-owner-shell-ran")), "a value was run as a command");
    }

    @Test
    void aVariableTheShellRefusesCostsOnlyItselfInDashAndInBashAsSh() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no /bin/bash");
        // a plain assignment to any of these would end a POSIX shell before it ran the command
        Map<String, String> bash = new LinkedHashMap<>(awkwardValues());
        bash.put("UID", "0");
        bash.put("SHELLOPTS", "xtrace");
        bash.put("ZZ_AFTER", "still set");
        Map<String, String> seen = handOver(List.of("/bin/bash", "--posix"), List.of(), bash);
        // bash gives every command it runs its own _ (the command's path), as it does to any task it runs
        awkwardValues().entrySet().stream().filter(e -> !e.getKey().equals("_"))
                .forEach(e -> assertEquals(e.getValue(), seen.get(e.getKey()), e.getKey()));
        assertEquals("still set", seen.get("ZZ_AFTER"), "bash stopped at a read-only variable");

        Map<String, String> dash = Map.of("OPTIND", "not a number", "ZZ_AFTER", "still set");
        assertEquals("still set", handOver(OwnerShell.SHELL, List.of(), dash).get("ZZ_AFTER"),
                OwnerShell.SHELL + " stopped at a variable it refused");
    }

    @Test
    void environmentsFarLargerThanAPipeHoldArriveWhole() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < 8; i++) {
            // Linux takes at most 128 KiB per variable; 8 of them are 1 MiB, the most a submission may carry
            env.put("BIG_" + i, ("x'" + i).repeat(120 * 1024 / 3));
        }
        Map<String, String> seen = handOver(OwnerShell.SHELL, List.of(), env);
        env.forEach((name, value) -> assertEquals(value, seen.get(name), name));
    }

    @Test
    void theShellStartsWithTheFixedEnvironmentInTheRootAndLeavesNoHandOverBehind() throws Exception {
        Path environ = spool.resolve("loader-environ");
        Map<String, String> seen = handOver(OwnerShell.SHELL,
                List.of("/usr/bin/tr '\\0' '\\n' </proc/$$/environ >" + environ + "; pwd >>" + environ),
                Map.of("LD_PRELOAD", "/nonexistent.so"));
        assertEquals("/nonexistent.so", seen.get("LD_PRELOAD"));
        assertEquals(List.of("PATH=/usr/bin:/bin", "/"), Files.readAllLines(environ),
                "what the shell had before it read the job's variables, and where it started");
        try (Stream<Path> left = Files.list(spool)) {
            assertEquals(List.of(environ), left.toList(), "the hand-over file is removed once the shell has it");
        }
    }

    @Test
    void aNameNoShellCanSetIsRefusedWithTheReason() {
        for (String bad : List.of("a-b", "1ABC", "a.b", "BASH_FUNC_f%%", "A B", "")) {
            LaunchFailedException e = assertThrows(LaunchFailedException.class,
                    () -> OwnerShell.script(List.of(), Map.of(bad, "v"), "exec \"$@\""));
            assertTrue(e.getMessage().contains("is not a shell name"), e.getMessage());
        }
        LaunchFailedException nul = assertThrows(LaunchFailedException.class,
                () -> OwnerShell.script(List.of(), Map.of("A", "x\0y"), "exec \"$@\""));
        assertEquals("the environment variable A holds a NUL, which no process environment can carry: drop it or "
                + "remove the NUL", nul.getMessage());
    }
}
