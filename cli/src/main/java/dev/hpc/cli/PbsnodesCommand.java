package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.job.NodeInfo;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pbsnodes [-a] [-l] [-S[j]] [-F json] [NODE...]}: the worker nodes, in Torque's form
 * ({@link PbsnodesFormat}) or as OpenPBS's JSON;
 * {@code pbsnodes -o NODE... [-N note]} takes nodes offline and {@code pbsnodes -c NODE...} clears
 * them, silently on success as in PBS.
 */
@Command(name = "pbsnodes", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        usageHelpAutoWidth = true, description = {"Show the worker nodes of the cluster, or take them offline "
                + "(-o) and back (-c).",
                "An offline node takes no new work; what runs on it goes on."},
        footer = {"", "Exit codes: 0 ok, 1 unknown node or refused, 2 usage, 3 no head answered."})
public final class PbsnodesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "-a", description = "every attribute of each node (the default)")
    boolean all;

    @Option(names = "-l", description = "list the nodes that take no new work (down, offline, draining) with "
            + "their reason")
    boolean unavailable;

    @Option(names = "-o", description = "take the named nodes offline (no new work; running work goes on)")
    boolean offline;

    @Option(names = "-c", description = "clear the offline (and drain) state of the named nodes")
    boolean clear;

    @Option(names = "-S", description = "a summary line (with -F json: object) per node, as OpenPBS's pbsnodes -S")
    boolean summary;

    @Option(names = "-j", description = "with -S: the jobs of each node and its free/total cores and memory")
    boolean jobSummary;

    @Option(names = "-F", paramLabel = "json", description = "the output format; only json (OpenPBS's form)")
    String format;

    @Option(names = "-N", paramLabel = "NOTE", description = "with -o: why, shown as the node's note")
    String note;

    @Parameters(paramLabel = "NODE", description = "node names (default: every node)")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
        if (offline && clear) {
            throw new UsageException("-o and -c exclude each other: take nodes offline or clear them");
        }
        if ((offline || clear) && names.isEmpty()) {
            throw new UsageException((offline ? "-o" : "-c") + " needs the names of the nodes to change");
        }
        if (note != null && !offline) {
            throw new UsageException("-N sets the note of a node taken offline: use it with -o");
        }
        if ((offline || clear) && (unavailable || all)) {
            throw new UsageException("-o and -c change nodes; show them with a separate pbsnodes -a or -l");
        }
        if (format != null && !format.equalsIgnoreCase("json")) {
            throw new UsageException("-F " + format + " is not supported; only -F json is");
        }
        if ((offline || clear) && (summary || jobSummary || format != null)) {
            throw new UsageException("-S, -j and -F show nodes; -o and -c change them: use them separately");
        }
        if (jobSummary && !summary) {
            throw new UsageException("-j adds the jobs to the summary: use it with -S (pbsnodes -aSj)");
        }
        if (summary && format == null) {
            throw new UsageException("-S is available as JSON only here: add -F json (pbsnodes -aSj -F json)");
        }
        if (unavailable && format != null) {
            throw new UsageException("-l lists unavailable nodes as text; for JSON use pbsnodes -a -F json");
        }
        HeadClient head = client.client();
        return offline || clear ? change(head) : show(head);
    }

    private int show(HeadClient head) {
        List<NodeInfo> nodes = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        if (names.isEmpty()) {
            nodes.addAll(head.nodes());
        } else {
            for (String name : names) {
                try {
                    nodes.add(head.node(name));
                } catch (HpcApiException e) {
                    errors.add(e.isUnknownNode() || e.status() == 404 ? "Unknown node " + name : e.getMessage());
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format != null) {
            out.print(PbsJson.print(PbsnodesFormat.json(nodes, serverName(head), summary, jobSummary,
                    Instant.now())));
            out.flush();
            return report(errors);
        }
        out.print(unavailable ? PbsnodesFormat.unavailableList(nodes) : PbsnodesFormat.nodes(nodes));
        out.flush();
        return report(errors);
    }

    /** The cluster's name, OpenPBS's {@code pbs_server}; empty when the head does not say. */
    private static String serverName(HeadClient head) {
        try {
            return String.valueOf(head.cluster().getOrDefault("cluster", ""));
        } catch (RuntimeException e) {
            return "";
        }
    }

    private int change(HeadClient head) {
        List<String> errors = new ArrayList<>();
        for (String name : names) {
            try {
                if (offline) {
                    head.offline(name, note == null ? "" : note);
                } else {
                    head.clear(name);
                }
            } catch (HpcApiException e) {
                errors.add(e.isUnknownNode() || e.status() == 404 ? "Unknown node " + name : e.getMessage());
            }
        }
        return report(errors);
    }

    private int report(List<String> errors) {
        PrintWriter err = spec.commandLine().getErr();
        errors.forEach(e -> err.println("pbsnodes: " + e));
        err.flush();
        return errors.isEmpty() ? ExitCodes.OK : ExitCodes.ERROR;
    }
}
