package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.json.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue #8, "Input validation everywhere": thousands of generated, mostly malformed scripts and option
 * lists go to the parser; it either accepts them or refuses them with an {@link InvalidRequestException}:
 * nothing else may come out. The seed is printed; {@code -Dfuzz.seed=N} repeats a run.
 */
class SubmitParserFuzzTest {
    private static final int CASES = 4000;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T03:00:00Z"), ZoneOffset.UTC);

    static final List<String> DIRECTIVES = List.of("#PBS -N name", "#PBS -l nodes=2:ppn=4", "#PBS -l walltime=01:00:00",
            "#PBS -l mem=4gb", "#PBS -t 1-10%2", "#PBS -p 10", "#PBS -q batch", "#PBS -o out.txt", "#PBS -j oe",
            "#PBS -v A=1,B=\"x,y\"", "#PBS -W depend=afterok:12", "#PBS -a 202612011200", "#SBATCH --time=1:00",
            "#SBATCH -N 2", "#SBATCH --mem=1G", "#PBS -l select=2:ncpus=4:mpiprocs=2", "#PBS -A acct",
            "#PBS -M a@b.c", "#PBS -m abe", "#PBS -r n", "#PBS -h", "#PBS -d /tmp", "#PBS -e err/", "#PBS -S /bin/bash",
            "#PBS -V", "#PBS -l gpus=2", "#SBATCH --array=0-7%3", "#SBATCH -J x", "#SBATCH --ntasks-per-node=4",
            "#PBS -l pmem=1gb,ncpus=3", "#SBATCH --dependency=afterany:3:4", "#PBS -l nodes=n1+n2:ppn=2");
    static final List<String> GARBAGE = List.of("99999999999999999999", "-1", "2147483648", "9223372036854775808",
            "0", "", "=", ":", "%", ",", "\"", "'", "\\", "+", "-", "--", "1e9", "NaN", "0x10", "１２", "\u0000",
            "\n", "\r", "\t", "\u007f", "\ud800", "\udfff", "\u202e", "💥", "${HOME}", "$(id)", "`id`", " ",
            "999999999gb", "1-0", "5-1:0", "1-999999999", "00:00:00", "99:99:99", "1:2:3:4", "-l", "-N", "#PBS",
            "a".repeat(300), "/".repeat(5000), "x=", "=x", "1x", "afterok:", "depend=", "select=", "ncpus=-3");

    static long seed() {
        String given = System.getProperty("fuzz.seed", "");
        return given.isBlank() ? new Random().nextLong() : Long.parseLong(given);
    }

    @Test
    void theParserRefusesMalformedInputOnlyWithInvalidRequestException() {
        long seed = seed();
        System.out.println("SubmitParserFuzzTest seed " + seed + " (repeat with -Dfuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        int accepted = 0;
        for (int i = 0; i < CASES; i++) {
            String script = script(random);
            List<String> options = options(random);
            Map<String, String> env = environment(random);
            SubmitRequest request = new SubmitRequest(script, options, "alice", "login1", "/home/alice", env);
            try {
                JobSpec spec = SubmitParser.parse(request, SubmitDefaults.STANDARD, CLOCK);
                SubmitLimits.check(spec);
                accepted++;
            } catch (InvalidRequestException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a refusal without a message");
            } catch (RuntimeException | StackOverflowError e) {
                fail("seed " + seed + ", case " + i + ": " + e + "\nscript: " + Json.write(script) + "\noptions: "
                        + Json.write(options) + "\nenvironment: " + Json.write(env), e);
            }
        }
        // the generator is not all garbage: some of it must pass, or the test checks nothing but refusals
        assertTrue(accepted > CASES / 50, "only " + accepted + " of " + CASES + " cases were accepted (seed " + seed + ")");
    }

    static String script(Random r) {
        StringBuilder b = new StringBuilder(r.nextInt(4) == 0 ? "" : "#!/bin/bash\n");
        int lines = r.nextInt(6);
        for (int i = 0; i < lines; i++) {
            String d = DIRECTIVES.get(r.nextInt(DIRECTIVES.size()));
            b.append(r.nextInt(3) == 0 ? mutate(r, d) : d).append('\n');
        }
        b.append("echo hello\n");
        String s = b.toString();
        return r.nextInt(5) == 0 ? mutate(r, s) : s;
    }

    static List<String> options(Random r) {
        List<String> o = new ArrayList<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            String d = DIRECTIVES.get(r.nextInt(DIRECTIVES.size()));
            if (d.startsWith("#PBS ")) {
                String[] words = d.substring(5).split(" ", 2);
                o.add(words[0]);
                if (words.length > 1) {
                    o.add(r.nextInt(3) == 0 ? mutate(r, words[1]) : words[1]);
                }
            } else if (r.nextInt(4) == 0) {
                o.add(GARBAGE.get(r.nextInt(GARBAGE.size())));
            }
        }
        return o;
    }

    static Map<String, String> environment(Random r) {
        Map<String, String> env = new TreeMap<>();
        env.put("HOME", "/home/alice");
        if (r.nextInt(4) == 0) {
            env.put(r.nextBoolean() ? "X" + GARBAGE.get(r.nextInt(GARBAGE.size())) : "OK",
                    GARBAGE.get(r.nextInt(GARBAGE.size())));
        }
        return env;
    }

    /** One of: truncation, random characters, a garbage token in place or inserted, a doubled part. */
    static String mutate(Random r, String s) {
        if (s.isEmpty()) {
            return GARBAGE.get(r.nextInt(GARBAGE.size()));
        }
        int at = r.nextInt(s.length() + 1);
        return switch (r.nextInt(7)) {
            case 0 -> s.substring(0, at);
            case 1 -> s.substring(0, at) + (char) r.nextInt(0x10000) + s.substring(at);
            case 2 -> s.substring(0, at) + GARBAGE.get(r.nextInt(GARBAGE.size())) + s.substring(at);
            case 3 -> s.replaceAll("\\d+", GARBAGE.get(r.nextInt(GARBAGE.size())).replace("\\", "\\\\")
                    .replace("$", "\\$"));
            case 4 -> s.substring(0, at) + s.substring(at) + s.substring(at);
            case 5 -> s.substring(0, at) + '\0' + s.substring(at);
            default -> {
                StringBuilder b = new StringBuilder(s);
                for (int k = 0; k < 3; k++) {
                    b.setCharAt(r.nextInt(b.length()), (char) (32 + r.nextInt(95)));
                }
                yield b.toString();
            }
        };
    }

    // ---- the limits named in docs/security.md, one by one

    private static JobSpec parse(String script, List<String> options, Map<String, String> env) {
        return SubmitParser.parse(new SubmitRequest(script, options, "alice", "login1", "/home/alice", env),
                SubmitDefaults.STANDARD, CLOCK);
    }

    private static String refusal(String script, List<String> options, Map<String, String> env) {
        return assertThrows(InvalidRequestException.class, () -> parse(script, options, env)).getMessage();
    }

    @Test
    void eachLimitIsRefusedWithAMessageThatNamesIt() {
        String ok = "#!/bin/bash\necho hi\n";
        assertTrue(refusal("#!/bin/bash\n" + "x".repeat(SubmitParser.MAX_SCRIPT_BYTES), List.of(), Map.of())
                .contains("1 MiB"));
        assertTrue(refusal("echo \0\n", List.of(), Map.of()).contains("NUL"));
        assertTrue(refusal("echo \ud800\n", List.of(), Map.of()).contains("UTF-8"));
        assertTrue(refusal(ok, List.of("-o", "out\nfake"), Map.of()).contains("control character"));
        assertTrue(refusal(ok, List.of("-d", "/tmp/\u0007"), Map.of()).contains("control character"));
        assertTrue(refusal(ok, List.of("-v", "1X=2"), Map.of()).contains("1X"));
        assertTrue(refusal(ok, List.of("-l", "nodes=100001"), Map.of()).contains("100000"));
        assertTrue(refusal(ok, List.of("-l", "walltime=9000:00:00"), Map.of()).contains("365 days"));
        assertTrue(refusal(ok, List.of("-t", "0-2000000"), Map.of()).contains("1000000"));
        assertTrue(refusal(ok, List.of("-p", "5000"), Map.of()).contains("1023"));
        assertTrue(refusal(ok, List.of("-v", "BIG=" + "x".repeat(SubmitLimits.MAX_VARIABLE_CHARS + 1)), Map.of())
                .contains(String.valueOf(SubmitLimits.MAX_VARIABLE_CHARS)));
        Map<String, String> many = new TreeMap<>();
        for (int i = 0; i <= SubmitLimits.MAX_VARIABLES; i++) {
            many.put("V" + i, "1");
        }
        assertTrue(refusal(ok, List.of("-V"), many).contains(String.valueOf(SubmitLimits.MAX_VARIABLES)));
        assertEquals("/home/bob/out", parse(ok, List.of("-o", "../bob/out"), Map.of()).stdoutPath(),
                "'..' is resolved against the submit directory; the owner's rights on the node decide the rest");
    }
}
