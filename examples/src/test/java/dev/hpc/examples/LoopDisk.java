package dev.hpc.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real file system of its own under a directory, that a test can hang: an ext4 image mounted through a loop
 * device, frozen with {@code fsfreeze}. A frozen file system takes no write until it is thawed; the writer sleeps
 * in the kernel, as on a disk that stopped answering. Needs root (mount), as the tests that run as another user
 * do.
 */
final class LoopDisk implements AutoCloseable {
    private final Path mountPoint;
    private final Path image;
    private volatile boolean frozen;

    private LoopDisk(Path mountPoint, Path image) {
        this.mountPoint = mountPoint;
        this.image = image;
    }

    /** Makes a 128 MiB ext4 image beside {@code mountPoint} and mounts it there (created when missing). */
    static LoopDisk mount(Path mountPoint) throws IOException, InterruptedException {
        Files.createDirectories(mountPoint);
        Path image = mountPoint.resolveSibling(mountPoint.getFileName() + ".img");
        run("truncate", "-s", "128M", image.toString());
        run("mkfs.ext4", "-q", "-F", image.toString());
        run("mount", "-o", "loop", image.toString(), mountPoint.toString());
        return new LoopDisk(mountPoint, image);
    }

    /** Hangs every write to the file system until {@link #thaw()}. */
    void freeze() throws IOException, InterruptedException {
        run("fsfreeze", "--freeze", mountPoint.toString());
        frozen = true;
    }

    void thaw() throws IOException, InterruptedException {
        if (frozen) {
            run("fsfreeze", "--unfreeze", mountPoint.toString());
            frozen = false;
        }
    }

    /** Thaws and unmounts; a process still using the file system (one that was not stopped) is waited for. */
    @Override
    public void close() throws IOException, InterruptedException {
        thaw();
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                run("umount", mountPoint.toString());
                Files.deleteIfExists(image);
                return;
            } catch (IOException busy) {
                last = busy;
                Thread.sleep(100);
            }
        }
        run("umount", "--lazy", mountPoint.toString());
        Files.deleteIfExists(image);
        throw last;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out
                    + (out.contains("ermission") || out.contains("only root") ? "; this test mounts a file system and "
                    + "needs root" : ""));
        }
    }

    @Override
    public String toString() {
        return "loop disk " + image + " on " + mountPoint + (frozen ? " (frozen)" : "");
    }
}
