package dev.hpc.api;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The Java client of the REST API (docs/rest-api.md), used by the CLI, the examples and the process
 * tests. It knows every head's address and goes to the one that answers: the last head that
 * answered first, then the others in list order. A refused or timed-out connection, or a
 * {@code 503 UNAVAILABLE} (no active head yet), moves on to the next address; when every address
 * failed it waits (100 ms, doubling up to 1 s) and tries them all again, for at most
 * {@link Settings#maxWait()} in total, so that a command issued during a head takeover waits for
 * the new active head instead of failing. Any other error answer is final and becomes an
 * {@link HpcApiException} with the status, code and message of the error body.
 *
 * <p>A head that hangs (frozen, or stuck) still accepts connections and never answers. So while there is another
 * head to try, a request that may be sent again gets {@link #FIRST_TRY} to answer, doubling on each round up to
 * {@link Settings#requestTimeout()}: a client whose head froze moves on within seconds, not after the whole
 * request timeout, and a head that is merely slow gets longer each round.
 *
 * <p>A submission carries an idempotency key ({@code Idempotency-Key}), so it is retried like every other
 * call, also after it may have reached a head that then died or answered 503: the head answers a resent
 * submission with the job of the first.
 *
 * <p>Every request carries the client's {@link ApiToken} as {@code Authorization: Bearer}; the head
 * takes the caller's user and role from it (docs/security.md). Without a token, a {@code 401} becomes
 * an error with the token's advice on how to get one.
 *
 * <p>Uses only {@code java.net.http} and the codecs of this package, so that the CLI stays small
 * and quick to start. Instances are thread-safe.
 */
public final class HeadClient {
    private static final String API = "/api/v1";
    /** How long a head has to answer in the first round of a call that may go to another head. */
    static final Duration FIRST_TRY = Duration.ofSeconds(2);

    /**
     * How long to keep trying. {@code maxWait} bounds the whole call including backoff; with
     * {@link Duration#ZERO} every address is tried exactly once.
     */
    public record Settings(Duration maxWait, Duration connectTimeout, Duration requestTimeout, Duration firstBackoff,
                           Duration maxBackoff) {
        public Settings {
            if (maxWait.isNegative() || connectTimeout.isNegative() || connectTimeout.isZero()
                    || requestTimeout.isNegative() || requestTimeout.isZero() || firstBackoff.isNegative()
                    || maxBackoff.compareTo(firstBackoff) < 0) {
                throw new IllegalArgumentException("invalid client settings " + maxWait + ", " + connectTimeout
                        + ", " + requestTimeout + ", " + firstBackoff + ", " + maxBackoff);
            }
        }

        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(10),
                    Duration.ofMillis(100), Duration.ofSeconds(1));
        }

        public Settings withMaxWait(Duration d) {
            return new Settings(d, connectTimeout, requestTimeout, firstBackoff, maxBackoff);
        }

        public Settings withRequestTimeout(Duration d) {
            return new Settings(maxWait, connectTimeout, d, firstBackoff, maxBackoff);
        }

        public Settings withBackoff(Duration first, Duration max) {
            return new Settings(maxWait, connectTimeout, requestTimeout, first, max);
        }
    }

    /**
     * Filters of {@code GET /api/v1/jobs}. An empty {@code states} list, {@code user} or {@code queue}
     * does not filter; {@code limit} 0 takes the head's default; {@code after} is the {@code next}
     * of the previous page, empty for the first page. With {@code sealedCounted}, an array's sealed ended tasks
     * are counted, not listed ({@link Codec#toListingMap}): for a listing that shows each job as one line.
     */
    public record JobQuery(List<JobState> states, String user, String queue, boolean history, int limit,
                           String after, boolean sealedCounted) {
        public JobQuery {
            states = List.copyOf(states);
            if (limit < 0) {
                throw new IllegalArgumentException("limit must not be negative, got " + limit);
            }
        }

        public JobQuery(List<JobState> states, String user, String queue, boolean history, int limit, String after) {
            this(states, user, queue, history, limit, after, false);
        }

        public static JobQuery all() {
            return new JobQuery(List.of(), "", "", false, 0, "");
        }

        public JobQuery withSealedCounted(boolean c) {
            return new JobQuery(states, user, queue, history, limit, after, c);
        }

        public JobQuery withStates(List<JobState> s) {
            return new JobQuery(s, user, queue, history, limit, after, sealedCounted);
        }

        public JobQuery withUser(String u) {
            return new JobQuery(states, u, queue, history, limit, after, sealedCounted);
        }

        public JobQuery withQueue(String q) {
            return new JobQuery(states, user, q, history, limit, after, sealedCounted);
        }

        public JobQuery withHistory(boolean h) {
            return new JobQuery(states, user, queue, h, limit, after, sealedCounted);
        }

        public JobQuery withLimit(int l) {
            return new JobQuery(states, user, queue, history, l, after, sealedCounted);
        }

        public JobQuery withAfter(String a) {
            return new JobQuery(states, user, queue, history, limit, a, sealedCounted);
        }

        String queryString() {
            StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
            if (!states.isEmpty()) {
                StringJoiner s = new StringJoiner(",");
                states.forEach(st -> s.add(st.name()));
                q.add("state=" + encode(s.toString()));
            }
            if (!user.isEmpty()) {
                q.add("user=" + encode(user));
            }
            if (!queue.isEmpty()) {
                q.add("queue=" + encode(queue));
            }
            if (history) {
                q.add("history=true");
            }
            if (limit > 0) {
                q.add("limit=" + limit);
            }
            if (!after.isEmpty()) {
                q.add("after=" + encode(after));
            }
            if (sealedCounted) {
                q.add("tasks=summary");
            }
            return q.toString();
        }
    }

    /** One page of a listing; {@code next} is the {@code after} of the following page, empty on the last. */
    public record JobPage(List<Job> jobs, long total, Optional<String> next) {
        public JobPage {
            jobs = List.copyOf(jobs);
        }
    }

    /** No head answered within the wait: every address refused, timed out or had no active head. */
    public static final class UnavailableException extends HpcException {
        public UnavailableException(String message) {
            super(message);
        }
    }

    private final List<String> heads;
    private final List<URI> bases;
    private final ApiToken token;
    private final Settings settings;
    private final HttpClient http;
    private volatile int preferred;

    /**
     * @param heads addresses as {@code host:port} (an {@code http://} prefix and a trailing slash are
     *              accepted; {@code https://} makes the client use TLS); at least one
     * @param token sent as {@code Authorization: Bearer} on every request; the head takes the caller's
     *              user and role from it
     */
    public HeadClient(List<String> heads, ApiToken token, Settings settings) {
        this(heads, token, settings, Optional.empty());
    }

    /**
     * @param tls what to trust when the addresses say {@code https://} (see {@link ClientTls}); empty:
     *            the JVM's default certificates
     */
    public HeadClient(List<String> heads, ApiToken token, Settings settings, Optional<javax.net.ssl.SSLContext> tls) {
        if (heads.isEmpty()) {
            throw new InvalidRequestException("no head address given: expected at least one host:port");
        }
        List<String> normalized = new ArrayList<>();
        List<URI> uris = new ArrayList<>();
        boolean https = ClientTls.isHttps(heads.get(0));
        for (String h : heads) {
            if (ClientTls.isHttps(h) != https) {
                throw new InvalidRequestException("the head addresses mix http and https (" + String.join(",", heads)
                        + "): all heads of a cluster serve the same way; write https:// before every one or none");
            }
            String a = normalizeAddress(h);
            normalized.add(a);
            uris.add(URI.create((https ? "https://" : "http://") + a));
        }
        this.heads = List.copyOf(normalized);
        this.bases = List.copyOf(uris);
        this.token = token;
        this.settings = settings;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        if (tls.isPresent()) {
            builder.sslContext(tls.get());
        } else if (!https) {
            // SSLParameters given here keep the client from asking the context for its defaults, which
            // would set it up at once; empty parameters leave every TLS engine at its own defaults
            builder.sslContext(new DeferredTlsContext()).sslParameters(new javax.net.ssl.SSLParameters());
        }
        this.http = builder.build();
    }

    /**
     * {@code host:port} from what a user typed: trims, drops an {@code http://} prefix and a trailing
     * slash, and checks that a port in 1..65535 is there.
     */
    public static String normalizeAddress(String text) {
        String a = text.trim();
        if (a.startsWith("http://")) {
            a = a.substring("http://".length());
        } else if (ClientTls.isHttps(a)) {
            a = a.substring("https://".length());
        }
        while (a.endsWith("/")) {
            a = a.substring(0, a.length() - 1);
        }
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || colon == a.length() - 1 || a.indexOf('/') >= 0) {
            throw new InvalidRequestException("'" + text + "' is not a head address: expected host:port, "
                    + "for example 127.0.0.1:8640");
        }
        String port = a.substring(colon + 1);
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw new InvalidRequestException("'" + text + "' is not a head address: the port must be a number "
                    + "from 1 to 65535");
        }
        return a;
    }

    public List<String> heads() {
        return heads;
    }

    public ApiToken token() {
        return token;
    }

    public Settings settings() {
        return settings;
    }

    /** The address tried first by the next call: the head that answered last. */
    public String preferredHead() {
        return heads.get(preferred);
    }

    // ---- interactive sessions

    /**
     * Opens the WebSocket of a job's interactive session ({@link SpawnProtocol#SESSION_PATH}) on the head at
     * {@code head} (one of {@link #heads()}), with this client's token and TLS settings. The caller tries the
     * heads in turn: a standby answers with a note and closes.
     */
    public java.util.concurrent.CompletableFuture<java.net.http.WebSocket> openSession(String head, String jobId,
            boolean tty, int rows, int cols, String term, java.net.http.WebSocket.Listener listener) {
        int i = heads.indexOf(head);
        if (i < 0) {
            throw new IllegalArgumentException("should never happen: " + head + " is not one of " + heads);
        }
        URI base = bases.get(i);
        String scheme = base.getScheme().equals("https") ? "wss" : "ws";
        URI uri = URI.create(scheme + "://" + base.getRawAuthority() + SpawnProtocol.SESSION_PATH + "?job="
                + java.net.URLEncoder.encode(jobId, StandardCharsets.UTF_8) + "&tty=" + tty + "&rows=" + rows
                + "&cols=" + cols + "&term=" + java.net.URLEncoder.encode(term, StandardCharsets.UTF_8));
        java.net.http.WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(settings.connectTimeout());
        if (token.isPresent()) {
            b.header("Authorization", "Bearer " + token.value());
        }
        return b.buildAsync(uri, listener).whenComplete((ws, e) -> {
            if (e == null) {
                preferred = i;
            }
        });
    }

    // ---- jobs

    /**
     * Submits a script; the answer is the accepted job. The submission carries a new idempotency key, so it is
     * sent again, like any other call, when a head may have received it but did not answer (a takeover): the
     * head answers a resent one with the job of the first.
     */
    public Job submit(SubmitRequest request) {
        return submit(request, java.util.UUID.randomUUID().toString());
    }

    /**
     * As {@link #submit(SubmitRequest)} with the caller's own idempotency key: the same key from the same user
     * always gives the same job while the head remembers it (docs/rest-api.md).
     */
    public Job submit(SubmitRequest request, String idempotencyKey) {
        return submitAnswer(request, idempotencyKey).job();
    }

    /**
     * A head's answer to a submission: the job, and the head that accepted it with the epoch it led in
     * ({@code ""} and 0 from a head that does not say).
     */
    public record Accepted(Job job, String head, long epoch) {
    }

    /** As {@link #submit(SubmitRequest, String)}, with the head that answered and its epoch. */
    public Accepted submitAnswer(SubmitRequest request, String idempotencyKey) {
        JsonFields answer = object(call("POST", "/jobs", Json.write(Codec.toMap(request)),
                Map.of(IDEMPOTENCY_KEY, idempotencyKey)));
        try {
            return new Accepted(readJob(answer.object("job")), answer.string("head", ""),
                    answer.longValue("epoch", 0));
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
    }

    /** The header that makes a submission safe to send again. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    /** One job with its script; {@code id} in any form users type ({@code 42}, {@code 42.c}, {@code 42[]}). */
    public Job job(String id) {
        return readJob(object(call("GET", "/jobs/" + encodePath(id), "")));
    }

    public JobPage jobs(JobQuery query) {
        JsonFields f = object(call("GET", "/jobs" + query.queryString(), ""));
        List<Job> jobs = new ArrayList<>();
        try {
            for (JsonFields j : f.objects("jobs")) {
                jobs.add(Codec.readJob(j));
            }
            String next = "";
            if (f.has("next")) {
                Object n = f.raw().get("next");
                next = n instanceof Number ? String.valueOf(n) : f.string("next");
            }
            return new JobPage(jobs, f.longValue("total", jobs.size()),
                    next.isEmpty() ? Optional.empty() : Optional.of(next));
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
    }

    /** Every job the query selects, following {@code next} from page to page. */
    public List<Job> allJobs(JobQuery query) {
        List<Job> out = new ArrayList<>();
        JobQuery q = query;
        while (true) {
            JobPage page = jobs(q);
            out.addAll(page.jobs());
            if (page.next().isEmpty() || page.next().get().equals(q.after()) || page.jobs().isEmpty()) {
                return out;
            }
            q = q.withAfter(page.next().get());
        }
    }

    public Job cancel(String id) {
        return jobAction(id, "cancel");
    }

    public Job hold(String id) {
        return jobAction(id, "hold");
    }

    public Job release(String id) {
        return jobAction(id, "release");
    }

    /** {@code qhold -h TYPES} / {@code qrls -h TYPES}: {@code u} user, {@code o} operator, or both. */
    public Job hold(String id, String holdTypes) {
        return readJob(object(call("POST", "/jobs/" + encodePath(id) + "/hold", Json.write(Map.of("holdTypes",
                holdTypes)))));
    }

    public Job release(String id, String holdTypes) {
        return readJob(object(call("POST", "/jobs/" + encodePath(id) + "/release", Json.write(Map.of("holdTypes",
                holdTypes)))));
    }

    /** {@code qmove}: a queued or held job goes to another queue, checked against it as a submission. */
    public Job move(String id, String queue) {
        return readJob(object(call("POST", "/jobs/" + encodePath(id) + "/move", Json.write(Map.of("queue", queue)))));
    }

    /**
     * {@code qrerun}: the job's running tasks go back to the queue, their attempts killed (operators only). Not
     * sent again once it may have reached a head: resent through a takeover, it would kill the next attempt too.
     */
    public Job rerun(String id) {
        return readJob(object(call("POST", "/jobs/" + encodePath(id) + "/rerun", "", Map.of(), false)));
    }

    /**
     * {@code qsig}: sends {@code signal} (a name with or without SIG, or a number) to the processes of the job's
     * running tasks. Not sent again once it may have reached a head: a signal such as USR1 must arrive once.
     */
    public Job signal(String id, String signal) {
        return readJob(object(call("POST", "/jobs/" + encodePath(id) + "/signal", Json.write(Map.of("signal",
                signal)), Map.of(), false)));
    }

    /**
     * {@code qmsg}: appends {@code message} and a newline to the standard error ({@link JobOutput.Stream#STDERR})
     * or output of the job's running tasks. Not sent again once it may have reached a head: it would be written twice.
     */
    public Job message(String id, JobOutput.Stream stream, String message) {
        return readJob(object(call("POST", "/jobs/" + encodePath(id) + "/message", Json.write(Map.of("stream",
                stream.wireName(), "message", message)), Map.of(), false)));
    }

    /**
     * {@code qorder}: swaps the queue places of two queued or held jobs; answers the first as it is now. Not sent
     * again once it may have reached a head: a second swap would undo the first.
     */
    public Job order(String id, String other) {
        return readJob(object(call("POST", "/jobs/" + encodePath(id) + "/order", Json.write(Map.of("with", other)),
                Map.of(), false)));
    }

    /**
     * {@code hpc report}: usage per user, account, project and queue between {@code start} and {@code end}, as the
     * head's store holds it, only of {@code user}, {@code account} or {@code queue} when they are not empty; the
     * answer's JSON text as documented in docs/accounting.md.
     */
    public String report(java.time.Instant start, java.time.Instant end, String user, String account, String queue) {
        String body = call("GET", "/report?start=" + encode(start.toString()) + "&end=" + encode(end.toString())
                + "&user=" + encode(user) + "&account=" + encode(account) + "&queue=" + encode(queue), "");
        object(body); // a head that answers something else is reported here, not by the caller's parser
        return body;
    }

    /**
     * {@code hpc report --pbs-records}: the PBS accounting records (Q, S, R, D, E) of the events between {@code start}
     * and {@code end}, filtered as {@link #report}; the answer's JSON text as documented in docs/accounting.md.
     */
    public String reportRecords(java.time.Instant start, java.time.Instant end, String user, String account,
                                String queue) {
        String body = call("GET", "/report/records?start=" + encode(start.toString()) + "&end="
                + encode(end.toString()) + "&user=" + encode(user) + "&account=" + encode(account) + "&queue="
                + encode(queue), "");
        object(body);
        return body;
    }

    /** {@code qalter}: changes a queued or held job with qsub-style options ({@code -N}, {@code -p}, {@code -l}, {@code -q}). */
    public Job alter(String id, List<String> options) {
        return readJob(object(call("POST", "/jobs/" + encodePath(id) + "/alter", Json.write(Map.of("options",
                options)))));
    }

    /**
     * {@code qmgr}: {@code change} is {@code create}, {@code set}, {@code delete} or {@code default}; {@code set}
     * holds settings by the configuration file's keys, {@code unset} those that go back to their default.
     * Administrators only. Answers with every queue.
     */
    public List<QueueInfo> changeQueue(String queue, String change, Map<String, String> set, List<String> unset) {
        return changeQueue(queue, change, set, unset, Map.of(), Map.of());
    }

    /**
     * {@code qmgr}'s {@code +=} and {@code -=} as well: {@code add} and {@code remove} hold names, comma-separated,
     * by setting key ({@code acl-users}), that the head adds to or takes from the list as it stands.
     */
    public List<QueueInfo> changeQueue(String queue, String change, Map<String, String> set, List<String> unset,
                                       Map<String, String> add, Map<String, String> remove) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("change", change);
        body.put("set", set);
        body.put("unset", unset);
        if (!add.isEmpty()) {
            body.put("add", add);
        }
        if (!remove.isEmpty()) {
            body.put("remove", remove);
        }
        return readQueues(object(call("POST", "/queues/" + encodePath(queue), Json.write(body))));
    }

    /**
     * {@code pbs_rsub}: an advance reservation of {@code coresPerNode} cores on each of {@code nodes} nodes from
     * {@code start} to {@code end}; answers with it as {@link #reservations()} lists it (its {@code id}, {@code
     * queue}, {@code nodes}, ...), or fails with why it cannot be confirmed.
     */
    public JsonFields reserve(java.time.Instant start, java.time.Instant end, int nodes, int coresPerNode,
                              String name, List<String> users) {
        return reserve(start, end, nodes, coresPerNode, name, users, List.of(), "", "UTC");
    }

    /**
     * {@code pbs_rsub}: with {@code hosts}, a maintenance reservation of those whole nodes (administrators; then
     * {@code nodes} and {@code coresPerNode} are not sent); with a {@code recurrence} rule, a standing reservation
     * whose windows repeat in {@code timeZone}.
     */
    public JsonFields reserve(java.time.Instant start, java.time.Instant end, int nodes, int coresPerNode,
                              String name, List<String> users, List<String> hosts, String recurrence,
                              String timeZone) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
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
        return object(call("POST", "/reservations", Json.write(body)));
    }

    /** {@code pbs_rstat}: the reservations not yet ended. */
    public List<JsonFields> reservations() {
        try {
            return object(call("GET", "/reservations", "")).objects("reservations");
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
    }

    /**
     * {@code pbs_ralter}: a new window for reservation {@code id} ({@code R42} or {@code R42.cluster}); what is empty
     * stays as the head has it (a new start alone keeps the length). Answers with the reservation as {@link
     * #reservations()} lists it, or fails with why it keeps its window.
     */
    public JsonFields alterReservation(String id, java.util.Optional<java.time.Instant> start,
                                       java.util.Optional<java.time.Instant> end,
                                       java.util.Optional<java.time.Duration> duration) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        start.ifPresent(s -> body.put("start", s.toString()));
        end.ifPresent(e -> body.put("end", e.toString()));
        duration.ifPresent(d -> body.put("durationSeconds", d.toSeconds()));
        return object(call("POST", "/reservations/" + encodePath(id) + "/alter", Json.write(body)));
    }

    /** {@code pbs_rdel}: the reservation ends now, with its queue and its jobs. */
    public void deleteReservation(String id) {
        call("DELETE", "/reservations/" + encodePath(id), "");
    }

    /** The queues of the cluster with their job counts ({@code qstat -Q}). */
    public List<QueueInfo> queues() {
        return readQueues(object(call("GET", "/queues", "")));
    }

    private List<QueueInfo> readQueues(JsonFields f) {
        List<QueueInfo> out = new ArrayList<>();
        try {
            for (JsonFields q : f.objects("queues")) {
                out.add(QueueInfo.read(q));
            }
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
        return out;
    }

    private Job jobAction(String id, String action) {
        return readJob(object(call("POST", "/jobs/" + encodePath(id) + "/" + action, "")));
    }

    /**
     * Part of a task's output ({@code hpc peek}): {@code limit} bytes (at most {@link JobOutput#MAX_BYTES})
     * from {@code offset}, or from the end when {@code offset} is negative. {@code task} is the array
     * index, or -1 for a job that is not an array (or when {@code id} names the task).
     */
    public JobOutput output(String id, JobOutput.Stream stream, int task, long offset, int limit) {
        String query = "?stream=" + stream.wireName() + "&offset=" + offset + "&limit=" + limit
                + (task >= 0 ? "&task=" + task : "");
        JsonFields f = object(call("GET", "/jobs/" + encodePath(id) + "/output" + query, ""));
        try {
            return JobOutput.fromMap(f);
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
    }

    // ---- nodes and cluster

    public List<NodeInfo> nodes() {
        JsonFields f = object(call("GET", "/nodes", ""));
        List<NodeInfo> out = new ArrayList<>();
        try {
            for (JsonFields n : f.objects("nodes")) {
                out.add(Codec.readNode(n));
            }
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
        return out;
    }

    public NodeInfo node(String name) {
        JsonFields f = object(call("GET", "/nodes/" + encodePath(name), ""));
        try {
            return Codec.readNode(f);
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
    }

    // ---- node administration and the event log (docs/nodes.md)

    /** {@code pbsnodes -o}: takes the node offline with an optional note; the node as it is now. */
    public NodeInfo offline(String name, String note) {
        return nodeAction(name, "offline", note.isEmpty() ? "" : Json.write(Map.of("note", note)));
    }

    /** {@code pbsnodes -c}: puts the node back in service (clears offline and drain). */
    public NodeInfo clear(String name) {
        return nodeAction(name, "clear", "");
    }

    /** Drains the node: no new work, what runs finishes. */
    public NodeInfo drain(String name, String note) {
        return nodeAction(name, "drain", note.isEmpty() ? "" : Json.write(Map.of("note", note)));
    }

    /** {@code hpc worker stop}: the worker exits, at once or ({@code drain}) once its tasks have ended. */
    public NodeInfo stopWorker(String name, boolean drain) {
        return nodeAction(name, "stop", Json.write(Map.of("drain", drain)));
    }

    private NodeInfo nodeAction(String name, String action, String body) {
        JsonFields f = object(call("POST", "/nodes/" + encodePath(name) + "/" + action, body));
        try {
            return Codec.readNode(f);
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
    }

    /** The newest {@code limit} alerts of the head's event log, oldest first. */
    public List<Alert> events(int limit) {
        return readEvents("/events/log?limit=" + limit);
    }

    /** The newest {@code limit} alerts of the event log about the tasks of job {@code id} ({@code tracejob}). */
    public List<Alert> jobEvents(String id, int limit) {
        return readEvents("/events/log?limit=" + limit + "&job=" + java.net.URLEncoder.encode(id,
                java.nio.charset.StandardCharsets.UTF_8));
    }

    private List<Alert> readEvents(String path) {
        JsonFields f = object(call("GET", path, ""));
        List<Alert> out = new ArrayList<>();
        try {
            for (JsonFields a : f.objects("events")) {
                out.add(Codec.readAlert(a));
            }
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
        return out;
    }

    /** {@code GET /api/v1/cluster} as plain maps and lists, in the order the head wrote them. */
    public Map<String, Object> cluster() {
        JsonFields f = object(call("GET", "/cluster", ""));
        Map<String, Object> out = new LinkedHashMap<>();
        f.raw().forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    // ---- tokens (docs/security.md)

    /** Whose token this client sends: {@code {user, role}}. */
    public TokenInfo whoami() {
        JsonFields f = object(call("GET", "/whoami", ""));
        return new TokenInfo("", f.string("user"), f.string("role"), "", "");
    }

    /** Makes a token for a user (admins only); the answer holds the token's text, shown this once. */
    public TokenInfo createToken(String forUser, String role) {
        return TokenInfo.read(object(call("POST", "/tokens", Json.write(Map.of("user", forUser, "role", role)),
                Map.of(), false)));
    }

    /** Every token: id, user, role and when it was made (admins only); never a token's text. */
    public List<TokenInfo> tokens() {
        List<TokenInfo> out = new ArrayList<>();
        for (JsonFields t : object(call("GET", "/tokens", "")).objects("tokens")) {
            out.add(TokenInfo.read(t));
        }
        return out;
    }

    /** Revokes the token with this id, or every token of this user (admins only); the revoked tokens. */
    public List<TokenInfo> revokeToken(String userOrId) {
        List<TokenInfo> out = new ArrayList<>();
        for (JsonFields t : object(call("DELETE", "/tokens/" + encodePath(userOrId), "")).objects("revoked")) {
            out.add(TokenInfo.read(t));
        }
        return out;
    }

    // ---- machinery

    private Job readJob(JsonFields f) {
        try {
            return Codec.readJob(f);
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
    }

    private JsonFields object(String body) {
        try {
            return Json.readObject(body);
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
    }

    private HpcException unreadable(HpcException e) {
        return new HpcException("the head at " + preferredHead() + " sent an answer this client cannot read ("
                + e.getMessage() + "); are the client and the head the same version?", e);
    }

    /**
     * Sends one request to the head that answers and returns the body of a 2xx answer.
     *
     */
    private String call(String method, String path, String body) {
        return call(method, path, body, Map.of(), true);
    }

    private String call(String method, String path, String body, Map<String, String> headers) {
        return call(method, path, body, headers, true);
    }

    /**
     * @param resendable whether the request may be sent again once it may have reached a head: false only for
     *                   a change that has no idempotency key and must not happen twice (a new token)
     */
    private String call(String method, String path, String body, Map<String, String> headers, boolean resendable) {
        long deadline = System.nanoTime() + settings.maxWait().toNanos();
        Duration backoff = settings.firstBackoff();
        Map<String, String> failures = new LinkedHashMap<>();
        // a standby's redirect may name a head the caller did not list; it is asked in this call only
        List<URI> targets = new ArrayList<>(bases);
        List<String> names = new ArrayList<>(heads);
        int jumpTo = -1;
        int redirects = 0;
        Duration tryTimeout = resendable && targets.size() > 1 && FIRST_TRY.compareTo(settings.requestTimeout()) < 0
                ? FIRST_TRY : settings.requestTimeout();
        // heads that took a request and did not answer in time (a frozen head accepts connections) are tried
        // last in the next rounds: the others answered, and one of them may lead by now (issue 17)
        java.util.Set<Integer> silent = new java.util.HashSet<>();
        while (true) {
            int first = jumpTo >= 0 ? jumpTo : preferred;
            jumpTo = -1;
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                order.add((first + i) % targets.size());
            }
            order.sort(java.util.Comparator.comparing(silent::contains));
            for (int k = 0; k < order.size() && jumpTo < 0; k++) {
                int idx = order.get(k);
                HttpResponse<String> response;
                try {
                    response = http.send(request(targets.get(idx), method, path, body, headers, tryTimeout),
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                } catch (ConnectException | HttpConnectTimeoutException e) {
                    failures.put(names.get(idx), describe(e));
                    continue;
                } catch (javax.net.ssl.SSLException e) {
                    throw ClientTls.failure(names.get(idx), e);
                } catch (HttpTimeoutException e) {
                    if (!resendable) {
                        throw maybeApplied(names.get(idx), "did not answer within " + seconds(settings.requestTimeout()));
                    }
                    failures.put(names.get(idx), "no answer within " + seconds(tryTimeout));
                    silent.add(idx);
                    continue;
                } catch (IOException e) {
                    if (!resendable) {
                        throw maybeApplied(names.get(idx), "closed the connection (" + describe(e) + ")");
                    }
                    failures.put(names.get(idx), describe(e));
                    continue;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new HpcException("interrupted while waiting for the head at " + names.get(idx));
                }
                silent.remove(idx);
                int status = response.statusCode();
                if (status == 503) {
                    HpcApiException unavailable = apiError(status, response.body());
                    failures.put(names.get(idx), "503 " + unavailable.code() + " (" + unavailable.getMessage() + ")");
                    continue;
                }
                if (status == 307 || status == 308) {
                    // a standby refused the request unapplied, so sending it to the head it names is safe for
                    // any request
                    // never to another scheme: an https client would send its token in clear to an http address
                    Optional<URI> to = response.headers().firstValue("Location").map(l -> targets.get(idx).resolve(l))
                            .filter(u -> targets.get(idx).getScheme().equalsIgnoreCase(u.getScheme()));
                    failures.put(names.get(idx), "a standby; it named " + to.map(URI::getRawAuthority).orElse("no head"));
                    if (to.isPresent() && redirects++ < targets.size() + 1) {
                        jumpTo = targetIndex(targets, names, to.get());
                    }
                    continue;
                }
                if (idx < bases.size()) {
                    preferred = idx;
                }
                if (status >= 200 && status < 300) {
                    return response.body();
                }
                if (status == 401 && !token.isPresent()) {
                    throw new HpcApiException(status, "UNAUTHENTICATED", token.advice());
                }
                throw apiError(status, response.body());
            }
            if (jumpTo >= 0) {
                continue;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw unavailable(failures);
            }
            try {
                Thread.sleep(Math.max(1, Math.min(backoff.toMillis(), remaining / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HpcException("interrupted while waiting for a head to answer");
            }
            redirects = 0;
            tryTimeout = tryTimeout.multipliedBy(2).compareTo(settings.requestTimeout()) > 0 ? settings.requestTimeout()
                    : tryTimeout.multipliedBy(2);
            Duration doubled = backoff.isZero() ? Duration.ofMillis(1) : backoff.multipliedBy(2);
            backoff = doubled.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : doubled;
        }
    }

    private HttpRequest request(URI base, String method, String path, String body, Map<String, String> headers,
                                Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(API + path))
                .timeout(timeout)
                .header("Accept", "application/json");
        headers.forEach(b::header);
        if (token.isPresent()) {
            b.header("Authorization", "Bearer " + token.value());
        }
        if (method.equals("GET")) {
            b.GET();
        } else {
            b.header("Content-Type", "application/json; charset=utf-8");
            b.method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        return b.build();
    }

    /** The index of the head a redirect names among the targets, added to them when it is a new one. */
    private static int targetIndex(List<URI> targets, List<String> names, URI location) {
        String authority = location.getRawAuthority();
        for (int i = 0; i < targets.size(); i++) {
            if (targets.get(i).getRawAuthority().equalsIgnoreCase(authority)) {
                return i;
            }
        }
        targets.add(URI.create(location.getScheme() + "://" + authority));
        names.add(authority);
        return targets.size() - 1;
    }

    static HpcApiException apiError(int status, String body) {
        String fallbackCode = "HTTP_" + status;
        try {
            JsonFields f = Json.readObject(body);
            String code = f.string("code", fallbackCode);
            String message = f.string("message", "");
            if (!message.isEmpty()) {
                return new HpcApiException(status, code, message);
            }
            return new HpcApiException(status, code, "the head answered HTTP " + status + " " + code);
        } catch (HpcException notOurs) {
            String firstLine = body.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
            if (firstLine.length() > 200) {
                firstLine = firstLine.substring(0, 200) + "...";
            }
            return new HpcApiException(status, fallbackCode,
                    "the head answered HTTP " + status + (firstLine.isEmpty() ? "" : ": " + firstLine));
        }
    }

    private static HpcException maybeApplied(String head, String what) {
        return new HpcException("the head at " + head + " " + what + " after the request was sent: it may or may "
                + "not have been carried out; check before sending it again");
    }

    private UnavailableException unavailable(Map<String, String> failures) {
        StringJoiner j = new StringJoiner("; ");
        failures.forEach((head, why) -> j.add(head + ": " + why));
        String waited = settings.maxWait().isZero() ? "" : " within " + seconds(settings.maxWait());
        return new UnavailableException("no head answered" + waited + " (" + j + ")");
    }

    private static String describe(IOException e) {
        if (e instanceof ConnectException) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof java.nio.channels.UnresolvedAddressException) {
                    return "unknown host";
                }
                if (c.getMessage() != null && !c.getMessage().isEmpty()) {
                    return c.getMessage().toLowerCase(java.util.Locale.ROOT).contains("refused")
                            ? "connection refused" : c.getMessage();
                }
            }
            return "connection refused";
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "connection timed out";
        }
        String m = e.getMessage();
        if (m == null || m.isEmpty()) {
            Throwable c = e.getCause();
            m = c != null && c.getMessage() != null ? c.getMessage() : e.getClass().getSimpleName();
        }
        return m.toLowerCase(java.util.Locale.ROOT).contains("refused") ? "connection refused" : m;
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A path segment: percent-encodes brackets and everything else outside the unreserved set. */
    static String encodePath(String segment) {
        if (segment.isEmpty()) {
            throw new InvalidRequestException("an empty id names nothing");
        }
        return encode(segment).replace("+", "%20");
    }
}
