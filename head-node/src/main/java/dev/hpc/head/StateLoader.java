package dev.hpc.head;

import dev.hpc.api.job.NodeInfo;
import dev.hpc.head.state.ClusterState;
import dev.hpc.head.store.JobStore;
import java.time.Clock;
import java.time.Instant;
import java.util.logging.Logger;

/**
 * Readies a state to become active: from this head's own store (a cold start, a restart after a crash), or as
 * a takeover built it from the replicas, then given what only this head's store and configuration hold (the
 * queues until {@code qmgr} committed some, the fair-share usage).
 */
final class StateLoader {
    private static final Logger LOG = Logger.getLogger(StateLoader.class.getName());

    private final HeadConfig config;
    private final Clock clock;
    private final JobStore store;

    StateLoader(HeadConfig config, Clock clock, JobStore store) {
        this.config = config;
        this.clock = clock;
        this.store = store;
    }

    ClusterState fromStore(long epoch) {
        Instant now = clock.instant();
        Instant keepSince = now.minus(config.keepCompleted());
        ClusterState fresh = new ClusterState(config.cluster(), epoch, 1, config.maxRequeues());
        store.loadOutcomes(keepSince, fresh::restoreOutcome);
        store.loadLive(keepSince, fresh::restore);
        store.setting(SettingKeys.QUEUES).ifPresent(fresh::restoreQueues);
        store.setting(SettingKeys.RESERVATIONS).ifPresent(fresh::restoreReservations);
        for (NodeInfo n : store.loadNodes()) {
            fresh.restore(n, now);
        }
        return fresh;
    }

    /** Gives a state about to become active its settings, the queues and the usage recorded in this head's store. */
    void configure(ClusterState loaded, SchedulingSettings s, int arraySegmentTasks) {
        loaded.launchGrace(config.nodeTimeout());
        loaded.sealEndedTasksAt(arraySegmentTasks);
        if (!loaded.queuesCommitted()) {
            loaded.useQueues(s.queues(), s.defaultQueue());
        } else if (!s.queues().isEmpty()) {
            LOG.info("head " + config.name() + " uses the queues qmgr committed; the configuration file's queue "
                    + "lines are not read (docs/scheduling.md)");
        }
        loaded.useHostResources(s.hostResources());
        loaded.useFairShare(s.halfLife());
        store.loadUsage(clock.instant(), s.halfLife(), loaded::restoreUsage);
    }
}
