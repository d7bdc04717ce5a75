package dev.hpc.worker;

import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage.FromHead;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.Register;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A test double of a head's worker gateway, for the link tests only: it accepts worker links,
 * answers each registration as told, records every message and sends what the test says.
 */
final class FakeHead implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final BlockingQueue<FromWorker> inbox = new LinkedBlockingQueue<>();
    private final List<FromWorker> history = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Function<Register, Optional<FromHead>> onRegister;
    private volatile Function<dev.hpc.api.wire.WireMessage.Heartbeat, Optional<FromHead>> onHeartbeat = h -> Optional.empty();
    private volatile ServerWebSocket current;
    private final HttpServer server;

    FakeHead(Function<Register, Optional<FromHead>> onRegister) {
        this.onRegister = onRegister;
        this.server = vertx.createHttpServer().webSocketHandler(this::accept).listen(0, "127.0.0.1").await();
    }

    int port() {
        return server.actualPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    int connections() {
        return connections.get();
    }

    List<FromWorker> history() {
        return List.copyOf(history);
    }

    void answerRegistrationsWith(Function<Register, Optional<FromHead>> answer) {
        onRegister = answer;
    }

    /** Answers each heartbeat as told, as it arrives, as a head that marked the worker down does. */
    void answerHeartbeatsWith(Function<dev.hpc.api.wire.WireMessage.Heartbeat, Optional<FromHead>> answer) {
        onHeartbeat = answer;
    }

    private void accept(ServerWebSocket ws) {
        if (!HeadLink.PATH.equals(ws.path())) {
            ws.close((short) 1008, "wrong path " + ws.path());
            return;
        }
        connections.incrementAndGet();
        current = ws;
        ws.textMessageHandler(text -> {
            FromWorker m = WireCodec.decodeFromWorker(text);
            if (m instanceof Register r) {
                // answered before the test sees the registration, so that what the test sends comes after
                onRegister.apply(r).ifPresent(answer -> ws.writeTextMessage(WireCodec.encode(answer)));
            } else if (m instanceof dev.hpc.api.wire.WireMessage.Heartbeat h) {
                onHeartbeat.apply(h).ifPresent(answer -> ws.writeTextMessage(WireCodec.encode(answer)));
            }
            history.add(m);
            inbox.add(m);
        });
    }

    void send(FromHead message) {
        ServerWebSocket ws = current;
        if (ws == null) {
            throw new AssertionError("no worker is connected");
        }
        ws.writeTextMessage(WireCodec.encode(message)).await();
    }

    /** Closes the worker's current connection, as a head restart would. */
    void dropConnection() {
        current.close().await();
    }

    /** The next message of {@code type} matching {@code test}; others are skipped (they stay in the history). */
    <T extends FromWorker> T next(Class<T> type, Predicate<T> test) {
        long deadline = System.nanoTime() + Await.TIMEOUT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            FromWorker m;
            try {
                m = left > 0 ? inbox.poll(left, TimeUnit.NANOSECONDS) : null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (m == null) {
                throw new AssertionError("timed out after " + Await.TIMEOUT.toMillis() + " ms waiting for a "
                        + type.getSimpleName() + " at head " + address() + "; received " + history);
            }
            if (type.isInstance(m) && test.test(type.cast(m))) {
                return type.cast(m);
            }
        }
    }

    <T extends FromWorker> T next(Class<T> type) {
        return next(type, m -> true);
    }

    static Duration heartbeat() {
        return Duration.ofMillis(100);
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
