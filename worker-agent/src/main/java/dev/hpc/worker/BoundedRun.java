package dev.hpc.worker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a short helper command (an account look-up, a file opened as a job's owner) and gives up on it
 * after a timeout, also when it hangs without closing its output: a hung LDAP look-up or a FIFO for an
 * output path must not hold a task's launch for ever. Its output is read on a thread of its own.
 */
final class BoundedRun {
    /** How it ended: {@code exit} is meaningful unless it timed out. */
    record Ran(boolean timedOut, int exit, String output) {
    }

    private BoundedRun() {
    }

    static Ran run(ProcessBuilder pb, Duration timeout, int maxBytes) throws IOException, InterruptedException {
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> output = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                output.complete(in.readNBytes(maxBytes));
            } catch (IOException e) {
                output.complete(new byte[0]);
            }
        }, "hpc-helper-output");
        reader.setDaemon(true);
        reader.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return new Ran(true, -1, "");
        }
        byte[] bytes;
        try {
            bytes = output.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            bytes = new byte[0]; // a child it left behind still holds the output open
        }
        return new Ran(false, p.exitValue(), new String(bytes, StandardCharsets.UTF_8));
    }
}
