package dev.hpc.head.spawn;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import dev.hpc.api.wire.SpawnProtocol;
import dev.hpc.api.wire.WireMessage;
import dev.hpc.head.HeadService;
import dev.hpc.head.access.Caller;
import dev.hpc.head.access.TokenRecord;
import dev.hpc.head.access.TokenRegistry;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.logging.Logger;

/**
 * The WebSocket of interactive sessions ({@code qsub -I}; {@link SpawnProtocol#SESSION_PATH}): the job's
 * owner, and only them, gets the shell of a running interactive job on the first node of its allocation,
 * through that node's worker link. The shell is followed by {@link SpawnRelay} like a spawned command (its
 * output, its end, a lost worker link, this head stepping down), so this class only checks the caller and
 * the job, and passes the client's input and terminal size on.
 *
 * <p>A refusal is a {@link SpawnProtocol#NOTE} frame that says what to do, then a close with a code: 4401
 * (no valid token), 4403 (not the owner), 4404 (no such job), 4409 (not interactive, not running, or a
 * session is open already) and 4503 (this head is not the active one: the client tries the next head).
 * Admins may not open another user's session: a shell as another user is more than what {@code qdel} and
 * {@code qstat -f} give them.
 *
 * <p>One session at a time per attempt: when its caller goes away, the shell is killed, and the attempt,
 * whose script only waits for the shell, ends with it (so a second {@code qsub -I} of the same job finds
 * it ended).
 */
public final class SessionRoute {
    private static final Logger LOG = Logger.getLogger(SessionRoute.class.getName());
    public static final short UNAUTHENTICATED = 4401;
    public static final short FORBIDDEN = 4403;
    public static final short NOT_FOUND = 4404;
    public static final short NOT_ALLOWED = 4409;
    public static final short NOT_ACTIVE = 4503;
    /** The largest terminal size taken (rows or columns). */
    private static final int MAX_SIZE = 10_000;

    private final Vertx vertx;
    private final HeadService head;
    private final SpawnRelay relay;

    public SessionRoute(Vertx vertx, HeadService head, SpawnRelay relay) {
        this.vertx = vertx;
        this.head = head;
        this.relay = relay;
    }

    /** The spawn id of the session of an attempt: one per attempt. */
    static String spawnId(long attemptId) {
        return "session-" + attemptId;
    }

    /** Takes an upgraded WebSocket on {@link SpawnProtocol#SESSION_PATH}. */
    public void accept(ServerWebSocket ws) {
        Context context = vertx.getOrCreateContext();
        ws.pause();
        try {
            TokenRecord token = token(ws);
            Caller caller = token.caller();
            if (!head.isActive()) {
                refuse(ws, NOT_ACTIVE, "head " + head.config().name() + " is not the active head: ask the next one");
                return;
            }
            Request r = Request.parse(ws);
            head.reads().job(r.job().number()).whenComplete((found, error) -> context.runOnContext(v -> {
                try {
                    if (error != null) {
                        throw error instanceof CompletionException && error.getCause() != null ? error.getCause()
                                : error;
                    }
                    open(ws, context, token, r, found);
                } catch (Refusal e) {
                    refuse(ws, e.code, e.getMessage());
                } catch (Throwable t) {
                    LOG.warning(() -> "session of job " + r.job() + " failed to open: " + t);
                    refuse(ws, NOT_ALLOWED, "the session could not open: " + t.getMessage());
                }
            }));
        } catch (Refusal e) {
            refuse(ws, e.code, e.getMessage());
        } catch (HpcException e) {
            refuse(ws, NOT_FOUND, e.getMessage());
        }
    }

    private TokenRecord token(ServerWebSocket ws) {
        String h = ws.headers().get("Authorization");
        String token = h != null && h.strip().regionMatches(true, 0, "Bearer ", 0, 7) ? h.strip().substring(7).strip()
                : "";
        if (token.isEmpty()) {
            throw new Refusal(UNAUTHENTICATED, "the session needs your token: send 'Authorization: Bearer TOKEN' "
                    + "(qsub sends ~/.hpc/token or $HPC_TOKEN)");
        }
        return head.tokens().find(token).orElseThrow(() -> new Refusal(UNAUTHENTICATED,
                "the token is not valid on this cluster (unknown or revoked): ask an admin for a new one"));
    }

    /** What the client asked, from the query. */
    record Request(JobId.JobRef job, boolean tty, int rows, int cols, String term) {
        static Request parse(ServerWebSocket ws) {
            MultiMap q = MultiMap.caseInsensitiveMultiMap();
            String query = ws.query() == null ? "" : ws.query();
            new QueryStringDecoder(query, false).parameters()
                    .forEach((k, values) -> q.add(k, values));
            String job = q.get("job");
            if (job == null || job.isBlank()) {
                throw new Refusal(NOT_FOUND, "the session's address needs ?job=ID");
            }
            return new Request(JobId.parse(job), "true".equals(q.get("tty")), size(q.get("rows")), size(q.get("cols")),
                    q.get("term") == null ? "" : q.get("term"));
        }

        private static int size(String text) {
            try {
                int n = text == null ? 0 : Integer.parseInt(text);
                return n < 0 || n > MAX_SIZE ? 0 : n;
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    private void open(ServerWebSocket ws, Context context, TokenRecord token, Request r, Optional<Job> found) {
        Caller caller = token.caller();
        Job job = found.orElseThrow(() -> new Refusal(NOT_FOUND, "job " + r.job() + " is unknown here (qstat -x "
                + "lists the jobs that ended)"));
        if (!job.spec().owner().equals(caller.user())) {
            throw new Refusal(FORBIDDEN, "job " + job.id() + " is not yours: only its owner may open its session");
        }
        if (!job.spec().interactive()) {
            throw new Refusal(NOT_ALLOWED, "job " + job.id() + " was not submitted with -I, so it has no session: "
                    + "follow its output with 'hpc attach " + job.id() + "'");
        }
        if (job.tasks().size() != 1) {
            throw new Refusal(NOT_ALLOWED, "job " + job.id() + " is an array: an interactive job has one task");
        }
        Task task = job.tasks().get(0);
        Optional<Attempt> running = task.state() == JobState.RUNNING && !task.attempts().isEmpty()
                ? Optional.of(task.attempts().get(task.attempts().size() - 1)) : Optional.empty();
        if (running.isEmpty() || running.get().nodes().isEmpty()) {
            throw new Refusal(NOT_ALLOWED, "job " + job.id() + " is " + task.state().name().toLowerCase(
                    Locale.ROOT) + (task.state().isTerminal() ? ": its session has ended"
                    : ", not running: wait for its start"));
        }
        Attempt attempt = running.get();
        String node = attempt.nodes().get(0).node();
        String spawnId = spawnId(attempt.id());
        if (relay.following(spawnId)) {
            throw new Refusal(NOT_ALLOWED, "job " + job.id() + " has a session open already (one session per job)");
        }
        WsSink sink = new WsSink(context, ws);
        WireMessage.OpenSession start = new WireMessage.OpenSession(head.epoch(), attempt.id(), spawnId, r.tty(),
                r.rows(), r.cols(), r.term());
        Optional<Object> key = relay.followSession(spawnId, node, attempt.id(), sink, start);
        if (key.isEmpty()) {
            sink.end(SpawnProtocol.noteFrame(relay.following(spawnId) ? "job " + job.id() + " has a session open "
                    + "already" : "node " + node + " has no link to head " + head.config().name() + " now; try "
                    + "again in a moment"), SpawnProtocol.exitFrame(SpawnProtocol.LOST));
            return;
        }
        LOG.info(() -> caller.user() + " opened the session of " + job.id() + " on " + node + " ("
                + (r.tty() ? "terminal " + r.rows() + "x" + r.cols() : "no terminal") + ")");
        // the client sends its input only after this first frame: a refusal is a note and a close instead
        sink.write(SpawnProtocol.frame(SpawnProtocol.KEEPALIVE, new byte[0]));
        // a revoked token ends the session as it ends every answer it holds open (docs/security.md)
        TokenRegistry.Hold hold = head.tokens().whileValid(token, why -> sink.end(
                SpawnProtocol.noteFrame("the session ended: " + why)));
        ws.closeHandler(v -> {
            hold.release();
            relay.leave(spawnId, key.get());
        });
        ws.binaryMessageHandler(b -> fromClient(node, spawnId, b));
        ws.resume();
    }

    private void fromClient(String node, String spawnId, Buffer message) {
        SpawnProtocol.Frame f;
        try {
            f = SpawnProtocol.parse(message.getBytes());
        } catch (IOException e) {
            LOG.fine(() -> "session " + spawnId + ": a bad frame from the client: " + e.getMessage());
            return;
        }
        long epoch = head.epoch();
        switch (f.kind()) {
            case SpawnProtocol.INPUT -> relay.toWorker(node, new WireMessage.SessionInput(epoch, spawnId, f.payload(),
                    false));
            case SpawnProtocol.INPUT_END -> relay.toWorker(node, new WireMessage.SessionInput(epoch, spawnId,
                    new byte[0], true));
            case SpawnProtocol.RESIZE -> {
                int[] size = f.size();
                if (size[0] > 0 && size[1] > 0 && size[0] <= MAX_SIZE && size[1] <= MAX_SIZE) {
                    relay.toWorker(node, new WireMessage.SessionResize(epoch, spawnId, size[0], size[1]));
                }
            }
            default -> LOG.fine(() -> "session " + spawnId + ": ignored a frame of kind " + (char) f.kind());
        }
    }

    private static void refuse(ServerWebSocket ws, short code, String message) {
        if (ws.isClosed()) {
            return;
        }
        ws.writeBinaryMessage(Buffer.buffer(SpawnProtocol.noteFrame(message)));
        String reason = message.length() > 100 ? message.substring(0, 100) : message;
        ws.close(code, reason);
    }

    /** Frames to the client, one binary message each, on the WebSocket's context. */
    private record WsSink(Context context, ServerWebSocket ws) implements SpawnRelay.Sink {
        @Override
        public void write(byte[] frame) {
            context.runOnContext(v -> {
                if (!ws.isClosed()) {
                    ws.writeBinaryMessage(Buffer.buffer(frame));
                }
            });
        }

        @Override
        public void end(byte[]... frames) {
            context.runOnContext(v -> {
                if (!ws.isClosed()) {
                    for (byte[] f : frames) {
                        ws.writeBinaryMessage(Buffer.buffer(f));
                    }
                    ws.close();
                }
            });
        }
    }

    /** A refusal before the session opens. */
    private static final class Refusal extends RuntimeException {
        final short code;

        Refusal(short code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }
}
