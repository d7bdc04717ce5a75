package dev.hpc.head.alert;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 18: job mail at begin, end and abort, through a real mail command (a script that records its input). */
class MailNotifierTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    @TempDir
    Path dir;
    private MailNotifier mail;

    @AfterEach
    void close() {
        if (mail != null) {
            mail.close();
        }
    }

    private static Job job(long number, String points, List<String> users, JobState state, EndReason reason,
                           int exit, boolean started) {
        JobSpec spec = new JobSpec("sim\nBcc: x", "alice", "login1", "true\n", "/home/alice", "/home/alice", Map.of(),
                "batch", Resources.DEFAULT, Optional.empty(), List.of(), false, 0, true, "", "", JoinMode.NONE,
                points, users, "", Instant.EPOCH);
        List<Attempt> attempts = started ? List.of(new Attempt(number, List.of(new NodeSlot("n1", 1, 0)), T0,
                state.isTerminal() ? T0.plusSeconds(5) : Instant.EPOCH, state, reason, exit)) : List.of();
        Task t = new Task(Task.NO_INDEX, state, attempts, exit, reason, "", state.isTerminal() ? T0.plusSeconds(5)
                : Instant.EPOCH);
        return new Job(new JobId(number, "c", false), spec, state, T0, List.of(t), "", 1);
    }

    /** A mail command that appends what it reads, and its arguments, to {@code mails.txt}. */
    private Path fakeSendmail() throws Exception {
        Path out = dir.resolve("mails.txt");
        Path script = dir.resolve("sendmail");
        Files.writeString(script, "#!/bin/sh\n{ echo \"ARGS $* PATH=$PATH\"; cat; echo '-- end'; } >> '" + out + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private static String awaitMails(Path out, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (Files.exists(out)) {
                String text = Files.readString(out);
                if (text.split("-- end\n", -1).length - 1 >= count) {
                    return text;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("fewer than " + count + " mails in " + out + ": "
                + (Files.exists(out) ? Files.readString(out) : "none"));
    }

    @Test
    void beginEndAndAbortMailReachTheCommandOnceEachWithTheRecipientsInTheHeaders() throws Exception {
        Path sendmail = fakeSendmail();
        mail = new MailNotifier(List.of(sendmail.toString(), "-t"), Duration.ofSeconds(10), 100, "c");
        Job running = job(1, "abe", List.of("alice@example.org", "bob"), JobState.RUNNING, EndReason.NONE, 0, true);
        mail.changed(List.of(running), List.of());
        mail.changed(List.of(running), List.of()); // a later change of the running job: no second begin mail
        Job done = job(1, "abe", List.of("alice@example.org", "bob"), JobState.COMPLETED, EndReason.EXITED, 0, true);
        mail.changed(List.of(done), List.of());
        mail.changed(List.of(done), List.of());
        mail.changed(List.of(job(2, "", List.of(), JobState.FAILED, EndReason.WALLTIME, 271, true)), List.of());

        String text = awaitMails(dir.resolve("mails.txt"), 3);
        String[] mails = text.split("-- end\n");
        assertEquals(3, mails.length, text);
        assertTrue(mails[0].startsWith("ARGS -t PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
                + "To: alice@example.org, bob\nSubject: PBS JOB 1.c\n\nPBS Job Id: 1.c\n"), mails[0]);
        assertTrue(mails[0].contains("Job Name:   sim\nBcc: x\n") && mails[0].endsWith("Begun execution\n"),
                "a name's line break stays in the body, never a header: " + mails[0]);
        assertTrue(mails[1].contains("To: alice@example.org, bob\n") && mails[1].contains("Execution terminated\n"
                + "Exit_status=0\n"), mails[1]);
        assertTrue(mails[2].contains("To: alice\n") && mails[2].contains("Aborted by the batch system: killed after "
                + "exceeding its walltime limit\nExit_status=271\n"), "without -m: a, to the owner: " + mails[2]);
        // the third mail is in the file once the command has written it; it is counted once the command has exited
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (mail.sent() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(3, mail.sent());
    }

    @Test
    void onlyThePointsAskedForAreMailed() {
        Job exited = job(3, "a", List.of(), JobState.FAILED, EndReason.EXITED, 1, true);
        assertEquals(Optional.empty(), MailNotifier.mailAtEnd(exited, "c"), "-m a: no mail for an exit");
        assertEquals(Optional.empty(), MailNotifier.mailAtBegin(exited, "c"));
        assertEquals(Optional.empty(), MailNotifier.mailAtEnd(job(4, "n", List.of(), JobState.FAILED,
                EndReason.MEMORY, 265, true), "c"), "-m n: none");
        assertEquals('e', MailNotifier.mailAtEnd(job(5, "e", List.of(), JobState.CANCELLED, EndReason.CANCELLED,
                271, true), "c").orElseThrow().point(), "a deletion is an end, not an abort");
        assertEquals('a', MailNotifier.mailAtEnd(job(6, "", List.of(), JobState.FAILED, EndReason.LAUNCH_FAILED,
                -1, true), "c").orElseThrow().point());
    }

    @Test
    void aFailingOrHangingCommandIsCountedAndTheNextMailStillGoes() throws Exception {
        Path hang = dir.resolve("hang");
        Files.writeString(hang, "#!/bin/sh\nexec sleep 600\n");
        Files.setPosixFilePermissions(hang, PosixFilePermissions.fromString("rwx------"));
        mail = new MailNotifier(List.of(hang.toString()), Duration.ofMillis(300), 100, "c");
        mail.changed(List.of(job(7, "b", List.of(), JobState.RUNNING, EndReason.NONE, 0, true)), List.of());
        mail.changed(List.of(job(8, "b", List.of(), JobState.RUNNING, EndReason.NONE, 0, true)), List.of());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (mail.failed() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(2, mail.failed(), "each hung command was killed at its timeout and the next one ran");
    }

    @Test
    void theCommandMustBeNamedByItsAbsolutePath() {
        assertThrows(IllegalArgumentException.class, () -> new MailNotifier(List.of("sendmail", "-t"),
                Duration.ofSeconds(1), 1, "c"));
        assertEquals(List.of("/usr/sbin/sendmail", "-t"), MailNotifier.commandWords("  /usr/sbin/sendmail   -t "));
        assertEquals(List.of(), MailNotifier.commandWords(""));
    }
}
