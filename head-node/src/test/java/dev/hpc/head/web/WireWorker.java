package dev.hpc.head.web;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Health;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.api.wire.WireMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A worker that speaks the real worker link (WireCodec frames over a WebSocket) but runs nothing: a
 * launched task "runs" until the test finishes it. It lets the browser tests see R, C and a node
 * going down without processes; the integration tests do the same with real worker agents.
 */
public final class WireWorker implements AutoCloseable {
    private final String node;
    private final ScheduledExecutorService beats;
    private final Map<Long, LaunchOrder> running = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<LaunchOrder>> launches = new ConcurrentHashMap<>();
    private final CompletableFuture<WireMessage.Welcome> welcome = new CompletableFuture<>();
    private volatile WebSocket socket;
    private volatile boolean silent;
    /** What the tasks "wrote" to stdout, by task name, for reads of their output (hpc peek). */
    private final Map<String, byte[]> outputs = new ConcurrentHashMap<>();
    private volatile boolean answerReads = true;

    private WireWorker(String node) {
        this.node = node;
        this.beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "wire-worker-" + node);
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects, registers with {@code cores} cores and heartbeats at the interval the head asks for. */
    public static WireWorker connect(String baseUrl, String node, int cores) throws Exception {
        WireWorker w = new WireWorker(node);
        URI uri = URI.create(baseUrl.replace("http://", "ws://") + "/api/v1/workers/link");
        w.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, w.listener()).get(10, TimeUnit.SECONDS);
        w.send(new WireMessage.Register(node, "127.0.0.1", cores, 8L << 30, Map.of(), "", List.of(), List.of(),
                health()));
        long every = w.welcome.get(10, TimeUnit.SECONDS).heartbeatInterval().toMillis();
        w.beats.scheduleAtFixedRate(w::beat, every, every, TimeUnit.MILLISECONDS);
        return w;
    }

    private static Health health() {
        return new Health(0.42, 6L << 30, 100L << 30, true, "");
    }

    private void beat() {
        if (!silent) {
            try {
                send(new WireMessage.Heartbeat(health(), new ArrayList<>(running.keySet()), ""));
            } catch (RuntimeException e) {
                // the head is gone; the test will notice
            }
        }
    }

    private synchronized void send(WireMessage message) {
        socket.sendText(WireCodec.encode(message), true).join();
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    String frame = text.toString();
                    text.setLength(0);
                    beats.execute(() -> onFrame(WireCodec.decodeFromHead(frame)));
                }
                ws.request(1);
                return null;
            }
        };
    }

    private void onFrame(WireMessage.FromHead message) {
        if (message instanceof WireMessage.Welcome w) {
            welcome.complete(w);
        } else if (message instanceof WireMessage.Refused r) {
            welcome.completeExceptionally(new IllegalStateException("refused: " + r.message()));
        } else if (message instanceof WireMessage.Launch l) {
            LaunchOrder order = l.order();
            running.put(order.attemptId(), order);
            send(new WireMessage.TaskStarted(order.attemptId(), 40_000 + order.attemptId()));
            launches.computeIfAbsent(order.taskName(), k -> new CompletableFuture<>()).complete(order);
        } else if (message instanceof WireMessage.ReadOutput r) {
            if (answerReads) {
                send(readOutput(r));
            }
        } else if (message instanceof WireMessage.Kill k) {
            LaunchOrder order = running.remove(k.attemptId());
            if (order != null) {
                send(new WireMessage.TaskFinished(new WireMessage.TaskResult(k.attemptId(), order.taskName(),
                        256 + 15, k.reason(), Instant.now())));
            }
        }
    }

    /** Answers a read as the real worker does, from what {@link #output} gave; stderr is always empty. */
    private WireMessage.OutputChunk readOutput(WireMessage.ReadOutput r) {
        String task = launches.values().stream().map(f -> f.getNow(null)).filter(o -> o != null
                && o.attemptId() == r.attemptId()).map(LaunchOrder::taskName).findFirst().orElse("");
        if (task.isEmpty()) {
            return new WireMessage.OutputChunk(r.requestId(), 0, new byte[0], 0, "", "node " + node
                    + " has no output of attempt " + r.attemptId());
        }
        byte[] all = r.stream().equals("stdout") ? outputs.getOrDefault(task, new byte[0]) : new byte[0];
        long start = r.offset() < 0 ? Math.max(0, all.length + r.offset()) : Math.min(r.offset(), all.length);
        int n = (int) Math.min(r.maxBytes(), all.length - start);
        return new WireMessage.OutputChunk(r.requestId(), start, java.util.Arrays.copyOfRange(all, (int) start,
                (int) start + n), all.length, "/work/" + task + "." + r.stream(), "");
    }

    /** Sets what the task has written to its stdout so far (read back through GET .../output). */
    public void output(String taskName, byte[] stdout) {
        outputs.put(taskName, stdout.clone());
    }

    /** Whether reads of output are answered; a worker that does not answer makes the head time out. */
    public void answerReads(boolean answer) {
        answerReads = answer;
    }

    public String node() {
        return node;
    }

    /** Waits until the head launches this task here ({@code 7.c}, or {@code 8[2].c} for an array task). */
    public LaunchOrder awaitLaunch(String taskName, Duration timeout) throws Exception {
        return launches.computeIfAbsent(taskName, k -> new CompletableFuture<>())
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Ends a running task as if its script exited with {@code exitStatus}. */
    public void finish(String taskName, int exitStatus) {
        LaunchOrder order = running.values().stream().filter(o -> o.taskName().equals(taskName)).findFirst()
                .orElseThrow(() -> new IllegalStateException(taskName + " is not running on " + node));
        running.remove(order.attemptId());
        send(new WireMessage.TaskFinished(new WireMessage.TaskResult(order.attemptId(), taskName, exitStatus,
                EndReason.EXITED, Instant.now())));
    }

    /** Dies like a killed process: the link drops and no heartbeat comes any more. */
    public void kill() {
        silent = true;
        socket.abort();
        beats.shutdownNow();
    }

    @Override
    public void close() {
        silent = true;
        beats.shutdownNow();
        if (socket != null && !socket.isOutputClosed()) {
            socket.abort();
        }
    }
}
