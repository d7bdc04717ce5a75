package dev.hpc.head;

import dev.hpc.head.state.Effect;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Launches the head has decided but a worker cannot have heard of yet: waiting for their durable write,
 * or sent less than a grace period ago. A worker's heartbeat cannot list them, so they are not missing
 * from it. Without this, a store write that lagged past the node timeout (a loaded machine, large array
 * jobs) made every attempt launched meanwhile "vanish" and be requeued.
 */
final class LaunchesInFlight {
    private static final Instant NOT_YET = Instant.MAX;
    /** Per node: attempt and when its launch was sent ({@link #NOT_YET} while waiting to be durable). */
    private final Map<String, Map<Long, Instant>> byNode = new ConcurrentHashMap<>();

    /** The state started the attempt; its launch goes out once the change is durable. */
    void decided(Effect.Launch launch) {
        byNode.computeIfAbsent(launch.node(), n -> new ConcurrentHashMap<>()).put(launch.order().attemptId(), NOT_YET);
    }

    /** The launch went out to its worker. */
    void sent(Effect.Launch launch, Instant at) {
        byNode.computeIfAbsent(launch.node(), n -> new ConcurrentHashMap<>()).put(launch.order().attemptId(), at);
    }

    /**
     * The attempts a heartbeat of {@code node} taken at {@code now} may not list yet, added to what it
     * lists. Launches sent longer than {@code grace} ago are forgotten: the worker has had time to list them.
     */
    List<Long> withUnheard(String node, List<Long> listed, Instant now, Duration grace) {
        Map<Long, Instant> launches = byNode.get(node);
        if (launches == null || launches.isEmpty()) {
            return listed;
        }
        Instant heardBy = now.minus(grace);
        List<Long> all = new ArrayList<>(listed);
        for (var e : launches.entrySet()) {
            if (e.getValue().isBefore(heardBy)) {
                launches.remove(e.getKey(), e.getValue());
            } else {
                all.add(e.getKey());
            }
        }
        return all;
    }
}
