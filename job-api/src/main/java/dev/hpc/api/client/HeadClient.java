package dev.hpc.api.client;

import dev.hpc.api.HpcException;
import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.QueueInfo;
import dev.hpc.api.job.TokenInfo;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.api.wire.SpawnProtocol;
import java.net.http.WebSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/**
 * The Java client of the REST API (docs/rest-api.md), used by the CLI, the examples and the process
 * tests: one method per endpoint, over a {@link HeadTransport} that finds the active head among all the
 * heads' addresses and waits through a takeover.
 *
 * <p>A submission carries an idempotency key ({@code Idempotency-Key}), so it is retried like every other
 * call, also after it may have reached a head that then died or answered 503: the head answers a resent
 * submission with the job of the first.
 *
 * <p>Uses only {@code java.net.http} and the codecs of this package, so that the CLI stays small
 * and quick to start. Instances are thread-safe.
 */
public final class HeadClient {
    /** One page of a listing; {@code next} is the {@code after} of the following page, empty on the last. */
    public record JobPage(List<Job> jobs, long total, Optional<String> next) {
        public JobPage {
            jobs = List.copyOf(jobs);
        }
    }

    private final HeadTransport transport;

    /**
     * @param heads addresses as {@code host:port} (an {@code http://} prefix and a trailing slash are
     *              accepted; {@code https://} makes the client use TLS); at least one
     * @param token sent as {@code Authorization: Bearer} on every request; the head takes the caller's
     *              user and role from it
     */
    public HeadClient(List<String> heads, ApiToken token, HeadTransport.Settings settings) {
        this(heads, token, settings, Optional.empty());
    }

    /**
     * @param tls what to trust when the addresses say {@code https://} (see {@link ClientTls}); empty:
     *            the JVM's default certificates
     */
    public HeadClient(List<String> heads, ApiToken token, HeadTransport.Settings settings, Optional<SSLContext> tls) {
        this.transport = new HeadTransport(heads, token, settings, tls);
    }

    public List<String> heads() {
        return transport.heads();
    }

    public ApiToken token() {
        return transport.token();
    }

    public HeadTransport.Settings settings() {
        return transport.settings();
    }

    /** The address tried first by the next call: the head that answered last. */
    public String preferredHead() {
        return transport.preferredHead();
    }

    // ---- interactive sessions

    /**
     * Opens the WebSocket of a job's interactive session ({@link SpawnProtocol#SESSION_PATH}) on the head at
     * {@code head} (one of {@link #heads()}), with this client's token and TLS settings. The caller tries the
     * heads in turn: a standby answers with a note and closes.
     */
    public CompletableFuture<WebSocket> openSession(String head, String jobId, boolean tty, int rows, int cols,
                                                    String term, WebSocket.Listener listener) {
        return transport.webSocket(head, SpawnProtocol.SESSION_PATH + "?job=" + encode(jobId) + "&tty=" + tty
                + "&rows=" + rows + "&cols=" + cols + "&term=" + encode(term), listener);
    }

    // ---- jobs

    /**
     * Submits a script; the answer is the accepted job. The submission carries a new idempotency key, so it is
     * sent again, like any other call, when a head may have received it but did not answer (a takeover): the
     * head answers a resent one with the job of the first.
     */
    public Job submit(SubmitRequest request) {
        return submit(request, UUID.randomUUID().toString());
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
        return read(() -> new Accepted(readJob(answer.object("job")), answer.string("head", ""),
                answer.longValue("epoch", 0)));
    }

    /**
     * As {@link #submit(SubmitRequest)} for a caller that needs the new job's id alone ({@code qsub}): the head is
     * asked for a minimal answer ({@code Prefer: return=minimal}, RFC 7240) and only the id is read, which spares
     * both sides the whole job's JSON on every submission.
     */
    public String submitForId(SubmitRequest request) {
        JsonFields answer = object(call("POST", "/jobs", Json.write(Codec.toMap(request)),
                Map.of(IDEMPOTENCY_KEY, UUID.randomUUID().toString(), "Prefer", "return=minimal")));
        return read(() -> answer.string("id"));
    }

    /**
     * Submits up to 1,000 jobs in one request, accepted all or none in one commit; their ids in order. One
     * idempotency key covers the batch, so a batch resent through a takeover makes no second jobs.
     */
    public List<String> submitAll(List<SubmitRequest> requests) {
        return submitAll(requests, UUID.randomUUID().toString());
    }

    /** As {@link #submitAll(List)} with the caller's own idempotency key for the batch. */
    public List<String> submitAll(List<SubmitRequest> requests, String idempotencyKey) {
        List<Object> submissions = new ArrayList<>(requests.size());
        for (SubmitRequest r : requests) {
            submissions.add(Codec.toMap(r));
        }
        JsonFields answer = object(call("POST", "/jobs/batch", Json.write(Map.of("submissions", submissions)),
                Map.of(IDEMPOTENCY_KEY, idempotencyKey)));
        return read(() -> answer.strings("ids"));
    }

    /** The header that makes a submission safe to send again. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    /** One job with its script; {@code id} in any form users type ({@code 42}, {@code 42.c}, {@code 42[]}). */
    public Job job(String id) {
        return readJob(object(call("GET", "/jobs/" + encodePath(id), "")));
    }

    public JobPage jobs(JobQuery query) {
        JsonFields f = object(call("GET", "/jobs" + query.queryString(), ""));
        List<Job> jobs = list(f, "jobs", Codec::readJob);
        return read(() -> {
            String next = "";
            if (f.has("next")) {
                Object n = f.raw().get("next");
                next = n instanceof Number ? String.valueOf(n) : f.string("next");
            }
            return new JobPage(jobs, f.longValue("total", jobs.size()),
                    next.isEmpty() ? Optional.empty() : Optional.of(next));
        });
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
    public String report(Instant start, Instant end, String user, String account, String queue) {
        String body = call("GET", "/report?start=" + encode(start.toString()) + "&end=" + encode(end.toString())
                + "&user=" + encode(user) + "&account=" + encode(account) + "&queue=" + encode(queue), "");
        object(body); // a head that answers something else is reported here, not by the caller's parser
        return body;
    }

    /**
     * {@code hpc report --pbs-records}: the PBS accounting records (Q, S, R, D, E) of the events between {@code start}
     * and {@code end}, filtered as {@link #report}; the answer's JSON text as documented in docs/accounting.md.
     */
    public String reportRecords(Instant start, Instant end, String user, String account,
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
        Map<String, Object> body = new LinkedHashMap<>();
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

    /** Advance reservations: {@code pbs_rsub}, {@code pbs_rstat}, {@code pbs_ralter}, {@code pbs_rdel}. */
    public Reservations reservations() {
        return new Reservations(this);
    }

    /** The queues of the cluster with their job counts ({@code qstat -Q}). */
    public List<QueueInfo> queues() {
        return readQueues(object(call("GET", "/queues", "")));
    }

    private List<QueueInfo> readQueues(JsonFields f) {
        return list(f, "queues", QueueInfo::read);
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
        return read(() -> JobOutput.fromMap(f));
    }

    // ---- nodes and cluster

    public List<NodeInfo> nodes() {
        return list(object(call("GET", "/nodes", "")), "nodes", Codec::readNode);
    }

    public NodeInfo node(String name) {
        JsonFields f = object(call("GET", "/nodes/" + encodePath(name), ""));
        return read(() -> Codec.readNode(f));
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
        return read(() -> Codec.readNode(f));
    }

    /** The newest {@code limit} alerts of the head's event log, oldest first. */
    public List<Alert> events(int limit) {
        return readEvents("/events/log?limit=" + limit);
    }

    /** The newest {@code limit} alerts of the event log about the tasks of job {@code id} ({@code tracejob}). */
    public List<Alert> jobEvents(String id, int limit) {
        return readEvents("/events/log?limit=" + limit + "&job=" + encode(id));
    }

    private List<Alert> readEvents(String path) {
        return list(object(call("GET", path, "")), "events", Codec::readAlert);
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
        return list(object(call("GET", "/tokens", "")), "tokens", TokenInfo::read);
    }

    /** Revokes the token with this id, or every token of this user (admins only); the revoked tokens. */
    public List<TokenInfo> revokeToken(String userOrId) {
        return list(object(call("DELETE", "/tokens/" + encodePath(userOrId), "")), "revoked", TokenInfo::read);
    }

    // ---- machinery

    private Job readJob(JsonFields f) {
        return read(() -> Codec.readJob(f));
    }

    JsonFields object(String body) {
        return read(() -> Json.readObject(body));
    }

    /** The objects of an answer's list {@code field}, each read by {@code reader}. */
    private <T> List<T> list(JsonFields answer, String field, Function<JsonFields, T> reader) {
        // a list the caller may sort, as before
        return read(() -> answer.objects(field).stream().map(reader).collect(Collectors.toCollection(ArrayList::new)));
    }

    /** What the head sent, read by {@code reading}; an answer this client cannot read says so. */
    <T> T read(Supplier<T> reading) {
        try {
            return reading.get();
        } catch (InvalidRequestException e) {
            throw unreadable(e);
        }
    }

    private HpcException unreadable(HpcException e) {
        return new HpcException("the head at " + preferredHead() + " sent an answer this client cannot read ("
                + e.getMessage() + "); are the client and the head the same version?", e);
    }

    String call(String method, String path, String body) {
        return transport.call(method, path, body, Map.of(), true);
    }

    private String call(String method, String path, String body, Map<String, String> headers) {
        return transport.call(method, path, body, headers, true);
    }

    private String call(String method, String path, String body, Map<String, String> headers, boolean resendable) {
        return transport.call(method, path, body, headers, resendable);
    }

    private static String encode(String s) {
        return HeadTransport.encode(s);
    }

    private static String encodePath(String segment) {
        return HeadTransport.encodePath(segment);
    }
}
