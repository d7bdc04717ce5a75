package dev.hpc.head.state;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.head.sched.Reservation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one command changed: jobs and nodes to make durable, effects to carry out once they are,
 * the job the caller asked about, and whether the scheduler should look again.
 */
public final class Outcome {
    private final List<Job> changedJobs = new ArrayList<>();
    private final List<NodeInfo> changedNodes = new ArrayList<>();
    private final List<Effect> effects = new ArrayList<>();
    private final List<Long> expired = new ArrayList<>();
    private final List<String> expiredSegments = new ArrayList<>();
    private final List<TaskSegment> sealed = new ArrayList<>();
    private Optional<String> queues = Optional.empty();
    private Optional<String> reservations = Optional.empty();
    private Optional<Reservation> reservationAnswer = Optional.empty();
    private Optional<Job> answer = Optional.empty();
    private boolean reschedule;
    private final List<Alert> alerts = new ArrayList<>();
    private Optional<NodeInfo> nodeAnswer = Optional.empty();

    void changed(Job job) {
        changedJobs.add(job);
    }

    void changed(NodeInfo node) {
        changedNodes.add(node);
    }

    /** Ended tasks sealed by this command: written once, in the same commit as the job that names them. */
    void sealed(TaskSegment segment) {
        sealed.add(segment);
    }

    public List<TaskSegment> sealedSegments() {
        return sealed;
    }

    /** The queues as {@code qmgr} left them ({@link dev.hpc.head.sched.QueueSettings#body}), when it changed them. */
    void queuesChanged(String body) {
        queues = Optional.of(body);
    }

    public Optional<String> changedQueues() {
        return queues;
    }

    /** The reservations as a command left them ({@link dev.hpc.head.sched.ReservationSettings#body}). */
    void reservationsChanged(String body) {
        reservations = Optional.of(body);
    }

    public Optional<String> changedReservations() {
        return reservations;
    }

    void answer(Reservation r) {
        reservationAnswer = Optional.of(r);
    }

    /** The reservation {@code pbs_rsub} made. */
    public Optional<Reservation> reservationAnswer() {
        return reservationAnswer;
    }

    void effect(Effect effect) {
        effects.add(effect);
    }

    void answer(Job job) {
        answer = Optional.of(job);
    }

    /** The caller's answer in the job's final form of this command, when the answer is that job. */
    void refreshAnswer(Job job) {
        if (answer.isPresent() && answer.get().id().number() == job.id().number()) {
            answer = Optional.of(job);
        }
    }

    void reschedule() {
        reschedule = true;
    }

    public List<Job> changedJobs() {
        return changedJobs;
    }

    public List<NodeInfo> changedNodes() {
        return changedNodes;
    }

    public List<Effect> effects() {
        return effects;
    }

    /** Jobs that left memory (finished longer ago than the keep time); the store keeps their history. */
    public List<Long> expiredJobs() {
        return expired;
    }

    /** The keys of the segments of the expired jobs ({@link TaskSegment#key}): they leave the replicas too. */
    public List<String> expiredSegments() {
        return expiredSegments;
    }

    void expired(long jobNumber, int segments) {
        for (int i = 0; i < segments; i++) {
            expiredSegments.add(TaskSegment.key(jobNumber, i));
        }
        expired.add(jobNumber);
    }

    public Optional<Job> answer() {
        return answer;
    }

    public boolean needsReschedule() {
        return reschedule;
    }

    void alert(Alert alert) {
        alerts.add(alert);
    }

    void answer(NodeInfo node) {
        nodeAnswer = Optional.of(node);
    }

    /** What an administrator should hear about, to tell once the change is durable. */
    public List<Alert> alerts() {
        return alerts;
    }

    /** The node a node command acted on, as it is now. */
    public Optional<NodeInfo> nodeAnswer() {
        return nodeAnswer;
    }

    public boolean isEmpty() {
        return changedJobs.isEmpty() && changedNodes.isEmpty() && effects.isEmpty() && alerts.isEmpty();
    }
}
