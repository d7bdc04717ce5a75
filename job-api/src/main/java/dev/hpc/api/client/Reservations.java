package dev.hpc.api.client;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The advance reservation endpoints of the REST API ({@link HeadClient#reservations()}). */
public final class Reservations {
    private final HeadClient head;

    Reservations(HeadClient head) {
        this.head = head;
    }

    /**
     * {@code pbs_rsub}: an advance reservation of {@code coresPerNode} cores on each of {@code nodes} nodes from
     * {@code start} to {@code end}; answers with it as {@link #list()} lists it (its {@code id}, {@code
     * queue}, {@code nodes}, ...), or fails with why it cannot be confirmed.
     */
    public JsonFields reserve(Instant start, Instant end, int nodes, int coresPerNode,
                              String name, List<String> users) {
        return reserve(start, end, nodes, coresPerNode, name, users, List.of(), "", "UTC");
    }

    /**
     * {@code pbs_rsub}: with {@code hosts}, a maintenance reservation of those whole nodes (administrators; then
     * {@code nodes} and {@code coresPerNode} are not sent); with a {@code recurrence} rule, a standing reservation
     * whose windows repeat in {@code timeZone}.
     */
    public JsonFields reserve(Instant start, Instant end, int nodes, int coresPerNode,
                              String name, List<String> users, List<String> hosts, String recurrence,
                              String timeZone) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("start", start.toString());
        body.put("end", end.toString());
        if (hosts.isEmpty()) {
            body.put("nodes", nodes);
            body.put("coresPerNode", coresPerNode);
        } else {
            body.put("hosts", hosts);
        }
        body.put("name", name);
        body.put("users", users);
        if (!recurrence.isBlank()) {
            body.put("recurrence", recurrence);
            body.put("timeZone", timeZone);
        }
        return head.object(head.call("POST", "/reservations", Json.write(body)));
    }

    /** {@code pbs_rstat}: the reservations not yet ended. */
    public List<JsonFields> list() {
        return head.read(() -> head.object(head.call("GET", "/reservations", "")).objects("reservations"));
    }

    /**
     * {@code pbs_ralter}: a new window for reservation {@code id} ({@code R42} or {@code R42.cluster}); what is empty
     * stays as the head has it (a new start alone keeps the length). Answers with the reservation as {@link
     * #list()} lists it, or fails with why it keeps its window.
     */
    public JsonFields alter(String id, Optional<Instant> start,
                                       Optional<Instant> end,
                                       Optional<Duration> duration) {
        Map<String, Object> body = new LinkedHashMap<>();
        start.ifPresent(s -> body.put("start", s.toString()));
        end.ifPresent(e -> body.put("end", e.toString()));
        duration.ifPresent(d -> body.put("durationSeconds", d.toSeconds()));
        return head.object(head.call("POST", "/reservations/" + HeadTransport.encodePath(id) + "/alter", Json.write(body)));
    }

    /** {@code pbs_rdel}: the reservation ends now, with its queue and its jobs. */
    public void delete(String id) {
        head.call("DELETE", "/reservations/" + HeadTransport.encodePath(id), "");
    }
}
