package dev.hpc.head.replication;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the workers last said about the active head, heard in their heartbeats to this head. A
 * standby asks them before it takes over: if most workers still have a link to the active head,
 * only the link between the heads is cut, and taking over would make two active heads.
 */
public final class Witnesses {
    private final Map<String, Testimony> latest = new ConcurrentHashMap<>();
    private final Duration freshness;

    record Testimony(String activeHead, Instant at) {
    }

    /** @param freshness how recent a heartbeat must be for its worker to count as a witness */
    public Witnesses(Duration freshness) {
        this.freshness = freshness;
    }

    public void heard(String node, String activeHead, Instant at) {
        latest.put(node, new Testimony(activeHead, at));
    }

    /**
     * Whether the workers agree that no head commands them: none of them were heard from lately
     * (there is no one to ask, and no one for two heads to command), or most of those heard since
     * {@code since} obey no head at all. A worker that still obeys any head, whatever its name,
     * disagrees: that head is alive for it, and taking over would give it two masters.
     */
    public boolean agreeNoActiveHead(Instant since, Instant now) {
        int recent = 0;
        int agreeing = 0;
        for (Testimony t : latest.values()) {
            if (t.at().isBefore(now.minus(freshness))) {
                continue;
            }
            recent++;
            if (!t.at().isBefore(since) && t.activeHead().isEmpty()) {
                agreeing++;
            }
        }
        return recent == 0 || agreeing * 2 > recent;
    }

    public int count(Instant now) {
        return (int) latest.values().stream().filter(t -> !t.at().isBefore(now.minus(freshness))).count();
    }

    public Instant lastHeard() {
        return latest.values().stream().map(Testimony::at).max(Instant::compareTo).orElse(Instant.EPOCH);
    }
}
