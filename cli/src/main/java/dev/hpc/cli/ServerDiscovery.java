package dev.hpc.cli;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.client.ClientTls;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the heads to talk to, first match wins: the {@code --server} option, the {@code HPC_SERVER}
 * environment variable, PBS's {@code PBS_DEFAULT} (what portals such as Open OnDemand set to name the
 * server), the {@code server=} line of the config file ({@link ConfigFile}). Each is a comma-separated
 * list of {@code host:port}, or of {@code https://host:port} for heads that serve TLS; in {@code
 * PBS_DEFAULT}, which names a PBS server by its host alone, a host without a port means the head's
 * default port {@value #DEFAULT_PORT}.
 */
public final class ServerDiscovery {
    public static final String ENV = "HPC_SERVER";
    public static final String PBS_ENV = "PBS_DEFAULT";
    static final int DEFAULT_PORT = 8640;

    /** The heads and where they came from ({@code --server}, {@code HPC_SERVER} or the config file's path). */
    public record Servers(List<String> heads, String source) {
        public Servers {
            heads = List.copyOf(heads);
        }
    }

    /** No source names a head. The message says how to name one. */
    public static final class NoServerException extends UsageException {
        public NoServerException(String message) {
            super(message);
        }
    }

    private ServerDiscovery() {
    }

    public static Servers discover(Optional<String> option, Map<String, String> env, Path configFile) {
        if (option.isPresent() && !option.get().isBlank()) {
            return new Servers(parse(option.get(), "--server"), "--server");
        }
        String fromEnv = env.getOrDefault(ENV, "");
        if (!fromEnv.isBlank()) {
            return new Servers(parse(fromEnv, ENV), ENV);
        }
        String fromPbs = env.getOrDefault(PBS_ENV, "");
        if (!fromPbs.isBlank()) {
            return new Servers(parse(withDefaultPorts(fromPbs), PBS_ENV), PBS_ENV);
        }
        String fromFile = ConfigFile.read(configFile).getOrDefault(ConfigFile.SERVER, "");
        if (!fromFile.isBlank()) {
            return new Servers(parse(fromFile, configFile.toString()), configFile.toString());
        }
        throw new NoServerException("no head address is configured: pass --server host:port[,host:port], set "
                + ENV + "=host:port, or put server=host:port in " + configFile
                + " (hpc local up starts a cluster on this machine and writes it)");
    }

    /** {@code host} alone becomes {@code host:8640}; an address with a port, or a URL, stays as it is. */
    private static String withDefaultPorts(String list) {
        List<String> out = new ArrayList<>();
        for (String part : list.split(",")) {
            String p = part.strip();
            boolean url = p.startsWith("http://") || ClientTls.isHttps(p);
            boolean bracketedIpv6 = p.startsWith("[") && p.endsWith("]");
            out.add(!url && !p.isEmpty() && (bracketedIpv6 || p.indexOf(':') < 0) ? p + ":" + DEFAULT_PORT : p);
        }
        return String.join(",", out);
    }

    /** Splits a comma-separated list of addresses; an error names {@code source}. */
    public static List<String> parse(String list, String source) {
        List<String> out = new ArrayList<>();
        for (String part : list.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                String a = HeadTransport.normalizeAddress(part);
                if (ClientTls.isHttps(part)) {
                    a = "https://" + a;
                }
                if (!out.contains(a)) {
                    out.add(a);
                }
            } catch (InvalidRequestException e) {
                throw new NoServerException(source + ": " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new NoServerException(source + ": no head address in '" + list + "'; expected host:port");
        }
        return out;
    }
}
