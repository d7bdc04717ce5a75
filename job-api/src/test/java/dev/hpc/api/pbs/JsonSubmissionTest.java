package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.DependencyType;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.WalltimeSignal;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A JSON submission's {@code job} fields, read into the draft directly, with the options' checks. */
class JsonSubmissionTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-10T12:00:00Z"), ZoneOffset.UTC);
    private static final String SUBMIT_DIR = "/home/alice/run";

    private static JobSpec submitted(String script, String jobJson) {
        SubmitRequest request = new SubmitRequest(script, List.of(), "alice", "login1", SUBMIT_DIR,
                Map.of("HOME", "/home/alice"));
        JsonFields job = Json.readObject("{\"job\": " + jobJson + "}").object("job");
        return SubmitParser.parse(request, Optional.of(job), SubmitDefaults.STANDARD, CLOCK);
    }

    private static String refusal(String jobJson) {
        return assertThrows(InvalidRequestException.class, () -> submitted("#!/bin/bash\ntrue\n", jobJson))
                .getMessage();
    }

    @Test
    void everyFieldReachesTheSpec() {
        JobSpec spec = submitted("#!/bin/bash\ntrue\n", """
                {"name": "sim", "queue": "batch",
                 "resources": {"nodes": 2, "coresPerNode": 4, "mpiprocsPerNode": 2, "memoryPerNode": 1073741824,
                               "walltimeSeconds": 600},
                 "priority": 10, "rerunnable": false, "userHold": true,
                 "stdoutPath": "out.txt", "stderrPath": "/tmp/err.txt", "join": "oe", "workDir": "/scratch/alice",
                 "array": {"expression": "1-3"},
                 "dependencies": [{"type": "afterok", "jobs": [5, 6]}, {"type": "AFTERANY", "jobs": [7]}],
                 "environment": {"MODE": "a,b", "STEPS": "100"},
                 "signal": "B:USR1@120"}""");
        assertEquals("sim", spec.name());
        assertEquals("batch", spec.queue());
        assertEquals(2, spec.resources().nodes());
        assertEquals(4, spec.resources().coresPerNode());
        assertEquals(2, spec.resources().mpiprocsPerNode());
        assertEquals(1L << 30, spec.resources().memoryPerNode());
        assertEquals(Duration.ofSeconds(600), spec.resources().walltime());
        assertEquals(10, spec.priority());
        assertEquals(false, spec.rerunnable());
        assertEquals(true, spec.userHold());
        assertEquals(SUBMIT_DIR + "/out.txt", spec.stdoutPath(), "a relative path is taken from the submit directory");
        assertEquals("/tmp/err.txt", spec.stderrPath());
        assertEquals(JoinMode.STDOUT_STDERR, spec.join());
        assertEquals("/scratch/alice", spec.workDir());
        assertEquals(List.of(1, 2, 3), spec.array().orElseThrow().indices());
        assertEquals(List.of(new Dependency(DependencyType.AFTEROK, List.of(5L, 6L)),
                new Dependency(DependencyType.AFTERANY, List.of(7L))), spec.dependencies());
        assertEquals("a,b", spec.environment().get("MODE"), "a map carries the commas -v cannot");
        assertEquals("100", spec.environment().get("STEPS"));
        assertEquals(new WalltimeSignal("USR1", 120, true), WalltimeSignal.of(spec.recorded()));
    }

    @Test
    void fieldsHaveTheLastWordOverTheScriptsDirectives() {
        JobSpec spec = submitted("#!/bin/bash\n#PBS -N fromscript\n#PBS -l walltime=01:00:00\n#PBS -p 5\ntrue\n",
                "{\"name\": \"fromjson\", \"resources\": {\"walltimeSeconds\": 60}}");
        assertEquals("fromjson", spec.name());
        assertEquals(Duration.ofSeconds(60), spec.resources().walltime());
        assertEquals(5, spec.priority(), "a directive the fields do not name stands");
    }

    @Test
    void theEnvironmentFollowsTheRulesOfMinusV() {
        JobSpec spec = submitted("#!/bin/bash\ntrue\n", "{\"environment\": {\"PBS_O_WORKDIR\": \"/elsewhere\"}}");
        assertEquals(SUBMIT_DIR, spec.environment().get("PBS_O_WORKDIR"), "the PBS_O_ set is qsub's own");
        assertTrue(refusal("{\"environment\": {\"HPC_TOKEN\": \"x\"}}").contains("credentials"));
        assertTrue(refusal("{\"environment\": {\"1BAD\": \"x\"}}").contains("'1BAD'"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"priority\": 5000}|field 'job.priority': ",
        "{\"join\": \"sideways\"}|field 'job.join' must be oe, eo or n, got 'sideways'",
        "{\"resources\": {\"nodes\": 0}}|field 'job.resources.nodes' must be from 1 to ",
        "{\"resources\": {\"walltimeSeconds\": 0}}|field 'job.resources.walltimeSeconds': a time limit must be longer",
        "{\"resources\": {\"gpus\": 1}}|gpus",
        "{\"dependencies\": [{\"type\": \"before\", \"jobs\": [3]}]}|field 'job.dependencies': dependency type 'before'",
        "{\"dependencies\": [{\"type\": \"afterok\", \"jobs\": []}]}|field 'job.dependencies': the afterok dependency",
        "{\"signal\": \"USR1@x\"}|field 'job.signal': ",
        "{\"queue\": \"no such queue!\"}|field 'job.queue': ",
        "{\"array\": {\"expression\": \"3-1\"}}|field 'job.array': ",
        "{\"colour\": \"blue\"}|colour"})
    void aBadFieldIsRefusedNamingIt(String jobJson, String expected) {
        String message = refusal(jobJson);
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }
}
