package dev.hpc.head;

/** The keys of the settings a commit keeps beside the jobs: the same in the store and in the replicated map. */
public final class SettingKeys {
    /** The queues qmgr committed. */
    public static final String QUEUES = "queues";

    /** The advance reservations (docs/scheduling.md). */
    public static final String RESERVATIONS = "reservations";

    private SettingKeys() {
    }
}
