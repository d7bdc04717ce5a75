package dev.hpc.cli;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.client.JobQuery;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.QueueInfo;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code qstat [-f [-1]] [-F json|dsv [-D DELIM]] [-x] [-u USER] [-n] [-t] [ID...]}: the jobs of the cluster, as
 * Torque's table ({@link QstatFormat}) or PBS's full form ({@link QstatFullFormat}). Without ids it
 * pages through the whole listing; with ids it shows those, reports the unknown ones after the known
 * ones and exits 153 if any was unknown.
 */
@Command(name = "qstat", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        usageHelpAutoWidth = true, description = "Show the status of batch jobs.",
        footer = {"", "S column: Q queued, H held, W waiting for its -a start time, R running, C completed "
                + "(F with -x).", "Time Use is the wall-clock time used; CPU time is not collected yet.",
                "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered, 153 unknown job id."})
public final class QstatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "-f", description = "full display: every attribute of each job")
    boolean full;

    @Option(names = "-1", description = "with -f, one line per attribute (no wrapping); with -n, hosts on the "
            + "job's line")
    boolean oneLine;

    @Option(names = "-F", paramLabel = "FORMAT", description = "with -f, the output format: json, or dsv (one "
            + "line per job, attr=value separated by the -D delimiter)")
    String format;

    @Option(names = "-D", paramLabel = "DELIM", description = "with -F dsv, the delimiter between attributes "
            + "(default |)")
    String delimiter;

    @Option(names = "-x", description = "include finished jobs from the history")
    boolean history;

    @Option(names = "-u", paramLabel = "USER", description = "only the jobs of USER")
    String user;

    @Option(names = "-n", description = "show the hosts each job runs on")
    boolean nodes;

    @Option(names = "-t", description = "show each task of an array job")
    boolean tasks;

    @Option(names = "-Q", description = "the queues, with the counts of their jobs; with -f, every attribute of each queue")
    boolean queueStatus;

    @Option(names = "-q", description = "the queues with their limits, per server")
    boolean queueSummary;

    @Parameters(paramLabel = "ID", description = "job ids: 42, 42.cluster, 42[], 42[7]")
    List<String> ids = new ArrayList<>();

    @Override
    public Integer call() {
        if (format != null && !format.equalsIgnoreCase("json") && !format.equalsIgnoreCase("dsv")) {
            throw new UsageException("-F " + format + " is not supported; the formats are json and dsv");
        }
        boolean dsv = format != null && format.equalsIgnoreCase("dsv");
        if (delimiter != null && !dsv) {
            throw new UsageException("-D " + delimiter + " sets the delimiter of -F dsv; add -f -F dsv, or leave -D out");
        }
        if (delimiter != null && delimiter.isEmpty()) {
            throw new UsageException("-D needs a delimiter of one character or more, as in -D '|' or -D ';'");
        }
        boolean json = format != null && !dsv;
        HeadClient head = client.client();
        if (queueStatus || queueSummary) {
            return showQueues(head);
        }
        Instant now = Instant.now();
        PrintWriter out = spec.commandLine().getOut();
        List<String> errors = new ArrayList<>();
        int code = ExitCodes.OK;
        List<JobView> views = new ArrayList<>();
        if (ids.isEmpty()) {
            JobQuery query = JobQuery.all().withHistory(history)
                    .withUser(user == null ? "" : user);
            if (!full && format == null) {
                // Print page by page: a big queue does not have to fit in memory twice. A line per array needs
                // none of its sealed tasks, which can be a million of another user's.
                query = query.withSealedCounted(!tasks);
                QstatFormat.Options o = new QstatFormat.Options(history, tasks, nodes, oneLine);
                boolean header = false;
                while (true) {
                    HeadClient.JobPage page = head.jobs(query);
                    for (Job j : page.jobs()) {
                        if (!header) {
                            out.println(QstatFormat.HEADER);
                            header = true;
                        }
                        QstatFormat.lines(j, o, now).forEach(out::println);
                    }
                    if (page.next().isEmpty() || page.jobs().isEmpty() || page.next().get().equals(query.after())) {
                        break;
                    }
                    query = query.withAfter(page.next().get());
                }
                out.flush();
                return ExitCodes.OK;
            }
            for (Job j : head.allJobs(query)) {
                views.addAll(JobView.of(j, tasks));
            }
        } else {
            for (String id : ids) {
                try {
                    Optional<JobView> v = lookUp(head, id, views);
                    if (v.isEmpty()) {
                        errors.add("Unknown Job Id " + id);
                        code = ExitCodes.UNKNOWN_JOB;
                    }
                } catch (HpcApiException e) {
                    errors.add(e.isUnknownJob() ? "Unknown Job Id " + id : e.getMessage());
                    code = e.isUnknownJob() ? ExitCodes.UNKNOWN_JOB : worse(code, ExitCodes.ERROR);
                } catch (InvalidRequestException e) {
                    errors.add(e.getMessage());
                    code = worse(code, ExitCodes.ERROR);
                }
            }
        }
        ZoneId zone = Invocation.current().zone();
        if (dsv) {
            out.print(QstatFullFormat.dsv(views, delimiter == null ? "|" : delimiter, history, now, zone));
        } else if (json) {
            out.print(PbsJson.print(QstatFullFormat.json(views, serverName(head, views), history, now, zone)));
        } else if (full) {
            out.print(QstatFullFormat.text(views, oneLine, history, now, zone));
        } else if (!views.isEmpty()) {
            out.println(QstatFormat.HEADER);
            QstatFormat.Options o = new QstatFormat.Options(history, tasks, nodes, oneLine);
            for (JobView v : views) {
                QstatFormat.lines(v, o, now).forEach(out::println);
            }
        }
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        errors.forEach(e -> err.println("qstat: " + e));
        err.flush();
        return code;
    }

    /** {@code qstat -Q} and {@code qstat -q} (docs/scheduling.md). */
    private int showQueues(HeadClient head) {
        PrintWriter out = spec.commandLine().getOut();
        List<QueueInfo> queues = head.queues();
        if (queueStatus) {
            out.print(full ? QstatQueueFormat.full(queues) : QstatQueueFormat.queues(queues));
        }
        if (queueSummary) {
            out.print(QstatQueueFormat.summary(serverName(head, List.of()), queues));
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** Adds the views of one id; empty when the job exists but not the array index it names. */
    private Optional<JobView> lookUp(HeadClient head, String id, List<JobView> views) {
        JobId.JobRef ref = JobId.parse(id);
        Job job = head.job(id);
        if (user != null && !job.spec().owner().equals(user)) {
            return Optional.of(JobView.whole(job)); // known, but -u leaves it out
        }
        if (ref.arrayIndex().isPresent()) {
            Optional<JobView> v = JobView.task(job, ref.arrayIndex().get());
            v.ifPresent(views::add);
            return v;
        }
        views.addAll(JobView.of(job, tasks));
        return Optional.of(JobView.whole(job));
    }

    private static int worse(int current, int candidate) {
        return current == ExitCodes.UNKNOWN_JOB ? current : candidate;
    }

    /** The cluster's name for {@code pbs_server}: from the jobs, else asked from the head. */
    private static String serverName(HeadClient head, List<JobView> views) {
        if (!views.isEmpty()) {
            return views.get(0).job().id().cluster();
        }
        try {
            Map<String, Object> cluster = head.cluster();
            return String.valueOf(cluster.getOrDefault("cluster", ""));
        } catch (RuntimeException e) {
            return "";
        }
    }
}
