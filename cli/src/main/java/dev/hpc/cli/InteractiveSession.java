package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.wire.SpawnProtocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The client half of an interactive session ({@code qsub -I}): a WebSocket to the active head
 * ({@link SpawnProtocol#SESSION_PATH}), the shell's output to this process's standard output and error, this
 * process's standard input to the shell, terminal size changes as resize frames. It ends with the shell's
 * exit status, or with {@link Outcome#lost} and the reason when the session ended without one (a takeover of
 * the head, a lost worker link).
 */
final class InteractiveSession {
    /** How long to keep asking the heads when none is active (a takeover under way). */
    private static final Duration FIND_ACTIVE = Duration.ofSeconds(30);
    private static final int CHUNK = 4096;

    /** How a session ended: the shell's exit status, or none, with the notes the head sent. */
    record Outcome(Optional<Integer> exitStatus, List<String> notes, String closedBecause) {
        boolean lost() {
            return exitStatus.isEmpty();
        }
    }

    /** A refusal of the head that asking another head would not change. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final HeadClient head;
    private final String jobId;
    private final OutputStream out;
    private final OutputStream err;
    private final PrintWriter messages;

    InteractiveSession(HeadClient head, String jobId, OutputStream out, OutputStream err, PrintWriter messages) {
        this.head = head;
        this.jobId = jobId;
        this.out = out;
        this.err = err;
        this.messages = messages;
    }

    /** One open WebSocket and what came on it. */
    private final class Link implements WebSocket.Listener {
        final CompletableFuture<Outcome> ended = new CompletableFuture<>();
        /** The head took the session: it sends a keepalive first (a refusal is a note and a close). */
        final CompletableFuture<Boolean> opened = new CompletableFuture<>();
        final List<String> notes = new ArrayList<>();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        volatile Optional<Integer> exit = Optional.empty();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            partial.writeBytes(bytes);
            if (last) {
                byte[] message = partial.toByteArray();
                partial.reset();
                try {
                    frame(SpawnProtocol.parse(message));
                } catch (IOException e) {
                    notes.add("a bad frame from the head: " + e.getMessage());
                }
            }
            ws.request(1);
            return null;
        }

        private void frame(SpawnProtocol.Frame f) throws IOException {
            if (f.kind() != SpawnProtocol.NOTE) {
                opened.complete(true);
            }
            switch (f.kind()) {
                case SpawnProtocol.STDOUT -> {
                    out.write(f.payload());
                    out.flush();
                }
                case SpawnProtocol.STDERR -> {
                    err.write(f.payload());
                    err.flush();
                }
                case SpawnProtocol.NOTE -> notes.add(f.text());
                case SpawnProtocol.EXIT -> exit = Optional.of(f.exitStatus());
                default -> {
                    // keepalives, and kinds of a newer head
                }
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            ended.complete(new Outcome(exit, List.copyOf(notes), statusCode + (reason.isEmpty() ? "" : " " + reason)));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            ended.complete(new Outcome(exit, List.copyOf(notes), "the connection to the head failed: "
                    + (error.getMessage() == null ? error.toString() : error.getMessage())));
        }
    }

    /**
     * Runs the session until the shell ends or the connection does; {@code in} is copied to the shell (its
     * end closes the shell's input), and {@code terminal}, when present, reports size changes.
     */
    Outcome run(InputStream in, boolean tty, Optional<Terminal> terminal) throws InterruptedException {
        int[] size = terminal.map(Terminal::size).orElse(new int[] {0, 0});
        String term = Optional.ofNullable(System.getenv("TERM")).orElse("");
        long giveUp = System.nanoTime() + FIND_ACTIVE.toNanos();
        while (true) {
            for (String address : ordered()) {
                Link link = new Link();
                WebSocket ws;
                try {
                    ws = head.openSession(address, jobId, tty, size[0], size[1], term, link)
                            .get(head.settings().connectTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    continue; // that head is down: the next one
                }
                Optional<Outcome> o = follow(ws, link, in, terminal);
                if (o.isPresent()) {
                    return o.get();
                }
            }
            if (System.nanoTime() - giveUp > 0) {
                throw new HeadTransport.UnavailableException("no active head answered at " + String.join(",",
                        head.heads()) + " within " + FIND_ACTIVE.toSeconds() + " s");
            }
            Thread.sleep(500);
        }
    }

    private List<String> ordered() {
        List<String> heads = new ArrayList<>(head.heads());
        int first = heads.indexOf(head.preferredHead());
        List<String> out = new ArrayList<>(heads.subList(first, heads.size()));
        out.addAll(heads.subList(0, first));
        return out;
    }

    /** Follows an open link; empty when that head was not the active one. */
    private Optional<Outcome> follow(WebSocket ws, Link link, InputStream in, Optional<Terminal> terminal)
            throws InterruptedException {
        // the input is read only once a head took the session: what a refusing head was sent would be lost
        Thread pump = new Thread(() -> pump(ws, in, link), "qsub-session-input");
        pump.setDaemon(true);
        Optional<AutoCloseable> resizes = Optional.empty();
        Outcome o;
        try {
            CompletableFuture.anyOf(link.opened, link.ended).get();
            if (link.opened.isDone()) {
                resizes = terminal.map(t -> t.onResize(s -> send(ws, SpawnProtocol.resizeFrame(s[0], s[1]))));
                pump.start();
            }
            o = link.ended.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("should never happen: the session's end completes normally", e);
        } finally {
            resizes.ifPresent(r -> {
                try {
                    r.close();
                } catch (Exception e) {
                    // the size is no longer followed either way
                }
            });
            pump.interrupt();
        }
        if (o.closedBecause().startsWith(Integer.toString(4503)) && !link.opened.isDone()) {
            return Optional.empty();
        }
        if (o.closedBecause().startsWith("44")) {
            throw new Refused(String.join("; ", o.notes()));
        }
        return Optional.of(o);
    }

    private void pump(WebSocket ws, InputStream in, Link link) {
        byte[] buffer = new byte[CHUNK];
        try {
            int n;
            while (!link.ended.isDone() && (n = in.read(buffer)) >= 0) {
                if (n > 0) {
                    send(ws, SpawnProtocol.frame(SpawnProtocol.INPUT, Arrays.copyOf(buffer, n)));
                }
            }
            if (!link.ended.isDone()) {
                send(ws, SpawnProtocol.frame(SpawnProtocol.INPUT_END, new byte[0]));
            }
        } catch (IOException e) {
            if (!link.ended.isDone()) {
                messages.println("qsub: cannot read standard input: " + e.getMessage() + "; the session's input ends");
                messages.flush();
                send(ws, SpawnProtocol.frame(SpawnProtocol.INPUT_END, new byte[0]));
            }
        }
    }

    /** One frame at a time: a WebSocket takes the next send only once the last one is done. */
    private synchronized void send(WebSocket ws, byte[] frame) {
        try {
            ws.sendBinary(ByteBuffer.wrap(frame), true).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // the session ended; its end says why
        }
    }

    /** The local terminal: its size and its size changes. */
    interface Terminal {
        /** Rows and columns; zeros when unknown. */
        int[] size();

        /** Calls {@code listener} with the new size after each change until closed. */
        AutoCloseable onResize(Consumer<int[]> listener);
    }
}
