package dev.hpc.head.sched;

import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * A queue (a PBS queue, a Slurm partition) as configured on the head.
 *
 * @param nodes             the nodes its jobs may use, by name; empty means every node
 * @param defaultWalltime   given to a job that asks for none ({@link Duration#ZERO}: none)
 * @param maxWalltime       the longest walltime a job may ask for ({@link Duration#ZERO}: no limit); also
 *                          the expected run time of a running job that has no walltime
 * @param maxCoresPerJob    the most cores one task may ask for, over all its nodes (0: no limit)
 * @param maxRunningPerUser the most tasks one user may run in the queue at once (0: no limit)
 * @param enabled           whether it accepts new jobs
 * @param started           whether its jobs are scheduled (a stopped queue accepts but runs nothing)
 * @param preemptTargets    the queues whose running jobs this queue's waiting jobs may stop to start (OpenPBS's
 *                          preempt_targets); only queues of a lower priority are ever preempted
 * @param preemptMode       what becomes of this queue's jobs when a higher queue preempts them
 * @param preemptGrace      how long this queue's preempted jobs have between SIGTERM and SIGKILL
 *                          ({@link Duration#ZERO}: SIGKILL at once)
 * @param aclUserEnable     whether only the users of {@code aclUsers} may put jobs into it (OpenPBS's
 *                          acl_user_enable); off, anyone may
 * @param aclUsers          the users whose jobs it takes when {@code aclUserEnable} is on (OpenPBS's acl_users)
 */
public record QueueDef(String name, int priority, Set<String> nodes, Duration defaultWalltime, Duration maxWalltime,
                       int maxCoresPerJob, int maxRunningPerUser, boolean enabled, boolean started,
                       Set<String> preemptTargets, PreemptMode preemptMode, Duration preemptGrace,
                       boolean aclUserEnable, Set<String> aclUsers) {

    /** What becomes of a preempted job: back to its queue with a new attempt to come, or cancelled. */
    public enum PreemptMode {
        REQUEUE,
        CANCEL
    }

    /** The grace a preempted job gets when its queue sets none, as Slurm's GraceTime would be set. */
    public static final Duration DEFAULT_PREEMPT_GRACE = Duration.ofSeconds(30);

    public QueueDef {
        nodes = Collections.unmodifiableSet(new TreeSet<>(nodes));
        preemptTargets = Collections.unmodifiableSet(new TreeSet<>(preemptTargets));
        aclUsers = Collections.unmodifiableSet(new TreeSet<>(aclUsers));
    }

    /** A queue any user may submit to. */
    public QueueDef(String name, int priority, Set<String> nodes, Duration defaultWalltime, Duration maxWalltime,
                    int maxCoresPerJob, int maxRunningPerUser, boolean enabled, boolean started,
                    Set<String> preemptTargets, PreemptMode preemptMode, Duration preemptGrace) {
        this(name, priority, nodes, defaultWalltime, maxWalltime, maxCoresPerJob, maxRunningPerUser, enabled, started,
                preemptTargets, preemptMode, preemptGrace, false, Set.of());
    }

    /** A queue that preempts nothing; its jobs, when preempted, are requeued after the default grace. */
    public QueueDef(String name, int priority, Set<String> nodes, Duration defaultWalltime, Duration maxWalltime,
                    int maxCoresPerJob, int maxRunningPerUser, boolean enabled, boolean started) {
        this(name, priority, nodes, defaultWalltime, maxWalltime, maxCoresPerJob, maxRunningPerUser, enabled, started,
                Set.of(), PreemptMode.REQUEUE, DEFAULT_PREEMPT_GRACE);
    }

    /** Whether a waiting job of this queue may stop a running job of {@code victim}. */
    public boolean mayPreempt(QueueDef victim) {
        return preemptTargets.contains(victim.name()) && victim.priority() < priority;
    }

    /**
     * Whether {@code user}'s jobs may enter this queue. The list binds every user, administrators included, as
     * OpenPBS's does: an administrator who must submit there adds themself (docs/scheduling.md).
     */
    public boolean admits(String user) {
        return !aclUserEnable || aclUsers.contains(user);
    }

    public QueueDef withPreemption(Set<String> targets, PreemptMode mode, Duration grace) {
        return new QueueDef(name, priority, nodes, defaultWalltime, maxWalltime, maxCoresPerJob, maxRunningPerUser,
                enabled, started, targets, mode, grace, aclUserEnable, aclUsers);
    }

    public QueueDef withUserList(boolean enable, Set<String> users) {
        return new QueueDef(name, priority, nodes, defaultWalltime, maxWalltime, maxCoresPerJob, maxRunningPerUser,
                enabled, started, preemptTargets, preemptMode, preemptGrace, enable, users);
    }

    /** A queue with no limits, enabled and started: what the head has when no queue is configured. */
    public static QueueDef open(String name) {
        return new QueueDef(name, 0, Set.of(), Duration.ZERO, Duration.ZERO, 0, 0, true, true);
    }

    public boolean allowsNode(String node) {
        return nodes.isEmpty() || nodes.contains(node);
    }

    public QueueDef withStarted(boolean s) {
        return new QueueDef(name, priority, nodes, defaultWalltime, maxWalltime, maxCoresPerJob, maxRunningPerUser,
                enabled, s,
                preemptTargets, preemptMode, preemptGrace, aclUserEnable, aclUsers);
    }

    public QueueDef withMaxRunningPerUser(int max) {
        return new QueueDef(name, priority, nodes, defaultWalltime, maxWalltime, maxCoresPerJob, max, enabled,
                started,
                preemptTargets, preemptMode, preemptGrace, aclUserEnable, aclUsers);
    }

    public QueueDef withNodes(Set<String> n) {
        return new QueueDef(name, priority, n, defaultWalltime, maxWalltime, maxCoresPerJob, maxRunningPerUser,
                enabled, started,
                preemptTargets, preemptMode, preemptGrace, aclUserEnable, aclUsers);
    }

    public QueueDef withPriority(int p) {
        return new QueueDef(name, p, nodes, defaultWalltime, maxWalltime, maxCoresPerJob, maxRunningPerUser, enabled,
                started,
                preemptTargets, preemptMode, preemptGrace, aclUserEnable, aclUsers);
    }

    public QueueDef withMaxWalltime(Duration w) {
        return new QueueDef(name, priority, nodes, defaultWalltime, w, maxCoresPerJob, maxRunningPerUser, enabled,
                started,
                preemptTargets, preemptMode, preemptGrace, aclUserEnable, aclUsers);
    }
}
