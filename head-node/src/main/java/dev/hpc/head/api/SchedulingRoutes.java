package dev.hpc.head.api;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.job.QueueInfo;
import dev.hpc.api.job.Signals;
import dev.hpc.api.json.JsonFields;
import dev.hpc.head.HeadService;
import dev.hpc.head.access.Caller;
import dev.hpc.head.sched.Reservation;
import dev.hpc.head.sched.ReservationSettings;
import dev.hpc.head.state.Command;
import dev.hpc.head.state.Holds;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.hpc.head.api.RouteSupport.reply;

/**
 * The scheduling routes (docs/scheduling.md): the queues ({@code qstat -Q}), {@code qalter}, and hold
 * and release with hold types ({@code qhold -h o}), {@code qmove}, {@code qrerun}, {@code qsig}, {@code qmsg}
 * and {@code qorder}. Mounted before {@link ApiRoutes}' own hold and release routes. Errors go to the failure
 * handler of {@link ApiRoutes}.
 */
public final class SchedulingRoutes {
    private static final Set<String> HOLD_FIELDS = Set.of("holdTypes", "user");
    private static final Set<String> ALTER_FIELDS = Set.of("options", "user");

    private final HeadService head;

    public SchedulingRoutes(HeadService head) {
        this.head = head;
    }

    public void mount(Router router) {
        router.get("/api/v1/queues").handler(this::queues);
        router.post("/api/v1/queues/:name").handler(this::changeQueue);
        router.get("/api/v1/reservations").handler(this::reservations);
        router.post("/api/v1/reservations").handler(this::reserve);
        router.delete("/api/v1/reservations/:id").handler(this::unreserve);
        router.post("/api/v1/reservations/:id/alter").handler(this::alterReservation);
        router.post("/api/v1/jobs/:id/alter").handler(this::alter);
        router.post("/api/v1/jobs/:id/hold").handler(this::hold);
        router.post("/api/v1/jobs/:id/release").handler(this::release);
        router.post("/api/v1/jobs/:id/rerun").handler(this::rerun);
        router.post("/api/v1/jobs/:id/move").handler(this::move);
        router.post("/api/v1/jobs/:id/signal").handler(this::signal);
        router.post("/api/v1/jobs/:id/message").handler(this::message);
        router.post("/api/v1/jobs/:id/order").handler(this::order);
    }

    private void queues(RoutingContext ctx) {
        reply(ctx, head.clusterAdmin().queues(), list -> {
            List<Object> out = new ArrayList<>();
            for (QueueInfo q : list) {
                out.add(q.toMap());
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("queues", out);
            return m;
        });
    }

    /**
     * {@code qmgr}: {@code {"change": "create|set|delete|default", "set": {"max-walltime": "24h"}, "unset":
     * ["priority"], "add": {"acl-users": "carol"}, "remove": {"acl-users": "bob"}}}; answers with every queue as
     * {@code GET /api/v1/queues} does.
     */
    private void changeQueue(RoutingContext ctx) {
        JsonFields body = OptionalBody.read(ctx, Set.of("change", "set", "unset", "add", "remove"));
        String word = body.string("change", "");
        Command.QueueChange change = switch (word) {
            case "create" -> Command.QueueChange.CREATE;
            case "set" -> Command.QueueChange.SET;
            case "delete" -> Command.QueueChange.DELETE;
            case "default" -> Command.QueueChange.MAKE_DEFAULT;
            default -> throw new InvalidRequestException("say what to do with queue " + ctx.pathParam("name")
                    + ": \"change\" is one of create, set, delete, default, not '" + word + "'");
        };
        Map<String, String> set = new LinkedHashMap<>();
        if (body.has("set")) {
            body.object("set").raw().forEach((k, v) -> set.put(String.valueOf(k), String.valueOf(v)));
        }
        Set<String> unset = body.has("unset") ? Set.copyOf(body.strings("unset")) : Set.of();
        Map<String, String> add = new LinkedHashMap<>();
        if (body.has("add")) {
            body.object("add").raw().forEach((k, v) -> add.put(String.valueOf(k), String.valueOf(v)));
        }
        Map<String, String> remove = new LinkedHashMap<>();
        if (body.has("remove")) {
            body.object("remove").raw().forEach((k, v) -> remove.put(String.valueOf(k), String.valueOf(v)));
        }
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, head.clusterAdmin().changeQueue(new Command.ChangeQueue(ctx.pathParam("name"), change, set,
                unset, caller.user(), add, remove), caller).thenCompose(v -> head.clusterAdmin().queues()), list -> {
                    List<Object> out = new ArrayList<>();
                    for (QueueInfo q : list) {
                        out.add(q.toMap());
                    }
                    return Map.of("queues", out);
                });
    }

    private static final Set<String> RESERVE_FIELDS = Set.of("start", "end", "nodes", "coresPerNode", "name",
            "users", "hosts", "recurrence", "timeZone");

    /** A reservation as {@code pbs_rstat} shows it: with its id ({@code R42.cluster}) and its queue. */
    private Map<String, Object> reservationMap(Reservation r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.queue() + "." + head.config().cluster());
        m.put("queue", r.queue());
        m.putAll(ReservationSettings.toMap(r));
        return m;
    }

    private void reservations(RoutingContext ctx) {
        reply(ctx, head.clusterAdmin().reservations(), list -> {
            List<Object> out = new ArrayList<>();
            list.forEach(r -> out.add(reservationMap(r)));
            return Map.of("reservations", out);
        });
    }

    /**
     * {@code pbs_rsub}: {@code {"start": ISO-8601, "end": ISO-8601, "nodes": N, "coresPerNode": C, "name": "",
     * "users": []}}; answers with the reservation, or 409 NOT_ALLOWED saying why it cannot be confirmed.
     */
    private void reserve(RoutingContext ctx) {
        JsonFields body = OptionalBody.read(ctx, RESERVE_FIELDS);
        Instant start = instant(body, "start");
        Instant end = instant(body, "end");
        long nodes = body.longValue("nodes", 1);
        long cores = body.longValue("coresPerNode", 1);
        if (nodes < 1 || nodes > 100_000 || cores < 1 || cores > 100_000) {
            throw new InvalidRequestException("nodes and coresPerNode must be between 1 and 100000, got " + nodes
                    + " and " + cores);
        }
        String name = body.string("name", "");
        if (!name.isEmpty() && !name.matches("[A-Za-z][A-Za-z0-9_.-]{0,62}")) {
            throw new InvalidRequestException("a reservation name starts with a letter and has letters, digits, "
                    + "'_', '.' or '-' (at most 63), not '" + name + "'");
        }
        Set<String> users = body.has("users") ? Set.copyOf(body.strings("users")) : Set.of();
        List<String> hosts = body.has("hosts") ? List.copyOf(new LinkedHashSet<>(body.strings("hosts")))
                : List.of();
        if (!hosts.isEmpty() && (body.has("nodes") || body.has("coresPerNode"))) {
            throw new InvalidRequestException("a maintenance reservation takes whole nodes: give \"hosts\" or "
                    + "\"nodes\" and \"coresPerNode\", not both");
        }
        if (body.has("hosts") && hosts.isEmpty()) {
            throw new InvalidRequestException("\"hosts\" names the nodes of a maintenance reservation; it is empty");
        }
        String recurrence = body.string("recurrence", "");
        ZoneId zone;
        try {
            zone = ZoneId.of(body.string("timeZone", "UTC"));
        } catch (DateTimeException e) {
            throw new InvalidRequestException("\"timeZone\" must be a time zone such as Europe/Berlin or UTC, not '"
                    + body.string("timeZone", "") + "'");
        }
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, head.clusterAdmin().reserve(name, start, end, (int) nodes, (int) cores, users, hosts, recurrence, zone, caller),
                this::reservationMap);
    }

    private static Instant instant(JsonFields body, String field) {
        String text = body.string(field, "");
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException("\"" + field + "\" must be an ISO-8601 instant such as "
                    + "2026-12-05T14:00:00Z, got '" + text + "'");
        }
    }

    private long reservationNumber(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        Matcher m = Pattern.compile("R([0-9]{1,18})(\\..*)?").matcher(id);
        if (!m.matches()) {
            throw new InvalidRequestException("'" + id + "' is not a reservation id; expected a form like R42 or "
                    + "R42." + head.config().cluster());
        }
        return Long.parseLong(m.group(1));
    }

    private void unreserve(RoutingContext ctx) {
        long number = reservationNumber(ctx);
        reply(ctx, head.clusterAdmin().unreserve(number, Authenticator.caller(ctx)), v -> Map.of("deleted",
                "R" + number + "." + head.config().cluster()));
    }

    /**
     * {@code pbs_ralter}: {@code {"start": ISO-8601, "end": ISO-8601, "durationSeconds": N}}, each optional (at least
     * one); answers with the reservation in its new window, or 409 NOT_ALLOWED saying why it keeps its old one.
     */
    private void alterReservation(RoutingContext ctx) {
        long number = reservationNumber(ctx);
        JsonFields body = OptionalBody.read(ctx, Set.of("start", "end", "durationSeconds"));
        Optional<Instant> start = body.has("start") ? Optional.of(instant(body, "start")) : Optional.empty();
        Optional<Instant> end = body.has("end") ? Optional.of(instant(body, "end")) : Optional.empty();
        Optional<Duration> duration = Optional.empty();
        if (body.has("durationSeconds")) {
            long seconds = body.longValue("durationSeconds", 0);
            if (seconds < 1 || seconds > 100L * 366 * 86400) {
                throw new InvalidRequestException("\"durationSeconds\" must be a whole number of seconds from 1 to "
                        + "100 years, got " + seconds);
            }
            duration = Optional.of(Duration.ofSeconds(seconds));
        }
        reply(ctx, head.clusterAdmin().alterReservation(number, start, end, duration, Authenticator.caller(ctx)),
                this::reservationMap);
    }

    private void alter(RoutingContext ctx) {
        JsonFields body = OptionalBody.read(ctx, ALTER_FIELDS);
        if (!body.has("options")) {
            throw new InvalidRequestException("say what to change: a body {\"options\": [\"-N\", \"newname\", "
                    + "\"-l\", \"walltime=01:00:00\"]} with qalter options -N, -p, -l, -q");
        }
        Caller caller = Authenticator.caller(ctx);
        Alteration change = Alteration.parse(body.strings("options"), caller.user(), head.clusterAdmin().defaultQueue());
        reply(ctx, head.jobCommands().alter(JobId.parse(ctx.pathParam("id")), change::apply, caller), j -> shown(caller, j));
    }

    private void hold(RoutingContext ctx) {
        JsonFields body = OptionalBody.read(ctx, HOLD_FIELDS);
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, head.jobCommands().hold(JobId.parse(ctx.pathParam("id")), caller, Holds.parse(body.string("holdTypes", "u"))),
                j -> shown(caller, j));
    }

    private void release(RoutingContext ctx) {
        JsonFields body = OptionalBody.read(ctx, HOLD_FIELDS);
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, head.jobCommands().release(JobId.parse(ctx.pathParam("id")), caller,
                Holds.parse(body.string("holdTypes", "u"))), j -> shown(caller, j));
    }

    private void move(RoutingContext ctx) {
        JsonFields body = OptionalBody.read(ctx, Set.of("queue", "user"));
        String queue = body.string("queue", "").trim();
        if (queue.isEmpty()) {
            throw new InvalidRequestException("say where to move the job: a body {\"queue\": \"NAME\"} naming one "
                    + "of the queues (qstat -Q lists them)");
        }
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, head.jobCommands().move(JobId.parse(ctx.pathParam("id")), queue, caller), j -> shown(caller, j));
    }

    private void rerun(RoutingContext ctx) {
        OptionalBody.read(ctx, Set.of("user"));
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, head.jobCommands().rerun(JobId.parse(ctx.pathParam("id")), caller), j -> shown(caller, j));
    }

    private void signal(RoutingContext ctx) {
        JsonFields body = OptionalBody.read(ctx, Set.of("signal", "user"));
        String signal = Signals.parse(body.string("signal", Signals.DEFAULT));
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, head.jobCommands().signal(JobId.parse(ctx.pathParam("id")), signal, caller), j -> shown(caller, j));
    }

    /** The longest {@code qmsg} message, in characters: a line for a person to read, not a file to copy. */
    static final int MAX_MESSAGE = 4096;

    private void message(RoutingContext ctx) {
        JsonFields body = OptionalBody.read(ctx, Set.of("message", "stream", "user"));
        String text = body.string("message", "");
        if (text.isEmpty()) {
            throw new InvalidRequestException("say what to write: a body {\"message\": \"TEXT\", \"stream\": "
                    + "\"stderr\"} (or \"stdout\") with a message that is not empty");
        }
        if (text.length() > MAX_MESSAGE || text.indexOf('\0') >= 0) {
            throw new InvalidRequestException("the message has " + text.length() + " characters" + (text.indexOf('\0')
                    >= 0 ? " and a NUL" : "") + "; give at most " + MAX_MESSAGE + " characters of text, without NUL");
        }
        JobOutput.Stream stream = JobOutput.Stream.parse(body.string("stream", "stderr"));
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, head.jobCommands().message(JobId.parse(ctx.pathParam("id")), stream, text, caller), j -> shown(caller, j));
    }

    private void order(RoutingContext ctx) {
        JsonFields body = OptionalBody.read(ctx, Set.of("with", "user"));
        String other = body.string("with", "").trim();
        if (other.isEmpty()) {
            throw new InvalidRequestException("say which job to swap places with: a body {\"with\": \"ID\"} naming "
                    + "another queued or held job");
        }
        Caller caller = Authenticator.caller(ctx);
        reply(ctx, head.jobCommands().order(JobId.parse(ctx.pathParam("id")), JobId.parse(other), caller), j -> shown(caller, j));
    }

    /** The job the command changed, as {@link dev.hpc.head.access.JobVisibility} shows it to the caller. */
    private Map<String, Object> shown(Caller caller, Job job) {
        return head.config().access().jobVisibility().summary(caller, job).orElseThrow(() ->
                new IllegalStateException("should never happen: " + caller.user() + " changed job " + job.id()
                        + ", which they may not see"));
    }
}
