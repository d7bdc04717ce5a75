package dev.hpc.mpi;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One command to start on a node of the allocation: the body of {@code POST /api/v1/jobs/{id}/spawn}.
 * {@code argv} is joined by blanks and run by {@code sh -c} on the node, as ssh does. {@code spawnId} is the
 * caller's own name for this one command: sent again (to a head that took over), the same request finds the
 * same command instead of starting a second one. {@code resume} marks a request sent again to follow a
 * command already started: the worker never starts it anew.
 */
public record SpawnRequest(JobContext job, String host, List<String> argv, Map<String, String> environment,
                           String workDir, String spawnId, boolean resume) {
    public SpawnRequest {
        argv = List.copyOf(argv);
        environment = new TreeMap<>(environment);
    }

    /** A request for a new command, with a fresh spawn id. */
    public SpawnRequest(JobContext job, String host, List<String> argv, Map<String, String> environment,
                        String workDir) {
        this(job, host, argv, environment, workDir, UUID.randomUUID().toString(), false);
    }

    /** The same request, to follow the command it started through another head. */
    public SpawnRequest resuming() {
        return new SpawnRequest(job, host, argv, environment, workDir, spawnId, true);
    }

    /** The JSON body, written by hand: this runs at every MPI launch and loads no JSON library. */
    String json() {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"attemptId\":").append(job.attemptId());
        b.append(",\"token\":");
        string(b, job.token());
        b.append(",\"host\":");
        string(b, host);
        b.append(",\"argv\":[");
        for (int i = 0; i < argv.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            string(b, argv.get(i));
        }
        b.append("],\"environment\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : environment.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            string(b, e.getKey());
            b.append(':');
            string(b, e.getValue());
        }
        b.append("},\"workDir\":");
        string(b, workDir);
        b.append(",\"spawnId\":");
        string(b, spawnId);
        if (resume) {
            b.append(",\"resume\":true");
        }
        return b.append('}').toString();
    }

    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
