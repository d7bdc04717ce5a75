package dev.hpc.cli.bench.chaos;

import dev.hpc.api.job.JobState;
import dev.hpc.cli.bench.chaos.MarkerJob.Execution;
import dev.hpc.cli.bench.chaos.MarkerJob.Marks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Accounts for every submission from what its job bodies wrote, checked against what the head says at the end.
 * Pure: the marker lines, the head's answers and the crash times come in; the tally and a line of evidence per
 * finding come out.
 */
public final class ChaosAccount {
    /**
     * The tally per route and in all, what was found, one line per finding naming the job, and who acknowledged
     * in which epoch.
     */
    public record Result(Map<Submission.Route, Tally> byRoute, Tally total, List<String> findings, AckOrder.Result acks) {
        public Result {
            byRoute = Map.copyOf(byRoute);
            findings = List.copyOf(findings);
        }
    }

    private final Map<String, Marks> marks;
    private final Map<Long, HeadView> jobs;
    private final List<NodeLoss> kills;
    private final List<String> findings = new ArrayList<>();

    private ChaosAccount(Map<String, Marks> marks, Map<Long, HeadView> jobs, List<NodeLoss> kills) {
        this.marks = marks;
        this.jobs = jobs;
        this.kills = kills;
    }

    /**
     * @param submissions every submission sent
     * @param marks       the marker file of each submission, by its name (missing: the body never started)
     * @param jobs        every job the head knows at the end, by number
     * @param kills       every worker crashed, or cut from the active head
     */
    public static Result account(List<Submission> submissions, Map<String, Marks> marks, Map<Long, HeadView> jobs,
                                 List<NodeLoss> kills) {
        ChaosAccount a = new ChaosAccount(marks, jobs, kills);
        AckOrder.Result acks = AckOrder.check(submissions);
        a.findings.addAll(acks.findings());
        Map<Submission.Route, Tally> byRoute = new EnumMap<>(Submission.Route.class);
        for (Submission s : submissions) {
            Tally t = a.one(s);
            boolean attributed = s.acknowledged() && s.ack().map(Ack::attributed).orElse(false);
            int outOfTurn = acks.outOfTurn().contains(s.name()) ? 1 : 0;
            t = t.plus(new Tally(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, attributed ? 1 : 0, outOfTurn));
            byRoute.merge(s.route(), t, Tally::plus);
        }
        Tally total = byRoute.values().stream().reduce(Tally.zero(), Tally::plus);
        return new Result(byRoute, total, a.findings, acks);
    }

    private Tally one(Submission s) {
        Marks m = marks.getOrDefault(s.name(), Marks.none());
        int malformed = m.malformed().size();
        m.malformed().forEach(l -> findings.add(s.name() + ": unreadable marker line '" + l + "'"));
        Set<Long> numbers = jobsOf(s);
        if (s.jobNumber().isEmpty()) {
            int twice = numbers.size() > 1 ? 1 : 0;
            if (twice > 0) {
                findings.add("SUBMITTED TWICE: " + s.name() + " (" + s.route() + ", gave up: " + s.error() + ") made jobs "
                        + numbers);
            }
            return new Tally(1, 0, 1, numbers.isEmpty() ? 0 : 1, 0, 0, 0, 0, 0, twice, 0, 0, 0, malformed, 0, 0);
        }
        long number = s.jobNumber().getAsLong();
        String id = s.name() + " (" + s.route() + ", job " + s.jobId().orElseThrow() + ")";
        int submittedTwice = 0;
        if (numbers.stream().anyMatch(n -> n != number)) {
            submittedTwice = 1;
            findings.add("SUBMITTED TWICE: " + id + ": jobs " + numbers + describeOthers(numbers, number));
        }
        List<Execution> runs = m.executions().stream().filter(e -> e.jobNumber() == number).toList();
        boolean completed = runs.stream().anyMatch(Execution::ended);
        Optional<HeadView> head = Optional.ofNullable(jobs.get(number));
        boolean pending = head.map(h -> !h.state().isTerminal()).orElse(false);
        int lost = 0;
        if (!completed && !pending) {
            lost = 1;
            findings.add("LOST: " + id + ": no end line (" + runs.size() + " runs started: " + describe(runs)
                    + "); the head says " + head.map(ChaosAccount::describe).orElse("it does not know the job"));
        }
        int notTerminal = 0;
        if (pending) {
            notTerminal = 1;
            findings.add("NOT TERMINAL: " + id + ": the head says " + describe(head.get()));
        }
        int notCompleted = 0;
        if (!pending && head.map(h -> h.state() != JobState.COMPLETED || h.exitStatus() != 0).orElse(true)) {
            notCompleted = 1;
            findings.add("NOT COMPLETED: " + id + ": the head says " + head.map(ChaosAccount::describe)
                    .orElse("it does not know the job") + "; runs: " + describe(runs));
        }
        int missing = 0;
        if (head.isPresent() && !head.get().listed()) {
            missing = 1;
            findings.add("MISSING FROM qstat -x: " + id + ": the head answers for it by number but its listing lacks it");
        }
        int overlap = overlaps(runs) ? 1 : 0;
        if (overlap > 0) {
            findings.add("RAN TWICE AT ONCE: " + id + ": " + describe(runs));
        }
        int[] twice = completedTwice(runs);
        if (twice[1] > 0) {
            findings.add("COMPLETED TWICE, NODE ALIVE: " + id + ": " + describe(runs));
        }
        return new Tally(1, 1, 0, 0, completed ? 1 : 0, twice[1] > 0 ? 0 : twice[0], lost, overlap,
                twice[1] > 0 ? 1 : 0, submittedTwice, notTerminal, notCompleted, missing, malformed, 0, 0);
    }

    /** Every job number that belongs to the submission: the acknowledged one, and any with its name, key or file. */
    private Set<Long> jobsOf(Submission s) {
        Set<Long> out = new TreeSet<>();
        s.jobNumber().ifPresent(out::add);
        marks.getOrDefault(s.name(), Marks.none()).executions().forEach(e -> out.add(e.jobNumber()));
        String key = s.key().isEmpty() ? s.jobNumber().stream().mapToObj(n -> Optional.ofNullable(jobs.get(n)))
                .flatMap(Optional::stream).map(HeadView::key).findFirst().orElse("") : s.key();
        for (HeadView h : jobs.values()) {
            if (h.name().equals(s.name()) || (!key.isEmpty() && h.key().equals(key))) {
                out.add(h.number());
            }
        }
        return out;
    }

    private String describeOthers(Set<Long> numbers, long acknowledged) {
        StringBuilder b = new StringBuilder();
        for (long n : numbers) {
            if (n != acknowledged) {
                b.append("; job ").append(n).append(": ").append(Optional.ofNullable(jobs.get(n))
                        .map(ChaosAccount::describe).orElse("unknown to the head, seen in the marker file"));
            }
        }
        return b.toString();
    }

    /**
     * The end of a run: its end line, else the first loss of its node after it started, else never. A run on a
     * node cut from the active head ended when the cut began (or when it started, if later) whatever it wrote
     * afterwards, if the head launched it before the cut healed and it ran on after the cut began: it ran on
     * unseen (or its launch, held by the cut, arrived late), and the head, which cannot tell a cut from a crash,
     * rightly ran it again elsewhere.
     */
    private long endOf(Execution e) {
        long end = e.endNs().isPresent() ? e.endNs().getAsLong() : crashAfter(e).orElse(Long.MAX_VALUE);
        for (NodeLoss k : cutsOf(e)) {
            if (end >= k.wallNs()) {
                end = Math.min(end, Math.max(k.wallNs(), e.startNs()));
            }
        }
        return end;
    }

    /** The cuts of the run's node from the active head that its launch went out before the end of. */
    private List<NodeLoss> cutsOf(Execution e) {
        long launched = launchOf(e);
        return kills.stream().filter(k -> k.cause() == NodeLoss.Cause.CUT && k.node().equals(e.node())
                && launched <= k.untilNs()).toList();
    }

    /**
     * When the head launched the run: its record of the attempt's start, else (a head that no longer knows the
     * attempt) the run's own start line.
     */
    private long launchOf(Execution e) {
        return Optional.ofNullable(jobs.get(e.jobNumber())).map(h -> h.dispatched().get(e.attempt()))
                .map(ns -> Math.min(ns, e.startNs())).orElse(e.startNs());
    }

    /** The first loss (crash or cut) of the run's node that it was under: one that ended after it started. */
    private OptionalLong crashAfter(Execution e) {
        return kills.stream().filter(k -> k.node().equals(e.node()) && k.untilNs() >= e.startNs())
                .mapToLong(k -> Math.max(k.wallNs(), e.startNs())).min();
    }

    /**
     * Whether two runs overlap. A run that counts as ended before it started (a launch a cut held, which started
     * its task after the cut began) overlaps nothing: the head could not stop it.
     */
    private boolean overlaps(List<Execution> runs) {
        for (int i = 0; i < runs.size(); i++) {
            for (int j = i + 1; j < runs.size(); j++) {
                Execution a = runs.get(i);
                Execution b = runs.get(j);
                long endA = endOf(a);
                long endB = endOf(b);
                if (endA > a.startNs() && endB > b.startNs() && a.startNs() < endB && b.startNs() < endA) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * {@code [node died, node alive]}: whether the job wrote more than one end line, and whether all of them but
     * one came from runs whose node was lost while the head still counted on them: crashed after the run started
     * (or cut from the active head after the head launched it), with another run of the job started after the
     * loss began, so that the loss is what made the head run it again. A crash of the same node after the rerun
     * began explains nothing.
     */
    private int[] completedTwice(List<Execution> runs) {
        List<Execution> ended = runs.stream().filter(Execution::ended).toList();
        if (ended.size() < 2) {
            return new int[] {0, 0};
        }
        long unexplained = ended.stream().filter(e -> !supersededByLoss(e, runs)).count();
        return unexplained > 1 ? new int[] {0, 1} : new int[] {1, 0};
    }

    private boolean supersededByLoss(Execution e, List<Execution> runs) {
        long launched = launchOf(e);
        return kills.stream().anyMatch(k -> k.node().equals(e.node()) && k.untilNs() >= launched
                && (k.cause() == NodeLoss.Cause.CRASH
                || e.endNs().orElse(Long.MAX_VALUE) + RESULT_IN_FLIGHT_NS >= k.wallNs())
                && runs.stream().anyMatch(o -> o != e && o.startNs() >= k.wallNs()));
    }

    /**
     * How long after a run's end its result may still be on its way to the head: a cut that begins within it
     * holds the result, and the head, which then counts the node as lost, rightly runs the job again (ChaosIT saw
     * three runs that ended 80–600 ms before such a cut run twice so).
     */
    private static final long RESULT_IN_FLIGHT_NS = Duration.ofSeconds(2).toNanos();

    private static String describe(HeadView h) {
        return h.state() + (h.state().isTerminal() ? " (exit " + h.exitStatus() + (h.reason().isEmpty() ? ""
                : ", " + h.reason()) + ")" : "");
    }

    private String describe(List<Execution> runs) {
        if (runs.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        for (Execution e : runs) {
            if (!b.isEmpty()) {
                b.append(", ");
            }
            b.append("attempt ").append(e.attempt()).append(" on ").append(e.node()).append(" [").append(e.startNs())
                    .append(", ").append(e.endNs().isPresent() ? String.valueOf(e.endNs().getAsLong())
                            : crashAfter(e).isPresent() ? "node lost " + crashAfter(e).getAsLong() : "no end").append(']');
        }
        return b.toString();
    }
}
