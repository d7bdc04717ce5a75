package dev.hpc.cli;

import dev.hpc.api.HeadClient;
import dev.hpc.api.HpcApiException;
import dev.hpc.api.NodeInfo;
import dev.hpc.api.NodeState;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hpc worker stop|drain NODE...}: take workers out of the cluster cleanly (see docs/nodes.md). */
@Command(name = "worker", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        description = "Drain or stop worker nodes through the head.",
        subcommands = {WorkerCommand.Stop.class, WorkerCommand.Drain.class})
public final class WorkerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    private static String unknownOr(HpcApiException e, String name) {
        return e.isUnknownNode() || e.status() == 404 ? "Unknown node " + name : e.getMessage();
    }

    /** {@code hpc worker stop NODE... [--drain] [--wait SECONDS]}. */
    @Command(name = "stop", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"Stop the worker of each node: the head tells it to exit.",
                    "Without --drain its running tasks are killed now and requeued (or fail when not "
                            + "rerunnable); with --drain the node takes no new work and its worker exits once "
                            + "its tasks have ended."},
            footer = {"", "Exit codes: 0 ok, 1 unknown node, refused or not stopped in time, 2 usage, 3 no head "
                    + "answered."})
    public static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions client;

        @Option(names = "--drain", description = "let the running tasks finish first")
        boolean drain;

        @Option(names = "--wait", paramLabel = "SECONDS", description = "wait until the node is down, at most "
                + "this long (0 = do not wait; the default)")
        int waitSeconds;

        @Parameters(arity = "1..*", paramLabel = "NODE", description = "the nodes whose workers to stop")
        List<String> names = new ArrayList<>();

        @Override
        public Integer call() {
            if (waitSeconds < 0) {
                throw new UsageException("--wait must be 0 or more seconds");
            }
            HeadClient head = client.client();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            boolean failed = false;
            List<String> stopping = new ArrayList<>();
            for (String name : names) {
                try {
                    NodeInfo n = head.stopWorker(name, drain);
                    if (n.state() == NodeState.DOWN) {
                        out.println(name + ": stopped");
                    } else {
                        int count = n.tasks().size();
                        out.println(name + ": draining; its worker stops once its " + count + " running task"
                                + (count == 1 ? " has" : "s have") + " ended");
                        stopping.add(name);
                    }
                } catch (HpcApiException e) {
                    failed = true;
                    err.println("hpc worker stop: " + unknownOr(e, name));
                }
            }
            out.flush();
            if (waitSeconds > 0 && !stopping.isEmpty()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
                for (String name : stopping) {
                    while (head.node(name).state() != NodeState.DOWN) {
                        if (System.nanoTime() - deadline > 0) {
                            failed = true;
                            err.println("hpc worker stop: " + name + " is still draining after " + waitSeconds + " s");
                            break;
                        }
                        pause();
                    }
                }
                if (!failed) {
                    out.println("stopped: " + String.join(", ", stopping));
                }
            }
            out.flush();
            err.flush();
            return failed ? ExitCodes.ERROR : ExitCodes.OK;
        }

        private static void pause() {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UsageException("interrupted");
            }
        }
    }

    /** {@code hpc worker drain NODE... [-N note]}. */
    @Command(name = "drain", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"Drain nodes: no new work; running tasks finish; the workers keep running.",
                    "'pbsnodes -c NODE' puts a node back in service."})
    public static final class Drain implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions client;

        @Option(names = "-N", paramLabel = "NOTE", description = "why, shown as the node's note")
        String note;

        @Parameters(arity = "1..*", paramLabel = "NODE", description = "the nodes to drain")
        List<String> names = new ArrayList<>();

        @Override
        public Integer call() {
            HeadClient head = client.client();
            PrintWriter err = spec.commandLine().getErr();
            boolean failed = false;
            for (String name : names) {
                try {
                    head.drain(name, note == null ? "" : note);
                } catch (HpcApiException e) {
                    failed = true;
                    err.println("hpc worker drain: " + unknownOr(e, name));
                }
            }
            err.flush();
            return failed ? ExitCodes.ERROR : ExitCodes.OK;
        }
    }
}
