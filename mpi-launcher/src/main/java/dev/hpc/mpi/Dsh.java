package dev.hpc.mpi;

import dev.hpc.api.wire.SpawnProtocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code hpc dsh} (and {@code pbsdsh}): starts a program on every slot of the job's allocation, or on
 * some of them, through the head's spawn API, waits for all and exits 0 when all exited 0, else with
 * the status of the first slot that failed. The slots are the lines of {@code $PBS_NODEFILE}. Each
 * copy runs with the job's environment plus {@code PBS_VNODENUM} (its slot, from 0) and
 * {@code PBS_TASKNUM} (its slot plus 1), in the caller's directory, and dies with the job.
 *
 * <pre>
 * hpc dsh [-c N | -n SLOT | -u] [-s] [-p] [-v] PROGRAM [ARGS...]
 *   -c N     the first N slots        -n SLOT  only that slot (from 0)
 *   -u       one slot per node        -s       one after another, not all at once
 *   -p       prefix each output line with NODE/SLOT:   -v  say how each one ended
 * </pre>
 * The program runs with exactly the given arguments (they are quoted for the remote shell).
 */
public final class Dsh {
    public static final String USAGE = "usage: hpc dsh [-c N | -n SLOT | -u] [-s] [-p] [-v] PROGRAM [ARGS...]";
    private static final long PATIENCE_MILLIS = 20_000;

    /** The parsed command line. */
    record Options(int count, int slot, boolean unique, boolean serial, boolean prefix, boolean verbose,
                   List<String> command) {
    }

    private final String tool;
    private final PrintStream out;
    private final PrintStream err;

    public Dsh(String tool, PrintStream out, PrintStream err) {
        this.tool = tool;
        this.out = out;
        this.err = err;
    }

    /** Runs the command line; returns the exit code (2 for a usage error, 255 outside a job). */
    public int run(List<String> args, Map<String, String> env) {
        Options o;
        JobContext job;
        List<String> slots;
        try {
            o = parse(args);
            job = JobContext.from(env);
            slots = chosen(o, readNodeFile(env));
        } catch (IllegalArgumentException e) {
            err.println(tool + ": " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (JobContext.NotInJob e) {
            err.println(tool + ": " + e.getMessage());
            return SpawnProtocol.LOST;
        }
        Map<String, String> forwarded = ForwardedEnvironment.of(env);
        String cwd = System.getProperty("user.dir", "");
        String user = env.getOrDefault("USER", System.getProperty("user.name", ""));
        List<String> argv = new ArrayList<>();
        for (String w : o.command()) {
            argv.add(ShellQuote.quote(w));
        }
        int[] status = new int[slots.size()];
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < slots.size(); k++) {
            int index = k;
            int slot = slotNumbers(o, slots.size()).get(k);
            String node = slots.get(k);
            Map<String, String> taskEnv = new TreeMap<>(forwarded);
            taskEnv.put("PBS_VNODENUM", Integer.toString(slot));
            taskEnv.put("PBS_TASKNUM", Integer.toString(slot + 1));
            SpawnRequest request = new SpawnRequest(job, node, argv, taskEnv, cwd);
            Runnable task = () -> {
                String label = node + "/" + slot + ": ";
                try (OutputStream so = o.prefix() ? new Prefixed(out, label) : new Shared(out);
                     OutputStream se = o.prefix() ? new Prefixed(err, label) : new Shared(err)) {
                    status[index] = new SpawnClient(tool, user, PATIENCE_MILLIS).run(request, so, se);
                } catch (IOException e) {
                    status[index] = SpawnProtocol.LOST;
                }
            };
            if (o.serial()) {
                task.run();
            } else {
                Thread t = new Thread(task, "dsh-" + slot);
                t.start();
                threads.add(t);
            }
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 130;
            }
        }
        int result = 0;
        for (int k = 0; k < status.length; k++) {
            int slot = slotNumbers(o, slots.size()).get(k);
            if (o.verbose() || status[k] != 0) {
                err.println(tool + ": " + slots.get(k) + "/" + slot + " exited with status " + status[k]);
            }
            if (result == 0 && status[k] != 0) {
                result = status[k];
            }
        }
        return result;
    }

    static Options parse(List<String> args) {
        int count = -1;
        int slot = -1;
        boolean unique = false;
        boolean serial = false;
        boolean prefix = false;
        boolean verbose = false;
        int i = 0;
        while (i < args.size() && args.get(i).startsWith("-") && args.get(i).length() > 1) {
            String a = args.get(i++);
            switch (a) {
                case "--" -> {
                    return options(count, slot, unique, serial, prefix, verbose, args.subList(i, args.size()));
                }
                case "-c" -> count = number(a, args, i++);
                case "-n" -> slot = number(a, args, i++);
                case "-u" -> unique = true;
                case "-s" -> serial = true;
                case "-p" -> prefix = true;
                case "-v" -> verbose = true;
                case "-o" -> {
                    // pbsdsh -o: capture output; ours is always shown
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return options(count, slot, unique, serial, prefix, verbose, args.subList(i, args.size()));
    }

    private static Options options(int count, int slot, boolean unique, boolean serial, boolean prefix,
                                   boolean verbose, List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no program to run");
        }
        int chosen = (count >= 0 ? 1 : 0) + (slot >= 0 ? 1 : 0) + (unique ? 1 : 0);
        if (chosen > 1) {
            throw new IllegalArgumentException("-c, -n and -u choose the slots in different ways: give one of them");
        }
        return new Options(count, slot, unique, serial, prefix, verbose, List.copyOf(command));
    }

    private static int number(String option, List<String> args, int at) {
        if (at >= args.size()) {
            throw new IllegalArgumentException(option + " needs a number");
        }
        try {
            int n = Integer.parseInt(args.get(at));
            if (n < 0 || option.equals("-c") && n == 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a " + (option.equals("-c") ? "positive" : "non-negative")
                    + " whole number, not '" + args.get(at) + "'");
        }
    }

    /** The node of each chosen slot, in slot order. */
    static List<String> chosen(Options o, List<String> nodeFile) {
        if (nodeFile.isEmpty()) {
            throw new IllegalArgumentException("the node file $PBS_NODEFILE is empty");
        }
        if (o.unique()) {
            return new ArrayList<>(new LinkedHashSet<>(nodeFile));
        }
        if (o.slot() >= 0) {
            if (o.slot() >= nodeFile.size()) {
                throw new IllegalArgumentException("-n " + o.slot() + ": the job has slots 0 to " + (nodeFile.size() - 1));
            }
            return List.of(nodeFile.get(o.slot()));
        }
        if (o.count() > nodeFile.size()) {
            throw new IllegalArgumentException("-c " + o.count() + ": the job has only " + nodeFile.size() + " slots");
        }
        return o.count() > 0 ? nodeFile.subList(0, o.count()) : nodeFile;
    }

    /** The slot number (index in the node file) of each chosen slot. */
    private static List<Integer> slotNumbers(Options o, int chosen) {
        List<Integer> numbers = new ArrayList<>();
        for (int k = 0; k < chosen; k++) {
            numbers.add(o.slot() >= 0 ? o.slot() : k);
        }
        return numbers;
    }

    private static List<String> readNodeFile(Map<String, String> env) {
        String file = env.getOrDefault("PBS_NODEFILE", "");
        if (file.isBlank()) {
            throw new JobContext.NotInJob("PBS_NODEFILE is not set: hpc dsh runs inside a job only");
        }
        try {
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    lines.add(line.strip());
                }
            }
            return lines;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the node file " + file + ": " + e.getMessage());
        }
    }

    /** Writes whole chunks to a stream shared by the copies, one chunk at a time. */
    private static final class Shared extends OutputStream {
        private final PrintStream target;

        Shared(PrintStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (target) {
                target.write(b, off, len);
                target.flush();
            }
        }

        @Override
        public void close() {
            // the shared stream stays open
        }
    }

    /** Writes whole lines to a shared stream, each prefixed with the copy's label. */
    private static final class Prefixed extends OutputStream {
        private final PrintStream target;
        private final byte[] label;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Prefixed(PrintStream target, String label) {
            this.target = target;
            this.label = label.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void write(int b) {
            line.write(b);
            if (b == '\n') {
                flushLine();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        private void flushLine() {
            synchronized (target) {
                target.write(label, 0, label.length);
                target.write(line.toByteArray(), 0, line.size());
                target.flush();
            }
            line.reset();
        }

        @Override
        public void close() {
            if (line.size() > 0) {
                line.write('\n');
                flushLine();
            }
        }
    }
}
