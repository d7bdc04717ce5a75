package dev.hpc.cli;

import dev.hpc.api.client.ApiToken;
import dev.hpc.api.client.ClientTls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * One call to the {@link CommandServer}, in the form its documentation gives: what the launcher sends (the
 * caller's directory, the arguments and the exported variables), the command run on them in the server's JVM,
 * and the answer sent back. The caller's standard input is asked for only when the command reads it.
 *
 * @param cwd  the caller's working directory
 * @param args the command line, its command first
 * @param env  the caller's exported variables, those that name files made absolute against {@code cwd}
 */
record CommandCall(Path cwd, List<String> args, Map<String, String> env) {
    /** What the command running on this thread leaves the launcher to run in a JVM of its own. */
    private static final ThreadLocal<List<String>> THEN = new ThreadLocal<>();
    private static final int MAX_FIELD = 1 << 20;
    private static final int MAX_FIELDS = 100_000;
    /** Variables that name files: relative to the caller's directory, not the server's. */
    private static final List<String> PATH_VARIABLES = List.of(ConfigFile.ENV, ApiToken.FILE_ENV,
            ClientTls.CA_ENV);

    CommandCall {
        args = List.copyOf(args);
        Map<String, String> resolved = new HashMap<>(env);
        for (String name : PATH_VARIABLES) {
            String value = resolved.getOrDefault(name, "");
            if (!value.isBlank()) {
                resolved.put(name, cwd.resolve(value).toString());
            }
        }
        env = Map.copyOf(resolved);
    }

    /**
     * The call the launcher sends on {@code in}, up to its last variable; empty when it has no arguments, or
     * more arguments or variables than a call may have: then nothing is run.
     */
    static Optional<CommandCall> read(InputStream in) throws IOException {
        Path cwd = Path.of(field(in));
        int argc = Integer.parseInt(field(in));
        if (argc < 1 || argc > MAX_FIELDS) {
            return Optional.empty();
        }
        List<String> args = new ArrayList<>(argc);
        for (int i = 0; i < argc; i++) {
            args.add(field(in));
        }
        Map<String, String> env = new HashMap<>();
        for (String v = field(in); !v.isEmpty(); v = field(in)) {
            int eq = v.indexOf('=');
            if (eq > 0) {
                env.put(v.substring(0, eq), v.substring(eq + 1));
            }
            if (env.size() > MAX_FIELDS) {
                return Optional.empty();
            }
        }
        return Optional.of(new CommandCall(cwd, args, env));
    }

    /** See {@link CommandServer#continueWith}. */
    static void continueWith(List<String> args) {
        THEN.set(List.copyOf(args));
    }

    /**
     * Runs the command and sends its answer on {@code out}: {@code STDIN} first when the command reads its standard
     * input (the caller then sends it on {@code in}), then its standard error, exit code, output and what the
     * launcher is left to run.
     */
    void answer(InputStream in, OutputStream out, PreparedCommandLines trees) throws IOException {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code;
        List<String> then = null;
        try (PrintWriter o = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
             PrintWriter e = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8))) {
            if (!CommandServer.SERVED.contains(args.get(0))) {
                e.println("hpc: the command server runs only " + String.join(", ", new TreeSet<>(CommandServer.SERVED))
                        + ", not '" + args.get(0) + "'");
                code = ExitCodes.USAGE;
            } else {
                Invocation invocation = new Invocation(env, cwd, new CallerStdin(in, out), true);
                try {
                    THEN.remove();
                    String[] argv = args.toArray(String[]::new);
                    code = Invocation.runAs(invocation, () -> HpcMain.run(trees.take(argv), o, e, argv));
                    then = THEN.get();
                } catch (OutOfMemoryError tooLarge) {
                    o.flush();
                    stdout.reset();
                    e.println(args.get(0) + ": the command server ran out of memory in this call (its heap is "
                            + "limited to " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB); check with "
                            + "qstat whether it was carried out before repeating it, with HPC_NO_SERVER=1");
                    code = ExitCodes.ERROR;
                } finally {
                    THEN.remove();
                }
            }
        }
        reply(stdout.toByteArray(), stderr.toByteArray(), code, then).writeTo(out);
        out.flush();
    }

    /** The answer in one piece: each write would wake the launcher's relay and the launcher once more. */
    private static ByteArrayOutputStream reply(byte[] o, byte[] e, int code, List<String> then) {
        ByteArrayOutputStream reply = new ByteArrayOutputStream(o.length + e.length + 64);
        // the output last: the caller may copy a long one with cat rather than read it byte by byte
        reply.writeBytes(("ERR " + e.length + "\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(e);
        reply.writeBytes(("EXIT " + code + "\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(("OUT " + o.length + "\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(o);
        if (then != null) {
            reply.writeBytes(("THEN " + then.size() + "\n").getBytes(StandardCharsets.US_ASCII));
            for (String arg : then) {
                reply.writeBytes(arg.getBytes(StandardCharsets.UTF_8));
                reply.write(0);
            }
        }
        return reply;
    }

    /** One NUL-terminated UTF-8 field. */
    static String field(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != 0; c = in.read()) {
            if (c < 0) {
                throw new EOFException("the caller's call ended early");
            }
            if (b.size() >= MAX_FIELD) {
                throw new IOException("a field of the call is longer than " + MAX_FIELD + " bytes");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** The caller's standard input, asked for only when a command reads it. */
    private static final class CallerStdin extends InputStream {
        private final InputStream in;
        private final OutputStream out;
        private InputStream data;

        CallerStdin(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        private InputStream data() throws IOException {
            if (data == null) {
                out.write("STDIN\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                StringBuilder length = new StringBuilder();
                for (int c = in.read(); c != '\n'; c = in.read()) {
                    if (c < '0' || c > '9' || length.length() > 12) {
                        throw new IOException("the caller sent no length of its standard input");
                    }
                    length.append((char) c);
                }
                long n = Long.parseLong(length.toString());
                data = new ByteArrayInputStream(in.readNBytes((int) Math.min(n, Integer.MAX_VALUE - 8)));
            }
            return data;
        }

        @Override
        public int read() throws IOException {
            return data().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return data().read(b, off, len);
        }
    }
}
