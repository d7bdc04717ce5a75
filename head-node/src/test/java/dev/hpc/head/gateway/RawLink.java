package dev.hpc.head.gateway;

import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/** A worker link driven frame by frame by the test: what it sends is exactly what the test says. */
final class RawLink implements AutoCloseable {
    /** How the head closed the link: the close code and reason. */
    record Closed(int code, String reason) {
    }

    private final BlockingQueue<WireMessage.FromHead> inbox = new LinkedBlockingQueue<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private WebSocket socket;

    static RawLink open(String wsBase, Optional<SSLContext> tls) throws Exception {
        HttpClient.Builder http = HttpClient.newBuilder();
        tls.ifPresent(http::sslContext);
        return open(wsBase, http.build());
    }

    /** A link made by a client the test shares between many links. */
    static RawLink open(String wsBase, HttpClient http) throws Exception {
        RawLink link = new RawLink();
        link.socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create(wsBase + WorkerGateway.PATH), link.listener()).get(10, TimeUnit.SECONDS);
        return link;
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    inbox.add(WireCodec.decodeFromHead(text.toString()));
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                closed.complete(new Closed(code, reason));
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                closed.complete(new Closed(-1, String.valueOf(error)));
            }
        };
    }

    synchronized void send(WireMessage message) {
        socket.sendText(WireCodec.encode(message), true).join();
    }

    <T extends WireMessage.FromHead> T next(Class<T> type) throws InterruptedException {
        WireMessage.FromHead m = inbox.poll(10, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no message from the head within 10 s; waited for a " + type.getSimpleName());
        }
        if (!type.isInstance(m)) {
            throw new AssertionError("expected a " + type.getSimpleName() + " from the head, got " + m);
        }
        return type.cast(m);
    }

    Closed awaitClosed() throws Exception {
        return closed.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (socket != null && !socket.isOutputClosed()) {
            socket.abort();
        }
    }
}
