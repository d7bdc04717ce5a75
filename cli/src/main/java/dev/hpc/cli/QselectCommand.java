package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.JobQuery;
import dev.hpc.api.job.Job;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qselect [-u USER[,USER...]] [-s STATES] [-q QUEUE] [-N NAME] [-x]}: the ids of the jobs that
 * match every option given, one per line, as PBS's qselect prints them for scripts
 * ({@code qdel $(qselect -u alice -s Q)}) and for Open OnDemand. Finished jobs only with {@code -x}.
 */
@Command(name = "qselect", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        usageHelpAutoWidth = true, description = "Print the ids of the batch jobs that match the options, one per line.",
        footer = {"", "States: Q queued, H held, W waiting for its -a start time, R running, F finished (with -x).",
                "Exit codes: 0 ok (also when nothing matches), 1 refused, 2 usage, 3 no head answered."})
public final class QselectCommand implements Callable<Integer> {
    /** PBS's state letters; those we never show (B, E, M, S, T, U, X) are accepted and match nothing. */
    static final String PBS_STATES = "BEFHMQRSTUWX";

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "-u", paramLabel = "USER", description = "only the jobs of these users (user or user@host, "
            + "comma-separated)")
    String users;

    @Option(names = "-s", paramLabel = "STATES", description = "only jobs in one of these states, e.g. QR")
    String states;

    @Option(names = "-q", paramLabel = "QUEUE", description = "only the jobs of this queue (queue or queue@server)")
    String queue;

    @Option(names = "-N", paramLabel = "NAME", description = "only the jobs with this name")
    String name;

    @Option(names = "-x", description = "include finished jobs from the history (state F)")
    boolean history;

    /** What a job must match; an empty field matches every job. */
    record Criteria(Set<String> users, String states, String queue, String name, boolean history) {
        boolean matches(Job job, Instant now) {
            JobView v = JobView.whole(job);
            if (!history && v.state().isTerminal()) {
                return false;
            }
            return (users.isEmpty() || users.contains(job.spec().owner()))
                    && (states.isEmpty() || states.indexOf(v.letter(history, now)) >= 0)
                    && (queue.isEmpty() || queue.equals(job.spec().queue()))
                    && (name.isEmpty() || name.equals(job.spec().name()));
        }
    }

    /** The ids of the jobs that match, in the head's order. */
    static List<String> select(List<Job> jobs, Criteria c, Instant now) {
        List<String> ids = new ArrayList<>();
        for (Job j : jobs) {
            if (c.matches(j, now)) {
                ids.add(j.id().toString());
            }
        }
        return ids;
    }

    Criteria criteria() {
        Set<String> u = new TreeSet<>();
        if (users != null) {
            for (String one : users.split(",", -1)) {
                String user = one.contains("@") ? one.substring(0, one.indexOf('@')) : one;
                if (user.isBlank()) {
                    throw new UsageException("-u " + users + ": name each user, separated by commas (-u alice,bob)");
                }
                u.add(user.strip());
            }
        }
        String s = states == null ? "" : states;
        if (states != null) {
            if (s.isEmpty()) {
                throw new UsageException("-s needs state letters, e.g. -s QR");
            }
            for (char c : s.toCharArray()) {
                if (PBS_STATES.indexOf(c) < 0) {
                    throw new UsageException("-s " + states + ": '" + c + "' is not a PBS job state; use letters of "
                            + PBS_STATES + " (Q queued, H held, W waiting, R running, F finished with -x)");
                }
            }
        }
        String q = queue == null ? "" : queue.contains("@") ? queue.substring(0, queue.indexOf('@')) : queue;
        if (queue != null && q.isEmpty()) {
            throw new UsageException("-q " + queue + ": name a queue (-q batch)");
        }
        if (name != null && name.isEmpty()) {
            throw new UsageException("-N needs the job name to match");
        }
        return new Criteria(u, s, q, name == null ? "" : name, history);
    }

    @Override
    public Integer call() {
        Criteria c = criteria();
        HeadClient head = client.client();
        // the head filters what it can (one user, the queue), the rest is matched here
        JobQuery query = JobQuery.all().withHistory(history).withQueue(c.queue())
                .withUser(c.users().size() == 1 ? c.users().iterator().next() : "");
        List<String> ids = select(head.allJobs(query), c, Instant.now());
        PrintWriter out = spec.commandLine().getOut();
        ids.forEach(out::println);
        out.flush();
        return ExitCodes.OK;
    }
}
