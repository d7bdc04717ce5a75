package dev.hpc.head.sched;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The advance reservations as one versioned setting, stored and replicated like {@code qmgr}'s queues:
 * every reservation not yet ended and the next reservation number, so that a number is never given twice,
 * also after a takeover or a restart.
 */
public final class ReservationSettings {
    private ReservationSettings() {
    }

    /** What {@link #body} wrote. */
    public record Stored(List<Reservation> reservations, long next, long version) {
    }

    public static String body(List<Reservation> reservations, long next, long version) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", version);
        m.put("next", next);
        List<Object> list = new ArrayList<>();
        for (Reservation r : reservations) {
            list.add(toMap(r));
        }
        m.put("reservations", list);
        return Json.write(m);
    }

    public static Stored read(String body) {
        JsonFields f = Json.readObject(body);
        List<Reservation> out = new ArrayList<>();
        for (JsonFields r : f.objects("reservations")) {
            out.add(new Reservation(r.longValue("number"), r.string("name", ""), r.string("owner"),
                    Instant.parse(r.string("start")), Instant.parse(r.string("end")), new TreeSet<>(r.strings("nodes")),
                    (int) r.longValue("coresPerNode"), new TreeSet<>(r.strings("users")), r.bool("maintenance", false),
                    r.string("recurrence", ""), r.has("later") ? r.strings("later").stream().map(Instant::parse).toList()
                    : List.of(), (int) r.longValue("occurrence", 1)));
        }
        return new Stored(out, f.longValue("next"), f.longValue("version"));
    }

    /** A reservation as the store keeps it and the REST API shows it (with {@code id} and {@code queue}). */
    public static Map<String, Object> toMap(Reservation r) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("number", r.number());
        one.put("name", r.name());
        one.put("owner", r.owner());
        one.put("start", r.start().toString());
        one.put("end", r.end().toString());
        one.put("nodes", new ArrayList<>(r.nodes()));
        one.put("coresPerNode", r.coresPerNode());
        one.put("users", new ArrayList<>(r.users()));
        one.put("maintenance", r.maintenance());
        if (r.standing()) {
            one.put("recurrence", r.recurrence());
            one.put("occurrence", r.occurrence());
            one.put("occurrences", r.occurrences());
            one.put("later", r.later().stream().map(Instant::toString).toList());
        }
        return one;
    }
}
