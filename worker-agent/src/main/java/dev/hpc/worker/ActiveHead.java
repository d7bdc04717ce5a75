package dev.hpc.worker;

import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.RunningTask;
import dev.hpc.api.wire.WireMessage.TaskFinished;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.api.wire.WireMessage.TaskStarted;
import dev.hpc.api.wire.WireMessage.Welcome;
import dev.hpc.api.wire.WireMessage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Which head this worker obeys (DESIGN.md invariant 2): the welcomed link with the highest epoch, by the epoch
 * fence. TaskStarted and TaskFinished go there; a link that becomes the active one is told what it has not
 * heard yet. Event loop only.
 */
final class ActiveHead {
    private static final Logger LOG = Logger.getLogger(ActiveHead.class.getName());

    private final List<HeadLink> links;
    private final TaskTable tasks;
    /** Gets the heartbeat interval of each welcome that makes its link the active one. */
    private final Consumer<Duration> heartbeatInterval;
    /** Kept in the spool, so that a restarted worker still refuses a deposed head; read at start. */
    private EpochFence fence = new EpochFence();
    private Optional<HeadLink> active = Optional.empty();

    ActiveHead(List<HeadLink> links, TaskTable tasks, Consumer<Duration> heartbeatInterval) {
        this.links = links;
        this.tasks = tasks;
        this.heartbeatInterval = heartbeatInterval;
    }

    /** The fence read from the spool (on a worker thread, before any link starts). */
    void keep(EpochFence kept) {
        fence = kept;
    }

    /** A command counts only on a welcomed link and at the highest epoch seen. */
    boolean admitted(HeadLink link, long epoch, String what) {
        if (!link.welcomed()) {
            LOG.warning(() -> "ignored the " + what + " from head " + link.headName() + ": it has not welcomed this worker");
            return false;
        }
        if (!fence.admits(epoch)) {
            LOG.warning(() -> "ignored the " + what + " from head " + link.headName() + ": its epoch " + epoch
                    + " is older than epoch " + fence.highest().getAsLong());
            link.send(new WireMessage.NewerEpoch(fence.highest().getAsLong()));
            return false;
        }
        if (fence.observe(epoch) == EpochFence.Verdict.NEWER) {
            active = Optional.of(link);
            LOG.info(() -> "head " + link.headName() + " raised the epoch to " + epoch + ": it is the active head");
        }
        return true;
    }

    void welcomed(HeadLink link, Welcome w) {
        switch (fence.observe(w.epoch())) {
            case NEWER -> makeActive(link, w);
            case SAME -> {
                if (active.filter(HeadLink::welcomed).isEmpty() || active.get() == link) {
                    makeActive(link, w);
                }
            }
            case STALE -> {
                LOG.warning(() -> "head " + link.headName() + " welcomed this worker with epoch " + w.epoch()
                        + ", older than epoch " + fence.highest().getAsLong()
                        + " already seen: it is not obeyed, only told heartbeats, and told it was deposed");
                link.send(new WireMessage.NewerEpoch(fence.highest().getAsLong()));
            }
        }
    }

    private void makeActive(HeadLink link, Welcome w) {
        boolean changed = active.filter(a -> a == link).isEmpty();
        active = Optional.of(link);
        if (changed) {
            LOG.info(() -> "active head is " + link.headName() + ", epoch " + w.epoch());
        }
        heartbeatInterval.accept(w.heartbeatInterval());
        // what happened between the registration and this welcome reaches the head now
        for (RunningTask t : tasks.running()) {
            if (t.pid() > 0 && !link.registeredWithPid(t.attemptId())) {
                link.send(new TaskStarted(t.attemptId(), t.pid()));
            }
        }
        for (TaskResult r : tasks.unacknowledged()) {
            if (!link.registeredResult(r.attemptId())) {
                link.send(new TaskFinished(r));
            }
        }
    }

    void refused(HeadLink link) {
        if (active.filter(a -> a == link).isPresent()) {
            active = Optional.empty();
            LOG.warning(() -> "the active head " + link.headName() + " refused this worker: no head to obey now");
        }
    }

    void closed(HeadLink link) {
        if (active.filter(a -> a == link).isEmpty()) {
            return;
        }
        active = Optional.empty();
        // another link to a head of the same epoch (the same head under another address) takes over
        long epoch = link.welcomeEpoch();
        links.stream().filter(l -> l != link && l.welcomed() && l.welcomeEpoch() == epoch).findFirst()
                .ifPresent(l -> {
                    active = Optional.of(l);
                    LOG.info(() -> "active head is now " + l.headName() + ", epoch " + epoch);
                    tasks.unacknowledged().forEach(r -> l.send(new TaskFinished(r)));
                });
        if (active.isEmpty()) {
            LOG.warning(() -> "lost the link to the active head " + link.headName()
                    + "; tasks keep running and results wait for a head");
        }
    }

    /** To the active head, when it has welcomed this worker; else nowhere. */
    void send(FromWorker message) {
        active.filter(HeadLink::welcomed).ifPresent(link -> link.send(message));
    }

    /** Who welcomed this worker on the active link, for the heartbeats; empty without one. */
    String welcomedBy() {
        return active.filter(HeadLink::welcomed).map(HeadLink::welcomedBy).orElse("");
    }
}
