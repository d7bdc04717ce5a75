package dev.hpc.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs the served path of {@code qsub} and {@code qstat} a few times as a new {@link CommandServer} starts, before
 * it takes calls, so that the user's first calls find its classes loaded and its code compiled: the first served
 * call took about 180 ms, and the next thirty 10 to 20 ms each, against 5 to 6 ms once warm (docs/performance.md).
 *
 * <p>Each call goes through {@link CommandCall} as a launcher's would, standard input included, with no token of the
 * user's and no wait, to a loopback port that this server holds bound and never listens on: the connection is
 * refused at once and the call ends with its error. Holding the port keeps anybody else from listening there (a
 * low port would not do: containers often let any user bind one). So the warm-up opens no port that can be
 * connected to, which the server must never have (any user could connect to one), and sends nothing anywhere.
 */
final class CommandServerWarmUp {
    static final int ROUNDS = 15;
    /** The launcher whose call started the server waits for it: a slow machine stops warming early. */
    static final Duration AT_MOST = Duration.ofSeconds(1);
    private static final Map<String, String> ENV = Map.of(ClientOptions.WAIT_ENV, "0", "HPC_TOKEN", "warm-up",
            "HPC_CONFIG", "/nonexistent/hpc-warm-up-config", "HOME", "/nonexistent");

    private CommandServerWarmUp() {
    }

    /** The calls, one after the other; returns how many answered as a refused head does. */
    static int run(int rounds, Duration atMost, PreparedCommandLines trees) {
        long deadline = System.nanoTime() + atMost.toNanos();
        try (SocketChannel held = SocketChannel.open()) {
            held.setOption(StandardSocketOptions.SO_REUSEADDR, false);
            held.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
            String nowhere = "127.0.0.1:" + ((InetSocketAddress) held.getLocalAddress()).getPort();
            int refused = 0;
            try {
                for (int i = 0; i < rounds && System.nanoTime() < deadline; i++) {
                    refused += call(List.of("qsub", "-h", "--server", nowhere), "true\n", trees);
                    refused += call(List.of("qstat", "--server", nowhere, String.valueOf(i + 1)), "", trees);
                }
            } finally {
                ClientOptions.forgetSharedClients(nowhere);
            }
            return refused;
        } catch (IOException e) {
            return 0; // no loopback port to hold: the server starts cold
        }
    }

    private static int call(List<String> args, String stdin, PreparedCommandLines trees) {
        byte[] data = stdin.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream asked = new ByteArrayOutputStream();
        asked.writeBytes((data.length + "\n").getBytes(StandardCharsets.US_ASCII));
        asked.writeBytes(data);
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        try {
            new CommandCall(Path.of("/"), args, ENV).answer(new ByteArrayInputStream(asked.toByteArray()), answer,
                    trees);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return answer.toString(StandardCharsets.UTF_8).contains("EXIT " + ExitCodes.UNAVAILABLE + "\n") ? 1 : 0;
    }
}
