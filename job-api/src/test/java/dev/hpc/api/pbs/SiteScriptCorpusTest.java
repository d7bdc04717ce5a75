package dev.hpc.api.pbs;

import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.Resources;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: job scripts written the way site documentation writes them (each names its style in a
 * comment) are accepted unchanged, and read as a PBS server would show them. Each script ends with
 * {@code # expect: ATTRIBUTE = VALUE} lines (below its commands, so not directives) and may give
 * qsub command-line options in a {@code # options:} line. Every recorded directive must be expected,
 * so nothing is kept that the script's author would not see.
 */
class SiteScriptCorpusTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-10T12:00:00Z"), ZoneOffset.UTC);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"torque-mpi.pbs", "torque-serial-procs.pbs", "torque-prefix.pbs",
        "openpbs-ncar-select.pbs", "openpbs-project-place.pbs", "slurm-gpu.sbatch", "slurm-array.sbatch",
        "slurm-mpi-exclusive.sbatch", "torque-properties.pbs", "pbspro-custom-resources.pbs",
        "slurm-constraint.sbatch"})
    void aSiteScriptReadsAsAPbsServerShowsIt(String file) throws IOException {
        String script = read(file);
        List<String> options = new ArrayList<>();
        Map<String, String> expected = new LinkedHashMap<>();
        for (String line : script.split("\n")) {
            if (line.startsWith("# options: ")) {
                options.addAll(List.of(line.substring("# options: ".length()).split(" ")));
            } else if (line.startsWith("# expect: ")) {
                String[] kv = line.substring("# expect: ".length()).split(" = ", 2);
                expected.put(kv[0], kv[1]);
            }
        }
        assertFalse(expected.isEmpty(), file + " expects nothing");

        JobSpec spec = SubmitParser.parse(new SubmitRequest(script, options, "alice", "login1", "/home/alice",
                Map.of()), SubmitDefaults.STANDARD, CLOCK);

        Map<String, String> shown = attributes(spec);
        Map<String, String> asExpected = new TreeMap<>();
        expected.keySet().forEach(name -> asExpected.put(name, shown.get(name)));
        assertEquals(new TreeMap<>(expected), asExpected, file);
        for (String recorded : spec.recorded().keySet()) {
            assertTrue(expected.containsKey(recorded), file + " records " + recorded + " = "
                    + spec.recorded().get(recorded) + " without expecting it");
        }
    }

    /** The attributes a PBS server shows for these values, in its names and forms. */
    private static Map<String, String> attributes(JobSpec spec) {
        Resources r = spec.resources();
        Map<String, String> a = new TreeMap<>(spec.recorded());
        a.put("Job_Name", spec.name());
        a.put("queue", spec.queue());
        a.put("Resource_List.nodect", Integer.toString(r.nodes()));
        a.put("Resource_List.ncpus", Integer.toString(r.totalCores()));
        if (r.memoryPerNode() > 0) {
            a.put("Resource_List.mem", Sizes.format(r.memoryPerNode() * r.nodes()));
        }
        if (r.generic().containsKey(GenericResources.GPU)) {
            a.put("Resource_List.ngpus", Long.toString(r.generic().get(GenericResources.GPU) * r.nodes()));
        }
        if (r.hasWalltime()) {
            a.put("Resource_List.walltime", Walltimes.format(r.walltime()));
        }
        // the node kind as Torque shows -l feature and PBS Pro a host resource of the select
        if (!r.constraint().anyOf().isEmpty()) {
            a.put("Resource_List.feature", r.constraint().features());
        }
        r.constraint().resources().forEach((name, value) -> a.put("Resource_List." + name, value));
        a.put("Join_Path", switch (spec.join()) {
            case NONE -> "n";
            case STDOUT_STDERR -> "oe";
            case STDERR_STDOUT -> "eo";
        });
        a.put("Rerunable", spec.rerunnable() ? "True" : "False");
        a.put("Mail_Points", spec.mailPoints());
        a.put("Mail_Users", String.join(",", spec.mailUsers()));
        a.put("Account_Name", spec.account());
        spec.array().ifPresent(ar -> a.put("job_array_request", ar.expression()));
        return a;
    }

    private static String read(String file) throws IOException {
        try (InputStream in = SiteScriptCorpusTest.class.getResourceAsStream("/site-scripts/" + file)) {
            if (in == null) {
                throw new IOException("no test script " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
