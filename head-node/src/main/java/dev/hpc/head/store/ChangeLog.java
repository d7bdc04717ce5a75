package dev.hpc.head.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The store's append-only log of committed changes ({@code changes.log} beside the database): each batch the
 * writer commits is appended here as one frame before it is acknowledged, and folded into the database's tables
 * later, many batches in one transaction ({@link StoreWriter}). A head that dies between the two replays the log
 * at its next start. Appending is one {@code write} of the whole batch, where an H2 commit rewrites every B-tree
 * page the batch touched and the chunk metadata that points at them (docs/architecture.md, "The store").
 *
 * <p>A frame is its payload's length, its CRC-32C and the payload: the number of changes, then each change as its
 * kind, its key and its JSON body. Like the database's own commits at {@code WRITE_DELAY=0} the log is written to
 * the kernel, not synced to the disk, so it survives the head's process being killed, not the machine's crash.
 * Replay stops at the first frame that is short or fails its checksum. Only the batch being appended when the
 * head died can be torn, at the end of the file, and nobody was told that it was written; a bad frame with more
 * of the log after it is damage, which {@link StoreWriter#recover} refuses to pass over.
 */
final class ChangeLog implements AutoCloseable {
    /** What a change is of; each kind's key is a job number, a node name, a segment key or a setting name. */
    enum Kind {
        JOB, NODE, SEGMENT, SETTING
    }

    record Change(Kind kind, String key, String body) {
    }

    /**
     * What a replay found: the changes of every whole frame before the first bad one; whether that bad frame is
     * the torn tail (it runs to the end of the file: the batch being appended when the head died); and where a
     * bad frame lies that has more of the log after it ({@code -1} when none): damage, not a torn write, and the
     * frames after it were acknowledged.
     */
    record Replay(List<Change> changes, int frames, boolean tornTail, long damagedAt) {
    }

    private static final int HEADER = 8;

    private final Path file;
    private final FileChannel channel;

    private ChangeLog(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Opens the log, creating it readable by this user alone: it holds jobs' scripts and environments. */
    static ChangeLog open(Path file) throws IOException {
        return new ChangeLog(file, FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        "rw-------"))));
    }

    Path file() {
        return file;
    }

    /** Appends one batch as one frame, after whatever the log holds. */
    void append(List<Change> changes) throws IOException {
        List<byte[]> parts = new ArrayList<>(changes.size() * 2);
        long size = 4;
        for (Change c : changes) {
            byte[] key = c.key().getBytes(StandardCharsets.UTF_8);
            byte[] body = c.body().getBytes(StandardCharsets.UTF_8);
            parts.add(key);
            parts.add(body);
            size += 1 + 4 + key.length + 4 + body.length;
        }
        if (size > Integer.MAX_VALUE - HEADER) {
            throw new IOException("a batch of " + changes.size() + " changes is " + size + " bytes, more than one "
                    + "frame of the change log holds");
        }
        ByteBuffer frame = ByteBuffer.allocate(HEADER + (int) size);
        frame.position(HEADER);
        frame.putInt(changes.size());
        for (int i = 0; i < changes.size(); i++) {
            frame.put((byte) changes.get(i).kind().ordinal());
            frame.putInt(parts.get(2 * i).length).put(parts.get(2 * i));
            frame.putInt(parts.get(2 * i + 1).length).put(parts.get(2 * i + 1));
        }
        CRC32C crc = new CRC32C();
        crc.update(frame.array(), HEADER, (int) size);
        frame.putInt(0, (int) size).putInt(4, (int) crc.getValue());
        frame.flip();
        long at = channel.size();
        while (frame.hasRemaining()) {
            at += channel.write(frame, at);
        }
    }

    /** Every change of the whole frames, oldest first, up to the first bad frame. */
    Replay replay() throws IOException {
        List<Change> changes = new ArrayList<>();
        long size = channel.size();
        long at = 0;
        int frames = 0;
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (at < size) {
            header.clear();
            if (size - at < HEADER || !readFully(header, at)) {
                return new Replay(changes, frames, true, -1);
            }
            int length = header.getInt(0);
            if (length > size - at - HEADER) {
                return new Replay(changes, frames, true, -1);
            }
            if (length < 4) {
                // a crash can leave the file longer than what was written, filled with zeros
                return zerosToTheEnd(at, size) ? new Replay(changes, frames, true, -1)
                        : new Replay(changes, frames, false, at);
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            readFully(payload, at + HEADER);
            CRC32C crc = new CRC32C();
            crc.update(payload.array());
            if ((int) crc.getValue() != header.getInt(4)) {
                boolean last = at + HEADER + length == size;
                return new Replay(changes, frames, last, last ? -1 : at);
            }
            payload.flip();
            int count = payload.getInt();
            for (int i = 0; i < count; i++) {
                Kind kind = Kind.values()[payload.get()];
                changes.add(new Change(kind, string(payload), string(payload)));
            }
            frames++;
            at += HEADER + length;
        }
        return new Replay(changes, frames, false, -1);
    }

    private boolean zerosToTheEnd(long from, long size) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        for (long at = from; at < size; ) {
            chunk.clear();
            int n = channel.read(chunk, at);
            if (n <= 0) {
                return true;
            }
            for (int i = 0; i < n; i++) {
                if (chunk.get(i) != 0) {
                    return false;
                }
            }
            at += n;
        }
        return true;
    }

    /** Empties the log once its changes are in the database's tables. */
    void clear() throws IOException {
        channel.truncate(0);
    }

    long size() throws IOException {
        return channel.size();
    }

    private boolean readFully(ByteBuffer into, long at) throws IOException {
        while (into.hasRemaining()) {
            int n = channel.read(into, at + into.position());
            if (n < 0) {
                return false;
            }
        }
        return true;
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[b.getInt()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
