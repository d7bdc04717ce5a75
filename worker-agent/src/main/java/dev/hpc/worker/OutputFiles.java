package dev.hpc.worker;

import dev.hpc.api.job.JobOutput;
import dev.hpc.api.wire.WireMessage.OutputChunk;
import dev.hpc.api.wire.WireMessage.ReadOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the output of each attempt this worker ran went, and reading it for a head ({@code hpc peek},
 * the web view's live output). The launcher records the two files it opened for an attempt (the paths
 * the job asked for, or the spool fallback); a head names an attempt and a stream, never a path, so
 * nothing but those files can be read: an attempt this worker does not know is refused, and so is a
 * file that is not a regular file (a FIFO would block the reader). After a restart of the agent only
 * the spool fallbacks ({@code <spool>/<attempt>/stdout}, {@code stderr}) are still found.
 *
 * <p>Recording is thread-safe (launches run on worker threads); {@link #read} blocks on the file system:
 * call it off the event loop. It reads at most {@link JobOutput#MAX_BYTES} bytes.
 */
public final class OutputFiles {
    /** How many attempts' files are remembered: the newest ones; older ones are forgotten. */
    static final int REMEMBERED = 10_000;

    /**
     * The two files of an attempt; the same file twice when the streams are joined. {@code ownerUid} is
     * the uid a task started as its owner ran as, or -1 when it ran as the agent.
     */
    record AttemptFiles(Path stdout, Path stderr, long ownerUid) {
        Path of(JobOutput.Stream stream) {
            return stream == JobOutput.Stream.STDOUT ? stdout : stderr;
        }
    }

    private final Path spoolDir;
    private final String nodeName;
    private final int remembered;
    private final Map<Long, AttemptFiles> files;

    public OutputFiles(Path spoolDir, String nodeName) {
        this(spoolDir, nodeName, REMEMBERED);
    }

    OutputFiles(Path spoolDir, String nodeName, int remembered) {
        this.spoolDir = spoolDir.toAbsolutePath().normalize();
        this.nodeName = nodeName;
        this.remembered = remembered;
        this.files = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, AttemptFiles> eldest) {
                return size() > OutputFiles.this.remembered;
            }
        };
    }

    /** The files attempt {@code attemptId} writes its output to. */
    public synchronized void record(long attemptId, Path stdout, Path stderr) {
        record(attemptId, stdout, stderr, -1);
    }

    /**
     * The files of an attempt that ran as {@code ownerUid}: a read follows no symlink and refuses a file
     * that is not that owner's, so a job cannot swap its output for a link to a file only root may read.
     */
    public synchronized void record(long attemptId, Path stdout, Path stderr, long ownerUid) {
        files.put(attemptId, new AttemptFiles(stdout.toAbsolutePath().normalize(), stderr.toAbsolutePath().normalize(),
                ownerUid));
    }

    private synchronized long ownerUid(long attemptId) {
        AttemptFiles known = files.get(attemptId);
        return known == null ? -1 : known.ownerUid();
    }

    /** The file of one stream of an attempt, when this worker knows it. */
    public Optional<Path> file(long attemptId, JobOutput.Stream stream) {
        AttemptFiles known;
        synchronized (this) {
            known = files.get(attemptId);
        }
        if (known != null) {
            return Optional.of(known.of(stream));
        }
        // forgotten (the agent restarted): only an output that had nowhere else to go, in the spool
        Path dir = spoolDir.resolve(Long.toString(attemptId));
        Path own = dir.resolve(stream.wireName());
        if (Files.isRegularFile(own)) {
            return Optional.of(own);
        }
        Path joined = dir.resolve(stream == JobOutput.Stream.STDOUT ? "stderr" : "stdout");
        return Files.isRegularFile(joined) && !Files.exists(own) ? Optional.of(joined) : Optional.empty();
    }

    /** Answers a head's read; never throws for a bad request, the answer's {@code error} says what was wrong. */
    public OutputChunk read(ReadOutput request) {
        JobOutput.Stream stream;
        try {
            stream = JobOutput.Stream.parse(request.stream());
        } catch (RuntimeException e) {
            return refused(request, e.getMessage());
        }
        Optional<Path> known = file(request.attemptId(), stream);
        if (known.isEmpty()) {
            return refused(request, "node " + nodeName + " has no output of attempt " + request.attemptId()
                    + ": it did not run there, or so long ago (or before a restart of its worker) that its "
                    + "files are forgotten");
        }
        Path path = known.get();
        if (!Files.exists(path)) {
            return refused(request, path, "the " + stream.wireName() + " file " + nodeName + ":" + path
                    + " does not exist (any more)");
        }
        if (!Files.isRegularFile(path)) {
            return refused(request, path, "the " + stream.wireName() + " file " + nodeName + ":" + path
                    + " is not a regular file; it cannot be shown");
        }
        long ownerUid = ownerUid(request.attemptId());
        if (ownerUid >= 0 && !ownedBy(path, ownerUid)) {
            return refused(request, path, "the " + stream.wireName() + " file " + nodeName + ":" + path
                    + " is a link or no longer belongs to the job's owner; it cannot be shown");
        }
        int max = Math.max(0, Math.min(JobOutput.MAX_BYTES, request.maxBytes()));
        try (FileChannel ch = ownerUid >= 0
                ? FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)
                : FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            long start = request.offset() < 0 ? Math.max(0, size + request.offset()) : Math.min(request.offset(), size);
            int want = (int) Math.min(max, size - start);
            ByteBuffer buf = ByteBuffer.allocate(want);
            while (buf.hasRemaining()) {
                if (ch.read(buf, start + buf.position()) < 0) {
                    break; // truncated meanwhile
                }
            }
            byte[] data = Arrays.copyOf(buf.array(), buf.position());
            return new OutputChunk(request.requestId(), start, data, Math.max(size, start + data.length),
                    path.toString(), "");
        } catch (IOException | RuntimeException e) {
            return refused(request, path, "cannot read " + nodeName + ":" + path + ": " + e.getMessage());
        }
    }

    private static boolean ownedBy(Path path, long uid) {
        try {
            Object owner = Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            return Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                    && ((Number) owner).longValue() == uid;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static OutputChunk refused(ReadOutput request, String why) {
        return new OutputChunk(request.requestId(), 0, new byte[0], 0, "", why);
    }

    private static OutputChunk refused(ReadOutput request, Path path, String why) {
        return new OutputChunk(request.requestId(), 0, new byte[0], 0, path.toString(), why);
    }
}
