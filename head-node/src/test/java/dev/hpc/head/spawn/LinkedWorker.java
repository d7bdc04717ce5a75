package dev.hpc.head.spawn;

import dev.hpc.api.job.Health;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A worker on the real link that runs nothing: it registers, heartbeats with the attempts it was
 * launched, records what the head sends, and sends what the test says.
 */
public final class LinkedWorker implements AutoCloseable {
    private final String node;
    private final BlockingQueue<WireMessage.FromHead> inbox = new LinkedBlockingQueue<>();
    private final List<Long> running = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "linked-worker");
        t.setDaemon(true);
        return t;
    });
    private volatile WebSocket socket;

    private LinkedWorker(String node) {
        this.node = node;
    }

    public static LinkedWorker connect(String baseUrl, String node) throws Exception {
        return connect(baseUrl, node, List.of());
    }

    /** A worker that registers running the given attempts, as one does after its link dropped. */
    public static LinkedWorker connect(String baseUrl, String node, List<WireMessage.RunningTask> runs)
            throws Exception {
        LinkedWorker w = new LinkedWorker(node);
        for (WireMessage.RunningTask r : runs) {
            w.running.add(r.attemptId());
        }
        URI uri = URI.create(baseUrl.replace("http://", "ws://") + "/api/v1/workers/link");
        w.socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, w.listener())
                .get(10, TimeUnit.SECONDS);
        w.send(new WireMessage.Register(node, "machine-" + node, 2, 8L << 30, Map.of(), "", List.copyOf(runs), List.of(),
                new Health(0.1, 6L << 30, 100L << 30, true, "")));
        w.next(WireMessage.Welcome.class, m -> true);
        w.beats.scheduleAtFixedRate(() -> w.send(new WireMessage.Heartbeat(new Health(0.1, 6L << 30, 100L << 30, true,
                ""), List.copyOf(w.running), "")), 200, 500, TimeUnit.MILLISECONDS);
        return w;
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    WireMessage.FromHead m = WireCodec.decodeFromHead(text.toString());
                    text.setLength(0);
                    if (m instanceof WireMessage.Launch l) {
                        running.add(l.order().attemptId());
                    }
                    inbox.add(m);
                }
                ws.request(1);
                return null;
            }
        };
    }

    public synchronized void send(WireMessage message) {
        socket.sendText(WireCodec.encode(message), true).join();
    }

    /** The next message of the type that matches; others are skipped. */
    public <T extends WireMessage.FromHead> T next(Class<T> type, Predicate<T> test) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            WireMessage.FromHead m = inbox.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("node " + node + " got no " + type.getSimpleName() + " within 10 s");
            }
            if (type.isInstance(m) && test.test(type.cast(m))) {
                return type.cast(m);
            }
        }
    }

    /** The link drops, as when the worker dies. */
    public void kill() {
        beats.shutdownNow();
        socket.abort();
    }

    /** Closes the link as a live worker does, with a close frame, and goes away. */
    public void leave() throws Exception {
        beats.shutdownNow();
        socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        beats.shutdownNow();
        if (!socket.isOutputClosed()) {
            socket.abort();
        }
    }
}
