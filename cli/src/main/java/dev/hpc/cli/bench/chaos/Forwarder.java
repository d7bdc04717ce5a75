package dev.hpc.cli.bench.chaos;

import dev.hpc.api.HpcException;
import dev.hpc.cli.bench.BenchSupport;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One network link of the fault suite's cluster: a TCP forwarder on loopback from {@code listenPort} to
 * {@code targetPort}, which the suite cuts and heals. A daemon is given the forwarder's address instead of its
 * peer's, so that one link (one head's worker link of one worker, one head's lease requests to the arbiter) can
 * be cut while every other stays up.
 *
 * <p>Two kinds of cut, as networks fail:
 * <ul>
 *   <li>{@link CutMode#DROP}: a pulled cable or a firewall that drops packets. Nothing is closed: bytes already
 *   sent and new connections are held, unanswered, and go through when the link heals, so each side learns of
 *   the cut only from its own timeouts;</li>
 *   <li>{@link CutMode#RESET}: a firewall that rejects, or a peer host that rebooted. Every connection is reset
 *   and new ones are refused until the link heals.</li>
 * </ul>
 * Thread per connection direction: the suite's links carry a few connections each.
 */
public final class Forwarder implements AutoCloseable {
    /** How a link is cut. */
    public enum CutMode {
        /** Everything held, nothing closed: the peers only see silence. */
        DROP,
        /** Every connection reset, new ones refused. */
        RESET;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private enum State { OPEN, DROPPING, REFUSING, CLOSED }

    private static final int BUFFER = 64 * 1024;
    private static final int BIND_TRIES = 50;

    private final String name;
    private final int listenPort;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Connections accepted while dropping: connected to the target only when the link heals. */
    private final List<Socket> held = new ArrayList<>();
    private final Object lock = new Object();
    private State state = State.OPEN;
    private ServerSocket server;
    /** The thread that accepts on {@link #server}; a reset cut waits for it to leave. */
    private Thread acceptor;

    /**
     * Listens on {@code 127.0.0.1:listenPort} at once and forwards each connection to
     * {@code 127.0.0.1:targetPort}.
     *
     * @param name names the link in thread names and errors ({@code node1>head2})
     */
    public Forwarder(String name, int listenPort, int targetPort) {
        this.name = name;
        this.listenPort = listenPort;
        this.targetPort = targetPort;
        synchronized (lock) {
            listen();
        }
    }

    public String name() {
        return name;
    }

    /** The address the daemon on the near side is given. */
    public String address() {
        return InetAddress.getLoopbackAddress().getHostAddress() + ":" + listenPort;
    }

    public boolean isCut() {
        synchronized (lock) {
            return state == State.DROPPING || state == State.REFUSING;
        }
    }

    private void listen() {
        IOException last = null;
        // after a reset the port may linger for a moment; nothing else on this machine should take it
        for (int i = 0; i < BIND_TRIES; i++) {
            try {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
                server = s;
                Thread t = new Thread(() -> accept(s), "link-" + name + "-accept");
                t.setDaemon(true);
                acceptor = t;
                t.start();
                return;
            } catch (IOException e) {
                last = e;
                BenchSupport.pause(Duration.ofMillis(100));
            }
        }
        throw new HpcException("cannot listen on port " + listenPort + " for the link " + name + " (" + last
                + "): another program took it; give the suite another --port");
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            Socket in;
            try {
                in = s.accept();
            } catch (IOException e) {
                return; // closed by a reset cut or by close()
            }
            synchronized (lock) {
                switch (state) {
                    case OPEN -> connect(in);
                    case DROPPING -> held.add(in);
                    default -> closeQuietly(in);
                }
            }
        }
    }

    /** Connects an accepted socket to the target and starts both directions; called holding the lock. */
    private void connect(Socket in) {
        Socket out;
        try {
            out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        } catch (IOException e) {
            // the peer is down: the caller sees its connection closed, as when connecting to it directly
            closeQuietly(in);
            return;
        }
        try {
            in.setTcpNoDelay(true);
            out.setTcpNoDelay(true);
        } catch (IOException e) {
            // delays only
        }
        open.add(in);
        open.add(out);
        pump(in, out, "up");
        pump(out, in, "down");
    }

    private void pump(Socket from, Socket to, String direction) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[BUFFER];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (!awaitPassable()) {
                        break;
                    }
                    out.write(buf, 0, n);
                }
                // the end of a stream is held by a dropping link like any byte
                awaitPassable();
            } catch (IOException e) {
                // one side closed, or the link was reset
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "link-" + name + "-" + direction);
        t.setDaemon(true);
        t.start();
    }

    /** Waits while the link drops; true when the bytes may go on, false when it was reset or closed. */
    private boolean awaitPassable() {
        synchronized (lock) {
            while (state == State.DROPPING) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return state == State.OPEN;
        }
    }

    /**
     * Cuts the link; a link already cut stays as it is. A reset cut returns once the port refuses connections:
     * a thread blocked in accept keeps the closed listening socket alive in the kernel until it wakes, and a
     * connection made in that moment would still be taken (the suite's ForwarderTest saw it now and then).
     */
    public void cut(CutMode mode) {
        Thread leaving;
        synchronized (lock) {
            if (state != State.OPEN) {
                return;
            }
            if (mode == CutMode.DROP) {
                state = State.DROPPING;
                return;
            }
            state = State.REFUSING;
            closeQuietly(server);
            closeAll();
            leaving = acceptor;
            lock.notifyAll();
        }
        if (leaving != null && leaving != Thread.currentThread()) {
            try {
                leaving.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Lets traffic through again: held bytes and connections go on; after a reset, new connections are taken. */
    public void heal() {
        synchronized (lock) {
            switch (state) {
                case DROPPING -> {
                    state = State.OPEN;
                    List<Socket> waiting = new ArrayList<>(held);
                    held.clear();
                    waiting.forEach(this::connect);
                    lock.notifyAll();
                }
                case REFUSING -> {
                    state = State.OPEN;
                    listen();
                }
                default -> {
                    // open already, or closed for good
                }
            }
        }
    }

    private void closeAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
        held.forEach(Forwarder::closeQuietly);
        held.clear();
    }

    private static void closeQuietly(Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            state = State.CLOSED;
            closeQuietly(server);
            closeAll();
            lock.notifyAll();
        }
    }

    @Override
    public String toString() {
        return name + " (" + listenPort + " -> " + targetPort + ")";
    }
}
