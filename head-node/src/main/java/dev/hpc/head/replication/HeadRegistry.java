package dev.hpc.head.replication;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.HeadService;
import dev.hpc.head.store.JobStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * The replicated head registry ({@link HeadCluster#heads}): this head's line in it, read by every head's cluster
 * status, and what every head's line says, among them which head is active. {@link #publish} runs on the
 * decision thread of {@link Leadership}; the reads are local and safe on any thread.
 */
final class HeadRegistry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Leadership.class.getName());

    private final HeadCluster cluster;
    private final HeadService service;
    private final JobStore store;
    private final Witnesses witnesses;
    private final Clock clock;
    /** Writes this head's registry line, which also waits for a frozen member, off the decision thread. */
    private final ExecutorService registryWriter;
    private final AtomicReference<String> registryLine = new AtomicReference<>();
    private volatile String role = "STARTING";
    private String publishedCopies = "";
    private Instant lastPublished = Instant.EPOCH;

    HeadRegistry(HeadCluster cluster, HeadService service, Witnesses witnesses, Clock clock) {
        this.cluster = cluster;
        this.service = service;
        this.store = service.store();
        this.witnesses = witnesses;
        this.clock = clock;
        this.registryWriter = Executors.newSingleThreadExecutor(r -> Leadership.daemon(r, "head-registry"));
    }

    /**
     * This head's line in the replicated head registry, read by every head's cluster status. The
     * registry is a ReplicatedMap: reads are local, but a write waits for a frozen member until it is
     * dropped from the head cluster (the fault suite saw the lease run out so), so a thread of its own
     * writes the newest line and no decision waits for it. Written when the role or the copies changed, and
     * at least every second.
     */
    void publish(String nowRole, String nowCopies, Optional<String> waitingFor) {
        Instant now = clock.instant();
        if (nowRole.equals(role) && nowCopies.equals(publishedCopies) && now.isBefore(lastPublished.plusSeconds(1))) {
            return;
        }
        role = nowRole;
        publishedCopies = nowCopies;
        lastPublished = now;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", service.config().name());
        m.put("role", nowRole);
        waitingFor.ifPresent(w -> m.put("waitingFor", w));
        if (!nowCopies.isEmpty()) {
            m.put("copies", nowCopies);
        }
        m.put("epoch", service.isActive() ? service.epoch() : cluster.epoch());
        m.put("pid", ProcessHandle.current().pid());
        m.put("startedAt", service.startedAt().toString());
        m.put("lastChange", store.lastCommit().toString());
        m.put("lastHeartbeat", witnesses.lastHeard().toString());
        m.put("workers", witnesses.count(clock.instant()));
        m.put("updatedAt", clock.instant().toString());
        // Only the newest line matters: one written while an older one waits replaces it.
        if (registryLine.getAndSet(Json.write(m)) == null) {
            registryWriter.execute(() -> {
                String line;
                while ((line = registryLine.get()) != null) {
                    try {
                        cluster.heads().put(service.config().name(), line);
                    } catch (RuntimeException e) {
                        LOG.fine(() -> "could not write this head's registry line: " + e);
                    }
                    registryLine.compareAndSet(line, null);
                }
            });
        }
    }

    /** The role this head published last: STARTING until it has decided, then ACTIVE, WAITING or STANDBY. */
    String role() {
        return role;
    }

    /** The registry entries of every head, with role DOWN for those no longer in the cluster. */
    List<Map<String, Object>> heads() {
        Map<String, String> apis = new LinkedHashMap<>();
        for (HeadCluster.HeadMember m : cluster.members()) {
            apis.put(m.name(), m.apiAddress());
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(cluster.heads()).entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            Json.readObject(e.getValue()).raw().forEach((k, v) -> m.put(String.valueOf(k), v));
            m.put("address", apis.getOrDefault(e.getKey(), ""));
            if (!apis.containsKey(e.getKey())) {
                m.put("role", "DOWN");
            }
            out.add(m);
        }
        return out;
    }

    /** The API address of the active head, if a current member is active. */
    Optional<String> activeApiAddress() {
        String active = activeHeadName();
        return cluster.members().stream().filter(m -> m.name().equals(active)).map(HeadCluster.HeadMember::apiAddress)
                .findFirst();
    }

    /**
     * The current member that says it is active, with the highest epoch when two do (for a moment
     * after a split heals), or "". Reads only local data: safe on any thread.
     */
    String activeHeadName() {
        List<String> present = new ArrayList<>();
        for (HeadCluster.HeadMember m : cluster.members()) {
            present.add(m.name());
        }
        String best = "";
        long bestEpoch = -1;
        for (Map.Entry<String, String> e : new TreeMap<>(cluster.heads()).entrySet()) {
            JsonFields f = Json.readObject(e.getValue());
            long epoch = f.longValue("epoch", 0);
            if (present.contains(e.getKey()) && "ACTIVE".equals(f.string("role", "")) && epoch > bestEpoch) {
                best = e.getKey();
                bestEpoch = epoch;
            }
        }
        return best;
    }

    /** The epoch a head's registry line gives (a local read), or 0. */
    long registryEpoch(String head) {
        String line = cluster.heads().get(head);
        return line == null ? 0 : Json.readObject(line).longValue("epoch", 0);
    }

    @Override
    public void close() {
        registryWriter.shutdownNow();
    }
}
