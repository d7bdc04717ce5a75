package dev.hpc.cli;

import dev.hpc.mpi.Dsh;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hpc dsh}: Torque's pbsdsh. Inside a job, starts a program on every slot of the allocation (or
 * some) through the head, as part of the job, and waits for all; see {@link Dsh} and docs/mpi.md.
 */
@Command(name = "dsh", mixinStandardHelpOptions = true, versionProvider = HpcCommand.VersionText.class,
        description = {"Inside a job: run PROGRAM on every slot of the job's allocation (as pbsdsh does), "
                + "as a part of the job, and wait for all.",
                "The output of the copies is shown as it comes; the exit code is 0 when all exited 0, else the "
                        + "status of the first slot that failed."},
        sortOptions = false,
        footer = {"", "Each copy gets the job's environment plus PBS_VNODENUM (its slot, from 0). Also as "
                + "bin/pbsdsh and bin/hpc-dsh, which start faster.", "",
                "Exit codes: 0 all exited 0, 2 usage, 255 not in a job or no head; else a copy's status."})
public final class DshCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "-c", paramLabel = "N", description = "Run on the first N slots only.")
    private Integer count;

    @Option(names = "-n", paramLabel = "SLOT", description = "Run on that slot only (from 0, as in $PBS_NODEFILE).")
    private Integer slot;

    @Option(names = "-u", description = "Run once on each node, not on each slot.")
    private boolean unique;

    @Option(names = "-s", description = "Run the copies one after another, not all at once.")
    private boolean serial;

    @Option(names = "-p", description = "Prefix each line of output with NODE/SLOT.")
    private boolean prefix;

    @Option(names = "-v", description = "Say how each copy ended.")
    private boolean verbose;

    @Option(names = "-o", hidden = true, description = "pbsdsh's -o (output is always shown).")
    private boolean output;

    @Parameters(arity = "1..*", paramLabel = "PROGRAM", description = "The program and its arguments.")
    private List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
        List<String> args = new ArrayList<>();
        if (count != null) {
            args.add("-c");
            args.add(count.toString());
        }
        if (slot != null) {
            args.add("-n");
            args.add(slot.toString());
        }
        flag(args, unique, "-u");
        flag(args, serial, "-s");
        flag(args, prefix, "-p");
        flag(args, verbose, "-v");
        args.add("--");
        args.addAll(command);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (PrintStream o = new PrintStream(new WriterStream(out), true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(new WriterStream(err), true, StandardCharsets.UTF_8)) {
            return new Dsh("hpc dsh", o, e).run(args, System.getenv());
        }
    }

    private static void flag(List<String> args, boolean on, String name) {
        if (on) {
            args.add(name);
        }
    }

    /** Bytes of UTF-8 to a writer, keeping a character split between two writes whole. */
    private static final class WriterStream extends OutputStream {
        private final PrintWriter writer;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private ByteBuffer pending = ByteBuffer.allocate(0);

        WriterStream(PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            ByteBuffer in = ByteBuffer.allocate(pending.remaining() + len);
            in.put(pending).put(b, off, len).flip();
            CharBuffer chars = CharBuffer.allocate(in.remaining() + 1);
            decoder.decode(in, chars, false);
            chars.flip();
            writer.append(chars);
            pending = ByteBuffer.allocate(in.remaining()).put(in).flip();
        }

        @Override
        public synchronized void flush() {
            writer.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
