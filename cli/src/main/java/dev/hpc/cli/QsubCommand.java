package dev.hpc.cli;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.client.HeadClient;
import dev.hpc.api.job.Job;
import dev.hpc.api.json.Json;
import dev.hpc.api.pbs.SubmitBlocking;
import dev.hpc.api.pbs.SubmitEnvironment;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code qsub [options] [script]}: submits a script and prints the job id alone. The script is read
 * now, so the file may go away right after; without a script it is read from standard input. The
 * options go to the head unparsed (see {@link QsubArgs}).
 */
@Command(name = "qsub", usageHelpAutoWidth = true,
        customSynopsis = {"hpc qsub [QSUB OPTIONS] [--server HOST:PORT[,HOST:PORT]] [SCRIPT | -- COMMAND [ARGS...]]",
                "hpc qsub -I [QSUB OPTIONS] [--server HOST:PORT[,HOST:PORT]]"},
        description = {"Submit a batch job script; prints the job id.",
                "Options as PBS qsub: -N NAME -q QUEUE -o PATH -e PATH -j oe|eo|n -V -v VAR[=VALUE],... "
                        + "-l RESOURCE=VALUE[,...] (repeatable) -t|-J ARRAY -W depend=...|block=true -h -p PRIORITY "
                        + "-r y|n -m abe -M USERS -d DIR -w DIR -A ACCOUNT -a [[CC]YY]MMDDhhmm[.SS] -S SHELL -I "
                        + "-P PROJECT -W group_list=G -C PREFIX -F \"ARGS\" -k oe -c n -x -u USER (admins: run as USER).",
                "Without a script, the script is read from standard input (the job is then named STDIN).",
                "qsub [options] -- COMMAND [ARGS...] submits a script that runs COMMAND.",
                "qsub -I [options] submits an interactive job: once it runs, a shell on its first node in this "
                        + "terminal (or reading standard input when it is not a terminal); qsub exits with the "
                        + "shell's status. -X is refused."},
        parameterListHeading = "", footer = {"", "-W block=true (or #SBATCH --wait in the script) waits for the job "
                + "to end and exits with its exit status (modulo 256; an array's highest); Ctrl-C stops waiting "
                + "and leaves the job alone (exit 130).",
                "", "Exit codes: 0 ok, 1 refused, 2 usage, 3 no head answered."})
public final class QsubCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "--help", usageHelp = true, description = "show this help (-h means hold, as in PBS)")
    boolean help;

    @Unmatched
    List<String> raw = new ArrayList<>();

    /**
     * The second half of a blocking submission that the command server made: the launcher runs
     * {@code qsub --block-on ID} in its own JVM to wait for the job (see {@link #call()}).
     */
    @Option(names = "--block-on", hidden = true, paramLabel = "JOBID")
    String blockOn;

    /** Where a script without a file comes from; tests replace it. Empty: the invocation's. */
    InputStream stdin;

    /** Where an interactive session's output goes; tests replace them. Empty: this process's own. */
    OutputStream sessionOut;
    OutputStream sessionErr;

    @Override
    public Integer call() {
        if (blockOn != null) {
            if (!raw.isEmpty()) {
                throw new UsageException("--block-on waits for a job that is submitted already; it takes no qsub "
                        + "options or script, got " + String.join(" ", raw));
            }
            if (Invocation.current().served()) {
                CommandServer.continueWith(continuation(blockOn));
                return ExitCodes.OK;
            }
            return BlockingWait.inThisProcess(client.client(), blockOn, spec.commandLine().getErr());
        }
        QsubArgs args = QsubArgs.split(raw);
        if (args.has('I')) {
            return interactive(args);
        }
        String script;
        String defaultName;
        if (!args.command().isEmpty()) {
            script = commandScript(args.command());
            defaultName = Path.of(args.command().get(0)).getFileName().toString();
        } else if (args.script().isPresent()) {
            script = readScript(args.script().get());
            defaultName = Path.of(args.script().get()).getFileName().toString();
        } else {
            script = readStdin();
            defaultName = "STDIN";
        }
        HeadClient head = client.client();
        Invocation invocation = Invocation.current();
        List<String> options = args.optionsWithDefaultName(script, defaultName);
        SubmitRequest request = new SubmitRequest(script, options, "", Hosts.shortName(),
                invocation.cwd().toString(), environmentToSend(script, options, invocation.env()));
        boolean block = blocks(script, options);
        String id = head.submitForId(request);
        spec.commandLine().getOut().println(id);
        spec.commandLine().getOut().flush();
        if (!block) {
            return ExitCodes.OK;
        }
        if (invocation.served()) {
            // a wait of hours must not hold the command server, which answers the user's other calls, nor
            // leave Ctrl-C to a launcher that cannot pass it on: the launcher prints the id, then waits in
            // a JVM of its own, in the caller's terminal
            CommandServer.continueWith(continuation(id));
            return ExitCodes.OK;
        }
        return BlockingWait.inThisProcess(head, id, spec.commandLine().getErr());
    }

    /** What an interactive job runs as its script: nothing but a wait for the session's shell, beside it. */
    static final String INTERACTIVE_SCRIPT = "#!/bin/sh\n"
            + "# qsub -I: an interactive job. Its shell runs beside this script, in the session qsub opened, and the\n"
            + "# job ends when that shell exits, with its exit status; this script only waits for that.\n"
            + "exec sleep infinity\n";

    /**
     * {@code qsub -I}: submits a job that waits for its session, waits for its start, then runs the session's
     * shell on its first node in this terminal (or reading this standard input) until the shell exits; qsub
     * exits with the shell's status. Run in the caller's own JVM, never in the command server.
     */
    private int interactive(QsubArgs args) {
        if (args.has('X')) {
            throw new UsageException("-X (X11 forwarding) is not supported: an interactive session carries a "
                    + "terminal only, no X11 display; drop -X and run graphical programs on a machine with a display");
        }
        if (!args.command().isEmpty() || args.script().isPresent()) {
            throw new UsageException("qsub -I takes no script or command: the session's commands come from your "
                    + "terminal, or from standard input when it is not one (printf 'hostname\\n' | qsub -I)");
        }
        if (args.value('J').isPresent() || args.value('t').isPresent()) {
            throw new UsageException("an interactive job (-I) has one shell: drop the array option (-J or -t)");
        }
        Invocation invocation = Invocation.current();
        if (invocation.served()) {
            // the session needs this terminal and its standard input for as long as it lasts: its own JVM
            List<String> again = new ArrayList<>(List.of("qsub"));
            again.addAll(clientArgs());
            again.addAll(raw);
            CommandServer.continueWith(again);
            return ExitCodes.OK;
        }
        HeadClient head = client.client();
        List<String> options = args.optionsWithDefaultName(INTERACTIVE_SCRIPT, "STDIN");
        SubmitRequest request = new SubmitRequest(INTERACTIVE_SCRIPT, options, "", Hosts.shortName(),
                invocation.cwd().toString(), environmentToSend(INTERACTIVE_SCRIPT, options, invocation.env()));
        Job job = head.submit(request);
        String id = job.id().toString();
        PrintWriter err = spec.commandLine().getErr();
        boolean terminal = stdin == null && LocalTerminal.stdinIsTerminal();
        OutputStream out = sessionOut != null ? sessionOut
                : new FileOutputStream(FileDescriptor.out);
        OutputStream errBytes = sessionErr != null ? sessionErr
                : new FileOutputStream(FileDescriptor.err);
        return new InteractiveJob(head, id, err, out, errBytes, terminal)
                .run(stdin != null ? stdin : invocation.stdin());
    }

    /** Whether qsub waits for the job; a bad {@code -W block=} is left to the head, which refuses it. */
    static boolean blocks(String script, List<String> options) {
        try {
            return SubmitBlocking.requested(script, options);
        } catch (InvalidRequestException e) {
            return false;
        }
    }

    /** {@code qsub --block-on ID} with the caller's head and token options, for the launcher to run. */
    private List<String> continuation(String id) {
        List<String> args = new ArrayList<>(List.of("qsub", "--block-on", id));
        args.addAll(clientArgs());
        return args;
    }

    /** The caller's head and token options, for a qsub the launcher runs in a JVM of its own. */
    private List<String> clientArgs() {
        List<String> args = new ArrayList<>();
        if (client.server != null) {
            args.add("--server");
            args.add(client.server);
        }
        if (client.tokenFile != null) {
            args.add("--token-file");
            args.add(Invocation.current().resolve(client.tokenFile).normalize().toString());
        }
        return args;
    }

    /**
     * What of the caller's environment goes with the submission: what OpenPBS's qsub sends (the
     * sources of the {@code PBS_O_*} set, the submit host's system, the variables {@code -v} names)
     * and the rest only with {@code -V}; never the cluster's credentials (issue #15).
     */
    static Map<String, String> environmentToSend(String script, List<String> options, Map<String, String> caller) {
        SubmitEnvironment.Wanted wanted;
        try {
            wanted = SubmitEnvironment.wanted(script, options);
        } catch (InvalidRequestException e) {
            // the head reads the same options and refuses them in its own words; that needs nothing more
            wanted = SubmitEnvironment.Wanted.NOTHING;
        }
        Map<String, String> send = new TreeMap<>(SubmitEnvironment.toSend(wanted, caller));
        send.put(SubmitEnvironment.SYSTEM, System.getProperty("os.name", "unknown"));
        return send;
    }

    /** A script that runs the command given after {@code --}, each word quoted for the shell. */
    static String commandScript(List<String> command) {
        StringBuilder b = new StringBuilder("#!/bin/sh\nexec");
        for (String word : command) {
            b.append(" '").append(word.replace("'", "'\\''")).append('\'');
        }
        return b.append('\n').toString();
    }

    private static String readScript(String typed) {
        Path file = Path.of(typed);
        Path at = Invocation.current().resolve(typed);
        try {
            if (Files.isDirectory(at)) {
                throw new UsageException("script file '" + file + "' is a directory");
            }
            if (Files.size(at) > SubmitParser.MAX_SCRIPT_BYTES) {
                throw new InvalidRequestException("script file '" + file + "' is " + Files.size(at) + " bytes; a script may "
                        + "hold at most 1 MiB (" + SubmitParser.MAX_SCRIPT_BYTES + " bytes): keep data in "
                        + "files the script reads");
            }
            return text("script file '" + file + "'", Files.readAllBytes(at));
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("script file '" + file + "' cannot be loaded: no such file", e);
        } catch (IOException e) {
            throw new UncheckedIOException("script file '" + file + "' cannot be loaded: " + e.getMessage(), e);
        }
    }

    /** The script's bytes as text; what is not UTF-8 is refused rather than silently changed. */
    private static String text(String what, byte[] bytes) {
        try {
            return Json.utf8(bytes);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(what + " is not UTF-8 text (" + e.getMessage().replace("the text is not valid "
                    + "UTF-8 (", "").replace("); send UTF-8", "") + "): convert it, e.g. iconv -f latin1 -t utf-8");
        }
    }

    private String readStdin() {
        try {
            byte[] bytes = (stdin != null ? stdin : Invocation.current().stdin()).readNBytes(SubmitParser.MAX_SCRIPT_BYTES + 1);
            if (bytes.length > SubmitParser.MAX_SCRIPT_BYTES) {
                throw new InvalidRequestException("the script on standard input is larger than 1 MiB ("
                        + SubmitParser.MAX_SCRIPT_BYTES + " bytes): keep data in files the script reads");
            }
            return text("the script on standard input", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the script from standard input: " + e.getMessage(), e);
        }
    }
}
