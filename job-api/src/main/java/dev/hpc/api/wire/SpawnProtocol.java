package dev.hpc.api.wire;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The spawn API shared by the head and the remote-launch tools of {@code mpi-launcher}
 * ({@code hpc-rsh}, {@code hpc dsh}): the environment variables a task gets to reach it, and the
 * frames of its streamed answer.
 *
 * <p>{@code POST /api/v1/jobs/{id}/spawn} with a JSON body ({@code attemptId}, {@code token},
 * {@code host}, {@code argv}, optional {@code environment} and {@code workDir}) answers 200 with
 * {@code Content-Type: application/x-hpc-spawn} and a chunked body of frames until the command ends:
 * one byte kind, four bytes length (big-endian), then the payload. Errors before the start are the
 * usual JSON errors of the API. See docs/mpi.md and docs/rest-api.md.
 */
public final class SpawnProtocol {
    /** The media type of the streamed answer. */
    public static final String MEDIA_TYPE = "application/x-hpc-spawn";

    /** Bytes the command wrote on its standard output. */
    public static final byte STDOUT = 'o';
    /** Bytes the command wrote on its standard error. */
    public static final byte STDERR = 'e';
    /** A note from the head or the worker (UTF-8), for the caller's standard error. */
    public static final byte NOTE = 'n';
    /** Nothing; sent while the command is silent, so that a caller can tell a dead head. */
    public static final byte KEEPALIVE = 'k';
    /** The last frame: the exit status as a 4-byte big-endian int. */
    public static final byte EXIT = 'x';

    // ---- the frames a client sends on an interactive session (qsub -I), as binary WebSocket messages

    /** Bytes for the session's standard input (its terminal's keys, Ctrl-C as 0x03 among them). */
    public static final byte INPUT = 'i';
    /** The end of the session's standard input; no payload. */
    public static final byte INPUT_END = 'd';
    /** The client's terminal has a new size: rows, then columns, two 4-byte big-endian ints. */
    public static final byte RESIZE = 'z';

    /**
     * The WebSocket of interactive sessions ({@code qsub -I}): {@code ?job=ID&tty=true&rows=R&cols=C}, the
     * caller's token as {@code Authorization: Bearer}. The path is fixed (the job is in the query) because
     * WebSockets are matched on the path alone. The head sends the frames above ({@link #STDOUT} ...
     * {@link #EXIT}), one per binary message; the client sends {@link #INPUT}, {@link #INPUT_END} and
     * {@link #RESIZE} frames. See docs/rest-api.md.
     */
    public static final String SESSION_PATH = "/api/v1/session";

    /** The exit status reported when the command could not be started or the link to it was lost (as ssh). */
    public static final int LOST = 255;

    // ---- the variables every task gets from its worker

    /** Every head of the cluster, {@code host:port,host:port}. */
    public static final String ENV_SERVER = "HPC_SERVER";
    /** The job id, as {@code qstat} shows it ({@code 42.cluster}, or {@code 42[3].cluster} for an array task). */
    public static final String ENV_JOB_ID = "HPC_JOB_ID";
    /** The id of the running attempt of the task. */
    public static final String ENV_ATTEMPT_ID = "HPC_ATTEMPT_ID";
    /** The per-attempt secret that lets the job, and only it, spawn into its allocation. */
    public static final String ENV_SPAWN_TOKEN = "HPC_SPAWN_TOKEN";
    /** The node the process runs on (the worker's node name). */
    public static final String ENV_WORKER_NODE = "HPC_WORKER_NODE";
    /** The repository root of the installation: {@code $HPC_HOME/bin/hpc-rsh} is the agent. */
    public static final String ENV_HOME = "HPC_HOME";
    /** The Open MPI host file of the allocation ({@code node slots=N}); multi-node tasks only. */
    public static final String ENV_HOSTFILE = "HPC_HOSTFILE";
    /** The MPICH host file of the allocation ({@code node:N}); multi-node tasks only. */
    public static final String ENV_MPICH_HOSTFILE = "HPC_MPICH_HOSTFILE";
    /** The host each node of the allocation runs on, {@code node=host,node=host}, first node first. */
    public static final String ENV_NODE_HOSTS = "HPC_NODE_HOSTS";

    private SpawnProtocol() {
    }

    /** The path of the spawn route for a job id (URL-encoded). */
    public static String path(String jobId) {
        return "/api/v1/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8) + "/spawn";
    }

    /** One frame, ready to write. */
    public static byte[] frame(byte kind, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(5 + payload.length);
        b.put(kind).putInt(payload.length).put(payload);
        return b.array();
    }

    public static byte[] exitFrame(int status) {
        return frame(EXIT, ByteBuffer.allocate(4).putInt(status).array());
    }

    public static byte[] resizeFrame(int rows, int cols) {
        return frame(RESIZE, ByteBuffer.allocate(8).putInt(rows).putInt(cols).array());
    }

    public static byte[] noteFrame(String text) {
        return frame(NOTE, text.getBytes(StandardCharsets.UTF_8));
    }

    /** One frame read back. */
    public record Frame(byte kind, byte[] payload) {
        /** The status of an {@link #EXIT} frame. */
        public int exitStatus() {
            return ByteBuffer.wrap(payload).getInt();
        }

        /** The rows and columns of a {@link #RESIZE} frame. */
        public int[] size() {
            if (payload.length != 8) {
                throw new IllegalArgumentException("a resize frame holds 8 bytes (rows, columns), got "
                        + payload.length);
            }
            ByteBuffer b = ByteBuffer.wrap(payload);
            return new int[] {b.getInt(), b.getInt()};
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** The largest frame accepted when reading (the head sends at most the worker's chunk size). */
    public static final int MAX_FRAME = 1 << 24;

    /** The one frame a WebSocket message holds; throws on a short, long or bad one. */
    public static Frame parse(byte[] message) throws IOException {
        if (message.length < 5) {
            throw new IOException("a frame needs 5 bytes at least, got " + message.length);
        }
        ByteBuffer b = ByteBuffer.wrap(message);
        byte kind = b.get();
        int length = b.getInt();
        if (length != message.length - 5) {
            throw new IOException("the frame says " + length + " bytes but holds " + (message.length - 5));
        }
        byte[] payload = new byte[length];
        b.get(payload);
        return new Frame(kind, payload);
    }

    /** Reads the next frame; empty at a clean end of the stream. Throws on a truncated or bad frame. */
    public static Optional<Frame> read(DataInputStream in) throws IOException {
        int kind = in.read();
        if (kind < 0) {
            return Optional.empty();
        }
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            throw new IOException("the spawn stream ended inside a frame header");
        }
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("bad frame length " + length + " in the spawn stream");
        }
        byte[] payload = new byte[length];
        in.readFully(payload);
        return Optional.of(new Frame((byte) kind, payload));
    }
}
