package dev.hpc.cli.bench;

import dev.hpc.api.Durations;
import dev.hpc.cli.ExitCodes;
import dev.hpc.cli.bench.chaos.ChaosReport;
import dev.hpc.cli.bench.chaos.ChaosResult;
import dev.hpc.cli.bench.chaos.ChaosSettings;
import dev.hpc.cli.bench.chaos.ChaosSuite;
import dev.hpc.cli.local.LocalCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code hpc bench chaos}: the fault suite ({@link ChaosSuite}) from the command line. It prints the seed first,
 * so that a run that found something can be repeated with {@code --seed}, and the report last; the exit code
 * says whether every bad column was 0.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"A fault suite on a local cluster with a standby head, started for the purpose and stopped "
                + "after: submits short jobs (through the REST client and qsub) while heads are killed and frozen, "
                + "workers crash and network links are cut and healed on a seeded random schedule, then accounts "
                + "for every acknowledged job from the lines the jobs themselves wrote, and checks that no two heads "
                + "acknowledged at once.",
                "Exit code 0 when no job was lost, ran twice at once, completed twice on a live node or was "
                        + "submitted twice, no head acknowledged out of turn, and every one ended COMPLETED; 1 "
                        + "otherwise."})
public final class ChaosBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "2000", description = "jobs to submit (default "
            + "${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "500ms", converter = DurationText.class,
            description = "how long each job runs (between its start and end lines; default ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "3", description = "workers (default "
            + "${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--cores", paramLabel = "N", defaultValue = "4", description = "cores per worker (default "
            + "${DEFAULT-VALUE})")
    int cores;

    @Option(names = "--submitters", paramLabel = "N", defaultValue = "4", description = "submissions in flight at "
            + "once (default ${DEFAULT-VALUE})")
    int submitters;

    @Option(names = "--qsub-every", paramLabel = "K", defaultValue = "2", description = "every K-th submission goes "
            + "through bin/qsub, the others through the REST client; 0: none through qsub (default "
            + "${DEFAULT-VALUE})")
    int qsubEvery;

    @Option(names = "--head-kills", paramLabel = "N", defaultValue = "6", description = "SIGKILLs of a head: two of "
            + "three of the active one, the rest of the standby (default ${DEFAULT-VALUE})")
    int headKills;

    @Option(names = "--worker-kills", paramLabel = "N", defaultValue = "6", description = "worker crashes: the agent "
            + "and all its tasks' processes, SIGKILL (default ${DEFAULT-VALUE})")
    int workerKills;

    @Option(names = "--freezes", paramLabel = "N", defaultValue = "2", description = "SIGSTOPs of a head, half of "
            + "them of the active one, SIGCONT after --freeze-for (default ${DEFAULT-VALUE})")
    int freezes;

    @Option(names = "--cuts", paramLabel = "N", defaultValue = "0", description = "network cuts, spread over: "
            + "between the heads; the active head from every worker; the standby from the other head, the workers "
            + "and the arbiter (clients still reach it); the active head from all of them. Each drops or resets "
            + "its links (drawn) for about --cut-for, then heals. With any, the daemons reach each other through "
            + "forwarders on ports P+200 on (default ${DEFAULT-VALUE})")
    int cuts;

    @Option(names = "--cut-for", paramLabel = "TIME", defaultValue = "8s", converter = DurationText.class,
            description = "how long a cut lasts, drawn from half to one and a half of it; past the lease (2.5 s), "
                    + "the head timeout (3 s by default) and the node timeout (5 s), an isolated active head is "
                    + "replaced and cut workers go down (default ${DEFAULT-VALUE})")
    Duration cutFor;

    @Option(names = "--interval", paramLabel = "TIME", defaultValue = "3s", converter = DurationText.class,
            description = "mean pause between the cluster's recovery and the next fault, drawn from half to one and "
                    + "a half of it (default ${DEFAULT-VALUE})")
    Duration interval;

    @Option(names = "--freeze-for", paramLabel = "TIME", defaultValue = "8s", converter = DurationText.class,
            description = "how long a frozen head stays frozen; past the lease (2.5 s by "
                    + "default) a frozen active head is replaced (default ${DEFAULT-VALUE})")
    Duration freezeFor;

    @Option(names = "--restart-after", paramLabel = "TIME", defaultValue = "1s", converter = DurationText.class,
            description = "how long a killed daemon stays down before it is started again (default "
                    + "${DEFAULT-VALUE})")
    Duration restartAfter;

    @Option(names = "--seed", paramLabel = "SEED", description = "the seed of the fault schedule (default: drawn "
            + "at random and printed)")
    Long seed;

    @Option(names = "--port", paramLabel = "P", description = "HTTP port of the first head; the second and the "
            + "arbiter take P+1 and P+2, the head cluster P+100 and P+101, with --cuts the forwarders P+200 to "
            + "P+205+2*workers (default: free ports)")
    Integer port;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "120s", converter = DurationText.class,
            description = "how long the cluster may take to recover from a fault, and a submission to be answered "
                    + "(default ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--drain-timeout", paramLabel = "TIME", defaultValue = "10m", converter = DurationText.class,
            description = "how long to wait at the end for every acknowledged job to end (default "
                    + "${DEFAULT-VALUE})")
    Duration drainTimeout;

    @Option(names = "--dir", paramLabel = "DIR", description = "where the cluster's logs and data, the jobs' "
            + "marker files and outputs go (default: a new temporary directory, removed afterwards unless the run "
            + "failed or --keep is given)")
    Path dir;

    @Option(names = "--keep", description = "keep the directory afterwards")
    boolean keep;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long theSeed = seed != null ? seed : new SecureRandom().nextLong();
        err.println("bench chaos: seed " + theSeed + " (repeat with --seed " + theSeed + ")");
        err.flush();
        Path work = BenchSupport.workDir(dir, "hpc-bench-chaos-");
        ChaosSettings settings = new ChaosSettings(LocalCommand.hpcHome(), work, port != null ? port : 0, workers,
                cores, jobs, duration, submitters, qsubEvery, headKills, workerKills, freezes, cuts, interval,
                freezeFor, cutFor, restartAfter, theSeed, timeout, drainTimeout, List.of());
        ChaosResult result;
        try {
            result = ChaosSuite.run(settings, err);
        } catch (RuntimeException e) {
            err.println("bench chaos: failed: " + e.getMessage() + "; logs and data kept in " + work);
            err.flush();
            throw e;
        }
        String report = ChaosReport.text(result);
        out.print(report);
        out.flush();
        try {
            Files.writeString(work.resolve("report.txt"), report);
        } catch (IOException e) {
            err.println("bench chaos: cannot write " + work.resolve("report.txt") + ": " + e.getMessage());
        }
        if (result.passed() && !keep && dir == null) {
            BenchSupport.deleteTree(work);
        } else {
            err.println("bench chaos: logs, marker files and data kept in " + work);
            err.flush();
        }
        return result.passed() ? ExitCodes.OK : ExitCodes.ERROR;
    }

    /** Durations as the daemons take them: 500ms, 5s, 2m, 1h, or plain seconds. */
    static final class DurationText implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String text) {
            return Durations.parse(text).orElseThrow(() -> new CommandLine.TypeConversionException("'" + text
                    + "' is not a duration: write 500ms, 5s, 2m or 1h"));
        }
    }
}
