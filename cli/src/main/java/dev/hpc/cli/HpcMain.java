package dev.hpc.cli;

import dev.hpc.api.HpcException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.HpcApiException;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine;

/**
 * Entry point of {@code hpc} and, through the bin/ launchers, of {@code qsub}, {@code qstat},
 * {@code qdel}, {@code qhold}, {@code qrls} and {@code pbsnodes}. Errors are printed as one line
 * prefixed with the command's name ({@code qstat: ...}) and mapped to the codes of {@link ExitCodes}.
 */
public final class HpcMain {
    private HpcMain() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out)));
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err), true);
        int code = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line; never exits the JVM. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(commandLine(args), out, err, args);
    }

    /** Runs one command line on {@code tree}, made by {@link #commandLine(String...)} for these arguments. */
    static int run(CommandLine tree, PrintWriter out, PrintWriter err, String... args) {
        tree.setOut(out);
        tree.setErr(err);
        int code = tree.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The whole command tree, writing to {@code out} and {@code err}. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, new String[0]);
    }

    /**
     * The command tree that {@code args} need: when the first argument names a subcommand ({@code qstat 42},
     * as every bin/ launcher passes), {@code hpc} with that subcommand alone, which parses and runs the
     * same; otherwise ({@code hpc --help}, {@code hpc help qstat}, a typo that wants suggestions) the whole
     * tree.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        return cl;
    }

    /** As {@link #commandLine(PrintWriter, PrintWriter, String...)}, writing nowhere yet: set its out and err. */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new HpcCommand());
        String asked = args.length > 0 ? (args[0].equals("peek") ? "qpeek" : args[0]) : "";
        boolean one = HpcCommand.SUBCOMMANDS.containsKey(asked) && !asked.equals("help");
        HpcCommand.SUBCOMMANDS.forEach((name, command) -> {
            if (!one || name.equals(asked)) {
                cl.addSubcommand(command.get());
            }
        });
        cl.setExpandAtFiles(false);
        cl.setExecutionExceptionHandler(HpcMain::executionError);
        cl.setParameterExceptionHandler(HpcMain::usageError);
        // qsub reads '--' itself (QsubArgs: the command to run follows it); picocli would swallow it
        // as its own end of options and qsub would take the command for a script. No argument can
        // hold a NUL, so this delimiter never matches.
        Optional.ofNullable(cl.getSubcommands().get("qsub")).ifPresent(q -> q.setEndOfOptionsDelimiter("\0"));
        // hpc dsh PROGRAM ARGS...: the program's own options follow it untouched
        Optional.ofNullable(cl.getSubcommands().get("dsh")).ifPresent(d -> d.setStopAtPositional(true));
        return cl;
    }

    /** {@code qstat} for the PBS commands, {@code hpc local up} for the others. */
    static String prefix(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        if (spec.parent() != null && spec.parent().parent() == null && !spec.name().equals("local")) {
            return spec.name();
        }
        return spec.qualifiedName();
    }

    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(prefix(cl) + ": " + ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + prefix(cl) + " --help' for more information.");
        err.flush();
        return ExitCodes.USAGE;
    }

    private static int executionError(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        cl.getOut().flush();
        PrintWriter err = cl.getErr();
        int code = report(ex, prefix(cl), err);
        err.flush();
        return code;
    }

    /** Prints {@code ex} as one line for the user and returns the exit code it stands for. */
    static int report(Exception ex, String prefix, PrintWriter err) {
        if (ex instanceof UsageException) {
            err.println(prefix + ": " + ex.getMessage());
            return ExitCodes.USAGE;
        }
        if (ex instanceof HeadTransport.UnavailableException) {
            err.println(prefix + ": " + ex.getMessage());
            err.println(prefix + ": is the cluster up? 'hpc local status' shows a local one; HPC_WAIT=SECONDS "
                    + "waits longer");
            return ExitCodes.UNAVAILABLE;
        }
        if (ex instanceof HpcApiException api) {
            err.println(prefix + ": " + api.getMessage());
            return api.isUnknownJob() ? ExitCodes.UNKNOWN_JOB : ExitCodes.ERROR;
        }
        if (ex instanceof HpcException || ex instanceof UncheckedIOException) {
            err.println(prefix + ": " + ex.getMessage());
            return ExitCodes.ERROR;
        }
        err.println(prefix + ": internal error: " + ex);
        if (!Invocation.current().env().getOrDefault("HPC_DEBUG", "").isEmpty()) {
            ex.printStackTrace(err);
        } else {
            err.println(prefix + ": set HPC_DEBUG=1 to see where it happened");
        }
        return ExitCodes.ERROR;
    }
}
