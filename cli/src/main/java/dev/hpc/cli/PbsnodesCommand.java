package dev.hpc.cli;

import dev.hpc.api.HeadClient;
import dev.hpc.api.HpcApiException;
import dev.hpc.api.NodeInfo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pbsnodes [-a] [-l] [NODE...]}: the worker nodes, in Torque's form ({@link PbsnodesFormat}). */
@Command(name = "pbsnodes", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        usageHelpAutoWidth = true, description = "Show the worker nodes of the cluster.",
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

    @Parameters(paramLabel = "NODE", description = "node names (default: every node)")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
        HeadClient head = client.client();
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
        out.print(unavailable ? PbsnodesFormat.unavailableList(nodes) : PbsnodesFormat.nodes(nodes));
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        errors.forEach(e -> err.println("pbsnodes: " + e));
        err.flush();
        return errors.isEmpty() ? ExitCodes.OK : ExitCodes.ERROR;
    }
}
