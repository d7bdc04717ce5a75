package dev.hpc.cli;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.ClientTls;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.UserHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * The {@code --server} and {@code --token-file} options every command that talks to a head mixes in,
 * and the client built from them. {@code HPC_WAIT} (seconds) changes how long a command waits for a
 * head during a takeover (default 30). A head address written {@code https://host:port} is reached
 * over TLS, trusting the PEM file of {@code HPC_TLS_CA} or {@code tls-ca=} in the config file
 * (docs/security.md).
 */
public final class ClientOptions {
    public static final String WAIT_ENV = "HPC_WAIT";

    @Option(names = "--server", paramLabel = "HOST:PORT[,HOST:PORT]",
            description = "the heads to ask (default: $HPC_SERVER, else server= in ~/.hpc/config or $HPC_CONFIG)")
    String server;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "the API token to send (default: $HPC_TOKEN, else the file $HPC_TOKEN_FILE, else "
                    + "~/.hpc/token); the file must be private (chmod 600)")
    Path tokenFile;

    /** The user commands act as: the login name of whoever runs the CLI. */
    public static String user() {
        return System.getProperty("user.name", "");
    }

    public HeadClient client() {
        Invocation invocation = Invocation.current();
        Map<String, String> env = invocation.env();
        Path home = UserHome.of(env);
        Path config = ConfigFile.path(env, home);
        ServerDiscovery.Servers servers = ServerDiscovery.discover(Optional.ofNullable(server), env, config);
        ApiToken token = token(env, home);
        HeadTransport.Settings settings = settings(env);
        if (!invocation.served()) {
            return new HeadClient(servers.heads(), token, settings, tls(env, config));
        }
        // in the command server, calls with the same heads, token and settings share one client: its
        // connections, its HTTP client's thread and what it learnt of which head is active
        String ca = env.getOrDefault(ClientTls.CA_ENV, "").strip();
        String key = String.join(",", servers.heads()) + "|" + (token.isPresent() ? token.value() : "") + "|"
                + settings + "|" + (ca.isEmpty() ? ConfigFile.read(config).getOrDefault(ConfigFile.TLS_CA, "") : ca);
        if (SHARED.size() > 32) {
            SHARED.clear();
        }
        return SHARED.computeIfAbsent(key, k -> new HeadClient(servers.heads(), token, settings, tls(env, config)));
    }

    private static final ConcurrentMap<String, HeadClient> SHARED =
            new ConcurrentHashMap<>();

    /** Drops the shared clients of exactly these heads (the command server's warm-up made one for a head that is not there). */
    static void forgetSharedClients(String heads) {
        SHARED.keySet().removeIf(key -> key.startsWith(heads + "|"));
    }

    /** The token: {@code --token-file}, else {@code HPC_TOKEN}, else {@code HPC_TOKEN_FILE}, else ~/.hpc/token. */
    ApiToken token(Map<String, String> env, Path home) {
        return ApiToken.find(Optional.ofNullable(tokenFile).map(f -> Invocation.current().resolve(f)), env, home);
    }

    /** What to trust over https: the PEM file of {@code HPC_TLS_CA}, else {@code tls-ca=} of the config file. */
    static Optional<SSLContext> tls(Map<String, String> env, Path config) {
        String ca = env.getOrDefault(ClientTls.CA_ENV, "").strip();
        if (ca.isEmpty()) {
            ca = ConfigFile.read(config).getOrDefault(ConfigFile.TLS_CA, "").strip();
        }
        if (ca.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ClientTls.trusting(Invocation.current().resolve(ca)));
        } catch (HpcException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static HeadTransport.Settings settings(Map<String, String> env) {
        HeadTransport.Settings s = HeadTransport.Settings.defaults();
        String wait = env.getOrDefault(WAIT_ENV, "").strip();
        if (wait.isEmpty()) {
            return s;
        }
        try {
            double seconds = Double.parseDouble(wait);
            if (seconds < 0 || Double.isNaN(seconds) || seconds > 86_400) {
                throw new NumberFormatException();
            }
            return s.withMaxWait(Duration.ofMillis((long) (seconds * 1000)));
        } catch (NumberFormatException e) {
            throw new UsageException(WAIT_ENV + " must be a number of seconds from 0 to 86400, got '" + wait + "'");
        }
    }
}
