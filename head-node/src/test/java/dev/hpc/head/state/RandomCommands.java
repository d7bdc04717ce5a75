package dev.hpc.head.state;

import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.IndexSet;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.Scheduler;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A random walk of every kind of command that changes jobs, for the tests that check something the state keeps
 * as jobs change against the same thing made from scratch after each step: submissions plain, held and arrays
 * in two queues by three users, scheduling cycles with their explanations, results, cancels of jobs and of
 * tasks, holds, releases, qalter of the queue and of a recorded attribute, qorder, qrerun, a lost node, expiry.
 */
final class RandomCommands {
    static final List<String> USERS = List.of("alice", "bob", "carol");
    static final List<String> QUEUES = List.of("batch", "short");

    private final ClusterState state = new ClusterState("c", 1, 1, 3);
    private Instant now;
    private long admitted;

    /** A state with the two queues and two nodes (n1 of 3 cores, n2 of 2), at {@code start}. */
    RandomCommands(Instant start) {
        now = start;
        state.useQueues(List.of(QueueDef.open(QUEUES.get(0)), QueueDef.open(QUEUES.get(1))), QUEUES.get(0));
        register("n1", 3);
        register("n2", 2);
    }

    ClusterState state() {
        return state;
    }

    /** Submissions admitted so far. */
    long admitted() {
        return admitted;
    }

    /** Moves the clock a second on and applies one command, which may be refused; says what it was. */
    String step(Random random) {
        now = now.plusSeconds(1);
        List<Job> jobs = state.jobs(JobFilter.ALL, 0, Integer.MAX_VALUE).jobs();
        Job some = jobs.isEmpty() ? null : jobs.get(random.nextInt(jobs.size()));
        JobId.JobRef whole = some == null ? null : JobId.parse(String.valueOf(some.id().number()));
        try {
            switch (random.nextInt(12)) {
                case 0, 1 -> {
                    Optional<String> array = random.nextBoolean() ? Optional.of("0-" + random.nextInt(12))
                            : Optional.empty();
                    JobSpec spec = spec(USERS.get(random.nextInt(USERS.size())),
                            QUEUES.get(random.nextInt(QUEUES.size())), array, random.nextInt(4) == 0);
                    state.apply(new Command.Admit(state.prepareSubmit(spec, now)));
                    admitted++;
                    return "submit";
                }
                case 2, 3 -> {
                    Plan plan = Scheduler.plan(state.snapshot(now), Policy.DEFAULT, now);
                    state.apply(new Command.Start(plan.placements(), now));
                    state.apply(new Command.Explain(plan.waiting(), plan.estimates()));
                    return "cycle";
                }
                case 4, 5 -> {
                    List<Task> running = jobs.stream().flatMap(j -> j.listedTasks().stream())
                            .filter(t -> t.state() == JobState.RUNNING).toList();
                    if (running.isEmpty()) {
                        return "no result";
                    }
                    Task t = running.get(random.nextInt(running.size()));
                    state.apply(new Command.Finish(t.currentNodes().get(0).node(), new TaskResult(
                            t.currentAttemptId(), "x", random.nextInt(3) == 0 ? 1 : 0, EndReason.EXITED, now)));
                    return "result";
                }
                case 6 -> {
                    if (some == null) {
                        return "no cancel";
                    }
                    String ref = some.id().array() && random.nextBoolean() ? some.id().number() + "[0]"
                            : String.valueOf(some.id().number());
                    state.apply(new Command.Cancel(JobId.parse(ref), "root", now));
                    return "cancel " + ref;
                }
                case 7 -> {
                    if (some == null) {
                        return "no hold";
                    }
                    state.apply(random.nextBoolean() ? new Command.Hold(whole, "root", random.nextBoolean() ? "u"
                            : "o") : new Command.Release(whole, "root", "u"));
                    return "hold or release of " + whole;
                }
                case 8 -> {
                    if (some == null) {
                        return "no alter";
                    }
                    if (random.nextBoolean()) {
                        String to = QUEUES.get(random.nextInt(QUEUES.size()));
                        state.apply(new Command.Alter(whole, s -> s.withQueue(to), "root", now));
                        return "alter of " + whole + " to " + to;
                    }
                    String account = String.valueOf(random.nextInt(3));
                    state.apply(new Command.Alter(whole, s -> s.withRecorded("Account_Name", account), "root", now));
                    return "alter of " + whole + "'s account";
                }
                case 9 -> {
                    if (jobs.size() < 2) {
                        return "no order";
                    }
                    Job other = jobs.get(random.nextInt(jobs.size()));
                    state.apply(new Command.Order(whole, JobId.parse(String.valueOf(other.id().number())), "root"));
                    return "order of " + whole + " and " + other.id();
                }
                case 10 -> {
                    if (some == null) {
                        return "no rerun";
                    }
                    state.apply(new Command.Rerun(whole, "root", now));
                    return "rerun of " + whole;
                }
                default -> {
                    if (random.nextBoolean()) {
                        state.apply(new Command.LoseNode("n2", "gone", EndReason.NODE_FAILURE, now));
                        register("n2", 2);
                        return "lose n2";
                    }
                    state.apply(new Command.Expire(now.minusSeconds(random.nextInt(30))));
                    return "expire";
                }
            }
        } catch (Rejection e) {
            return "refused: " + e.getMessage(); // a refused command changes nothing, which the callers check too
        }
    }

    private void register(String node, int cores) {
        state.apply(new Command.RegisterNode(new Register(node, node, cores, 8L << 30, Map.of(), "", List.of(),
                List.of()), now));
    }

    private static JobSpec spec(String owner, String queue, Optional<String> array, boolean held) {
        return new JobSpec("j", owner, "login", "#!/bin/sh\ntrue\n", "/home/" + owner, "/home/" + owner, Map.of(),
                queue, Resources.DEFAULT, array.map(a -> new ArraySpec(a, IndexSet.parse(a), 0)), List.of(), held, 0,
                true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }
}
