package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.cli.local.LocalCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
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

/**
 * {@code hpc worker stop|drain NODE...}: take workers out of the cluster cleanly (see docs/nodes.md);
 * {@code hpc worker --simulate N}: play N nodes in one process for scale measurements (docs/performance.md).
 */
@Command(name = "worker", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        usageHelpAutoWidth = true,
        description = {"Drain or stop worker nodes through the head; or, with --simulate N, play N worker nodes "
                + "in one process (no task processes: each task 'runs' for its walltime's share or a sampled "
                + "time), in the foreground until Ctrl-C."},
        subcommands = {WorkerCommand.Stop.class, WorkerCommand.Drain.class})
public final class WorkerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "--simulate", paramLabel = "N", description = "simulate N worker nodes against the heads")
    Integer simulate;

    @Option(names = "--cores", paramLabel = "C", defaultValue = "16",
            description = "with --simulate: cores per node (default ${DEFAULT-VALUE})")
    int cores;

    @Option(names = "--memory-gb", paramLabel = "GB", defaultValue = "64",
            description = "with --simulate: memory per node in GiB (default ${DEFAULT-VALUE})")
    int memoryGb;

    @Option(names = "--prefix", defaultValue = "sim",
            description = "with --simulate: nodes are named PREFIX1..PREFIXN (default ${DEFAULT-VALUE})")
    String prefix;

    @Option(names = "--task-seconds", paramLabel = "S", defaultValue = "1",
            description = "with --simulate: mean run time of a task without walltime (default ${DEFAULT-VALUE}); "
                    + "a task with a walltime runs 10-90%% of it")
    double taskSeconds;

    @Option(names = "--heartbeat-ms", paramLabel = "MS", defaultValue = "1000",
            description = "with --simulate: heartbeat interval, match the head's --heartbeat (default ${DEFAULT-VALUE})")
    int heartbeatMs;

    @Option(names = "--ramp-per-second", paramLabel = "R", defaultValue = "2000",
            description = "with --simulate: nodes connecting per second at start (default ${DEFAULT-VALUE})")
    int rampPerSecond;

    @Option(names = "--jvm-option", paramLabel = "OPTION",
            description = "with --simulate: an option for the simulator's JVM, e.g. --jvm-option=-Xmx2g (repeatable)")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--properties", paramLabel = "NAME[,NAME...]",
            description = "with --simulate: node properties of every simulated node, e.g. ib,bigmem")
    List<String> properties = new ArrayList<>();

    @Option(names = "--resource", paramLabel = "NAME=VALUE",
            description = "with --simulate: a string-valued host resource of every simulated node, e.g. "
                    + "gpu_model=v100 (repeatable)")
    List<String> resources = new ArrayList<>();

    @Option(names = "--cluster-secret-file", paramLabel = "FILE",
            description = "with --simulate: the cluster's secret, which every simulated node proves to the heads "
                    + "(needed unless the heads run with --insecure-no-secret)")
    Path clusterSecretFile;

    @Override
    public Integer call() {
        if (simulate == null) {
            spec.commandLine().usage(spec.commandLine().getErr());
            return ExitCodes.USAGE;
        }
        if (simulate < 1) {
            throw new UsageException("--simulate needs a number of nodes of 1 or more, got " + simulate);
        }
        List<String> heads = client.client().heads();
        List<String> args = new ArrayList<>(List.of("--nodes", Integer.toString(simulate), "--heads",
                String.join(",", heads), "--cores", Integer.toString(cores), "--memory-gb", Integer.toString(memoryGb),
                "--prefix", prefix, "--task-seconds", Double.toString(taskSeconds), "--heartbeat-ms",
                Integer.toString(heartbeatMs), "--ramp-per-second", Integer.toString(rampPerSecond)));
        if (!properties.isEmpty()) {
            args.add("--properties");
            args.add(String.join(",", properties));
        }
        for (String r : resources) {
            args.add("--resource");
            args.add(r);
        }
        if (clusterSecretFile != null) {
            args.add("--cluster-secret-file");
            args.add(clusterSecretFile.toAbsolutePath().toString());
        }
        return SimulatorLauncher.run(SimulatorLauncher.command(LocalCommand.hpcHome(),
                jvmOptions, args));
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
