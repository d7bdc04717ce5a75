package dev.hpc.mpi;

import dev.hpc.api.wire.SpawnProtocol;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code hpc-rsh [ssh options] HOST COMMAND...}: what Open MPI ({@code --mca plm_rsh_agent}) and
 * MPICH's Hydra ({@code -launcher rsh -launcher-exec}) run instead of ssh. It asks the worker of node
 * HOST, through the head, to run COMMAND (its words joined by blanks and read by {@code sh -c}, as ssh
 * does) as part of this job's attempt, writes the command's output as it comes, and exits with its
 * exit status (255 when it could not start or its end is unknown, as ssh).
 *
 * <p>ssh's options are accepted and ignored ({@code -x}, {@code -n}, {@code -l USER}, {@code -o
 * OPTION}, ...); {@code USER@HOST} is HOST. {@code localhost}, the local host's names and addresses
 * mean the node this runs on. Standard input is not forwarded: the command reads from /dev/null.
 */
public final class RshMain {
    static final String TOOL = "hpc-rsh";
    /** ssh options that take a value. */
    private static final Set<String> WITH_VALUE = Set.of("-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L",
            "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w", "-B");
    private static final long PATIENCE_MILLIS = 20_000;

    private RshMain() {
    }

    /** HOST and COMMAND from an ssh-style command line. */
    record Target(String host, List<String> command) {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    static int run(String[] args, Map<String, String> env) {
        Target target;
        JobContext job;
        try {
            target = parse(args);
            job = JobContext.from(env);
        } catch (IllegalArgumentException | JobContext.NotInJob e) {
            System.err.println(TOOL + ": " + e.getMessage());
            return SpawnProtocol.LOST;
        }
        String host = isLocal(target.host(), env) ? job.node() : target.host();
        String cwd = System.getProperty("user.dir", "");
        SpawnRequest request = new SpawnRequest(job, host, target.command(), ForwardedEnvironment.of(env), cwd);
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        OutputStream err = new FileOutputStream(FileDescriptor.err);
        String user = env.getOrDefault("USER", System.getProperty("user.name", ""));
        return new SpawnClient(TOOL, user, PATIENCE_MILLIS).run(request, out, err);
    }

    static Target parse(String[] args) {
        int i = 0;
        while (i < args.length && args[i].startsWith("-") && args[i].length() > 1) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (WITH_VALUE.contains(a)) {
                i += 2;
            } else {
                i++;
            }
        }
        if (i >= args.length) {
            throw new IllegalArgumentException("usage: " + TOOL + " [ssh options] HOST COMMAND...: no host given");
        }
        String host = args[i++];
        int at = host.lastIndexOf('@');
        if (at >= 0) {
            host = host.substring(at + 1);
        }
        List<String> command = new ArrayList<>();
        for (; i < args.length; i++) {
            command.add(args[i]);
        }
        if (command.isEmpty() || String.join("", command).isBlank()) {
            throw new IllegalArgumentException("usage: " + TOOL + " [ssh options] HOST COMMAND...: no command for "
                    + host + " (an interactive login is not possible)");
        }
        return new Target(host, command);
    }

    /**
     * Whether HOST means the node this runs on: not a node of the allocation ({@code HPC_NODE_HOSTS}),
     * but a loopback name or this machine's own name or address.
     */
    static boolean isLocal(String host, Map<String, String> env) {
        for (String entry : env.getOrDefault(SpawnProtocol.ENV_NODE_HOSTS, "").split(",")) {
            int eq = entry.indexOf('=');
            if ((eq < 0 ? entry : entry.substring(0, eq)).equals(host)) {
                return false;
            }
        }
        if (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1")) {
            return true;
        }
        try {
            InetAddress self = InetAddress.getLocalHost();
            return host.equals(self.getHostName()) || host.equals(self.getHostAddress());
        } catch (IOException e) {
            return false;
        }
    }
}
