package dev.hpc.api.pbs;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A submission as qsub sends it: the script text (copied now, so the file may go away), the
 * command-line options in qsub syntax ({@code ["-N", "x", "-l", "nodes=2:ppn=4"]}), and where and by
 * whom it was submitted. The head parses the directives, so the REST API and the CLI accept exactly
 * the same things. {@code clientEnvironment} is what qsub sends of the submitter's environment, only
 * what {@code -V}, {@code -v} and the {@code PBS_O_*} set need ({@link SubmitEnvironment}); the head
 * keeps no more of it than that either, and never a credential.
 */
public record SubmitRequest(String script, List<String> options, String user, String submitHost, String submitDir,
                            Map<String, String> clientEnvironment) {
    public SubmitRequest {
        options = List.copyOf(options);
        clientEnvironment = Collections.unmodifiableMap(new TreeMap<>(clientEnvironment));
    }
}
