package dev.hpc.head.alert;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * PBS's job mail ({@code -m abe -M addr}, Slurm's {@code --mail-type}/{@code --mail-user}): a message when a job
 * begins, ends or is aborted, handed to the head's {@code mail-command} ({@code /usr/sbin/sendmail -t}) on its
 * standard input, with the recipients in its {@code To:} header.
 *
 * <p>Told of committed changes only (a {@link ChangeListener} on the active head), so no mail announces what a
 * crash could undo. {@link #changed} only decides and queues, on the store's writer thread; one sender thread
 * runs the command, each with a timeout, so a slow or hung mail system never holds a commit. A full queue drops
 * the mail with a warning. The command runs as the head's user with a fixed {@code PATH} alone and gets no
 * job-controlled word on its command line: job names and addresses reach it in the message, whose header values
 * cannot hold a line break (qsub refuses blanks in addresses; any CR or LF is replaced here anyway).
 *
 * <p>Which mail, as PBS: {@code b} when the job is first seen running; at its end {@code a} when the system ended
 * it (walltime, memory, node failure, a launch the node refused, a dependency never met) and {@code e} otherwise
 * (it exited, or was deleted); without {@code -m}, {@code a} alone, PBS's default; {@code n} none. To the
 * {@code -M} users, else the owner. A begin mail is remembered per job so that each is sent once by this head; after a
 * takeover the new head may repeat the begin mail of a job that was running then.
 */
public final class MailNotifier extends QueuedNotifier<MailNotifier.Mail> {
    private static final Logger LOG = Logger.getLogger(MailNotifier.class.getName());
    /** The whole environment of the mail command: it runs as the head, never with a job's variables. */
    static final Map<String, String> ENVIRONMENT = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    /** How many ended jobs are remembered, so that a later change of an ended job sends nothing again. */
    private static final int REMEMBERED_ENDS = 100_000;

    /** One message: who gets it and its text, headers first. */
    public record Mail(String jobId, char point, List<String> to, String text) {
    }

    private final List<String> command;
    private final Duration timeout;
    private final String server;
    private final Set<String> begun = ConcurrentHashMap.newKeySet();
    private final Map<String, Boolean> ended = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED_ENDS;
                }
            });

    /**
     * @param command the mail command and its arguments, e.g. {@code /usr/sbin/sendmail -t}
     * @param server  the name mail says the jobs ran on (the cluster's)
     */
    public MailNotifier(List<String> command, Duration timeout, int queueCapacity, String server) {
        super("job-mail", queueCapacity);
        if (command.isEmpty() || !command.get(0).startsWith("/")) {
            throw new IllegalArgumentException("mail-command must start with an absolute path, such as "
                    + "/usr/sbin/sendmail -t; got '" + String.join(" ", command) + "'");
        }
        this.command = List.copyOf(command);
        this.timeout = timeout;
        this.server = server;
    }

    @Override
    public void changed(List<Job> jobs, List<NodeInfo> nodes) {
        for (Job job : jobs) {
            String id = job.id().toString();
            if (job.state().isTerminal()) {
                if (ended.put(id, Boolean.TRUE) == null) {
                    boolean ranOrAborted = begun.remove(id) || !job.started().equals(Instant.EPOCH)
                            || job.reason() != EndReason.CANCELLED;
                    mailAtEnd(job, server).filter(m -> ranOrAborted).ifPresent(this::enqueue);
                }
            } else if (job.state() == JobState.RUNNING && begun.add(id)) {
                mailAtBegin(job, server).ifPresent(this::enqueue);
            }
        }
    }

    /** The begin mail of a job that started, when it asked for one. */
    static Optional<Mail> mailAtBegin(Job job, String server) {
        if (!points(job).contains("b")) {
            return Optional.empty();
        }
        return Optional.of(mail(job, 'b', server, "Begun execution"));
    }

    /** The end or abort mail of a job that ended, when it asked for that one. */
    static Optional<Mail> mailAtEnd(Job job, String server) {
        EndReason reason = job.reason();
        boolean aborted = reason != EndReason.EXITED && reason != EndReason.CANCELLED && reason != EndReason.NONE;
        char point = aborted ? 'a' : 'e';
        if (!points(job).contains(String.valueOf(point))) {
            return Optional.empty();
        }
        String what = aborted ? "Aborted by the batch system: " + reason.description()
                : reason == EndReason.CANCELLED ? "Job deleted" + (job.cancelledBy().isEmpty() ? ""
                : " at request of " + job.cancelledBy()) : "Execution terminated";
        return Optional.of(mail(job, point, server, what + "\nExit_status=" + job.exitStatus()));
    }

    /** {@code -m} as PBS reads it: {@code a} when not given, nothing for {@code n}. */
    private static String points(Job job) {
        String p = job.spec().mailPoints();
        return p.isEmpty() ? "a" : p.equals("n") ? "" : p;
    }

    private static Mail mail(Job job, char point, String server, String body) {
        List<String> to = job.spec().mailUsers().isEmpty() ? List.of(job.spec().owner()) : job.spec().mailUsers();
        String id = job.id().toString();
        String text = "To: " + headerValue(String.join(", ", to)) + "\n"
                + "Subject: " + headerValue("PBS JOB " + id) + "\n"
                + "\n"
                + "PBS Job Id: " + id + "\n"
                + "Job Name:   " + job.spec().name() + "\n"
                + "Server:     " + server + "\n"
                + body + "\n";
        return new Mail(id, point, to, text);
    }

    private static String headerValue(String v) {
        return v.replace('\r', ' ').replace('\n', ' ');
    }

    private void enqueue(Mail m) {
        long n = outbox.offer(m);
        if (n > 0) {
            LOG.warning("job mail is behind (" + outbox.waiting() + " waiting): dropped the '" + m.point()
                    + "' mail of " + m.jobId() + " (" + n + " dropped so far)");
        }
    }

    @Override
    void send(Mail m) throws InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(ENVIRONMENT);
        try {
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(m.text().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the command ended without reading: its status says why
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                outbox.countFailed();
                LOG.warning("job mail: " + command.get(0) + " did not finish within " + timeout.toMillis()
                        + " ms for the '" + m.point() + "' mail of " + m.jobId() + "; killed it");
                return;
            }
            if (p.exitValue() != 0) {
                outbox.countFailed();
                LOG.warning("job mail: " + command.get(0) + " exited with " + p.exitValue() + " for the '"
                        + m.point() + "' mail of " + m.jobId());
                return;
            }
            outbox.countSent();
        } catch (IOException e) {
            outbox.countFailed();
            LOG.warning("job mail: cannot run " + command.get(0) + " for the '" + m.point() + "' mail of "
                    + m.jobId() + ": " + e.getMessage());
        }
    }

    @Override
    void sendFailed(RuntimeException e) {
        LOG.log(Level.WARNING, "job mail failed", e);
    }

    /** The words of a {@code mail-command} setting; empty when mail is off. */
    public static List<String> commandWords(String setting) {
        List<String> words = new ArrayList<>();
        for (String w : setting.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        return words;
    }
}
