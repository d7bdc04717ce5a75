package dev.hpc.api.wire;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.FileModes;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.NodeTraits;
import dev.hpc.api.job.ProcessLimits;
import dev.hpc.api.job.WalltimeSignal;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Messages on the worker link, one JSON text frame each. Workers open the link; the head answers a
 * {@link Register} with a {@link Welcome} that carries its epoch. A worker obeys only the highest
 * epoch it has seen (DESIGN.md invariant 2) and keeps each {@link TaskFinished} until the head
 * acknowledges it with {@link ResultAck}, across reconnects and head takeovers. When the cluster has a
 * secret, the link opens with {@link Hello} and {@link Challenge} and the registration carries the
 * worker's proof: both sides prove the secret before anything else is obeyed.
 */
public sealed interface WireMessage {

    /** From worker to head. */
    sealed interface FromWorker extends WireMessage {
    }

    /** From head to worker; every one names the epoch of the head that sent it. */
    sealed interface FromHead extends WireMessage {
        long epoch();
    }

    /**
     * Worker to head, first on a link when the worker holds the cluster secret: a fresh random nonce.
     * The head answers with a {@link Challenge}; nothing else on the link counts until both sides
     * have proved the secret (docs/security.md, "Cluster secret and TLS").
     */
    record Hello(String nonce) implements FromWorker {
    }

    /**
     * Head to worker, the answer to a {@link Hello}: the head's own nonce and its proof of the cluster
     * secret over both nonces ({@link ClusterSecret#headProof}); {@code proof} is empty when the head
     * holds no secret. The worker answers with a {@link Register} whose {@code secretProof} proves it.
     */
    record Challenge(long epoch, String headName, String nonce, String proof) implements FromHead {
    }

    /** A task attempt the worker is running right now. */
    record RunningTask(long attemptId, String taskName, long pid) {
    }

    /**
     * How an attempt ended on the worker; {@code exitStatus} follows PBS (256+signal when killed).
     * {@code detail} says why an attempt could not start (the owner does not exist on the node, ...), for
     * the task's comment; empty otherwise.
     */
    record TaskResult(long attemptId, String taskName, int exitStatus, EndReason reason, Instant end, String detail) {
        public TaskResult(long attemptId, String taskName, int exitStatus, EndReason reason, Instant end) {
            this(attemptId, taskName, exitStatus, reason, end, "");
        }
    }

    /**
     * {@code health} is the node's health at registration, with its health-check verdict, so that a
     * node whose check fails takes no work even before its first heartbeat. {@code traits} are the
     * properties and string-valued host resources the worker declares (absent on the wire: none).
     */
    record Register(String node, String host, int cores, long memory, Map<String, Long> generic,
                    String secretProof, List<RunningTask> running, List<TaskResult> finished, Health health,
                    NodeTraits traits)
            implements FromWorker {
        public Register {
            generic = Collections.unmodifiableMap(new TreeMap<>(generic));
            running = List.copyOf(running);
            finished = List.copyOf(finished);
        }

        /** A registration of a node without properties or host resources. */
        public Register(String node, String host, int cores, long memory, Map<String, Long> generic,
                        String secretProof, List<RunningTask> running, List<TaskResult> finished, Health health) {
            this(node, host, cores, memory, generic, secretProof, running, finished, health, NodeTraits.NONE);
        }

        /** A registration without health figures (they follow in the first heartbeat). */
        public Register(String node, String host, int cores, long memory, Map<String, Long> generic,
                        String secretProof, List<RunningTask> running, List<TaskResult> finished) {
            this(node, host, cores, memory, generic, secretProof, running, finished, Health.UNKNOWN);
        }

        /** The same registration carrying this proof of the cluster secret. */
        public Register withSecretProof(String proof) {
            return new Register(node, host, cores, memory, generic, proof, running, finished, health, traits);
        }
    }

    /**
     * {@code activeHead} names the head this worker obeys and still has an open link to, or is empty:
     * workers are the witnesses a standby asks before it takes over (DESIGN.md, leadership).
     */
    record Heartbeat(Health health, List<Long> runningAttempts, String activeHead) implements FromWorker {
        public Heartbeat {
            runningAttempts = List.copyOf(runningAttempts);
        }
    }

    record TaskStarted(long attemptId, long pid) implements FromWorker {
    }

    record TaskFinished(TaskResult result) implements FromWorker {
    }

    record Welcome(long epoch, String headName, Duration heartbeatInterval) implements FromHead {
    }

    record Refused(long epoch, String message) implements FromHead {
    }

    record Launch(long epoch, LaunchOrder order) implements FromHead {
    }

    record Kill(long epoch, long attemptId, EndReason reason) implements FromHead {
    }

    record ResultAck(long epoch, long attemptId) implements FromHead {
    }

    /**
     * Head to worker ({@code qsig}): send {@code signal} (a {@link Signals} canonical name or number) to every
     * process of the attempt here: its script's process tree and the commands spawned into it on this node.
     */
    record Signal(long epoch, long attemptId, String signal) implements FromHead {
    }

    /**
     * Head to worker ({@code qmsg}): append {@code text} and a newline to the attempt's {@code stream} file
     * ({@code stdout} or {@code stderr}), as the job's owner. No path crosses the link: the worker uses the file it
     * opened for that stream.
     */
    record AppendOutput(long epoch, long attemptId, String stream, String text) implements FromHead {
    }

    /**
     * The head asks the worker to stop: an administrator stopped the node ({@code hpc worker stop}),
     * after draining it when asked. The worker kills what still runs, closes its links and exits.
     */
    record Shutdown(long epoch, String reason) implements FromHead {
    }

    /**
     * Head to worker: read part of the output of an attempt this worker ran ({@code hpc peek}, the web
     * view's live output). {@code stream} is {@code stdout} or {@code stderr}; the worker reads the file
     * it opened for that stream itself, so no path crosses the link and no other file can be read. A
     * negative {@code offset} counts from the end. The answer is an {@link OutputChunk} of the same
     * {@code requestId}, on the same link. Reading changes nothing, so any welcomed head may ask.
     */
    record ReadOutput(long epoch, String requestId, long attemptId, String stream, long offset, int maxBytes)
            implements FromHead {
    }

    /**
     * Worker to head: the answer to a {@link ReadOutput}. {@code offset} is where {@code data} starts in
     * the file, {@code size} the file's size when read, {@code path} the file on the worker's node.
     * {@code error} is empty, or says why nothing could be read (then {@code data} is empty).
     */
    record OutputChunk(String requestId, long offset, Bytes bytes, long size, String path, String error)
            implements FromWorker {
        public OutputChunk(String requestId, long offset, byte[] data, long size, String path, String error) {
            this(requestId, offset, Bytes.copyOf(data), size, path, error);
        }

        /** A copy of the bytes read. */
        public byte[] data() {
            return bytes.toArray();
        }

        @Override
        public String toString() {
            return "OutputChunk[" + requestId + ", " + bytes + " at " + offset + " of " + size + ", "
                    + path + (error.isEmpty() ? "" : ", error " + error) + "]";
        }
    }

    /**
     * Head to worker: start {@code argv} (joined by blanks and run by {@code sh -c}, as ssh runs a
     * remote command) as a part of attempt {@code attemptId}, as the attempt's {@code owner}, whose allocation holds this node: the
     * remote launch of MPI ({@code hpc-rsh}) and of {@code hpc dsh}. Its output and exit come back as
     * {@link SpawnOutput} and {@link SpawnExited}; it dies with the attempt. See docs/mpi.md.
     *
     * <p>A spawn id the worker already runs is not started again: the head that sends it follows that command
     * (a head that took over). With {@code resume}, the caller follows a command it started earlier through
     * another head: one the worker no longer has is not started, and the worker answers with its end.
     *
     * <p>{@code limits} are the job's per-process limits, set on the command as on the job's script; the
     * head has put the GPU binding of the attempt on this node into {@code environment} (issue 18).
     */
    record Spawn(long epoch, long attemptId, String spawnId, List<String> argv, Map<String, String> environment,
                 String workDir, String owner, boolean resume, ProcessLimits limits) implements FromHead {
        public Spawn {
            argv = List.copyOf(argv);
            environment = Collections.unmodifiableMap(new TreeMap<>(environment));
        }

        /** A spawn of a job without per-process limits. */
        public Spawn(long epoch, long attemptId, String spawnId, List<String> argv, Map<String, String> environment,
                     String workDir, String owner, boolean resume) {
            this(epoch, attemptId, spawnId, argv, environment, workDir, owner, resume, ProcessLimits.NONE);
        }

        /** A new spawn. */
        public Spawn(long epoch, long attemptId, String spawnId, List<String> argv, Map<String, String> environment,
                     String workDir, String owner) {
            this(epoch, attemptId, spawnId, argv, environment, workDir, owner, false);
        }

        /** A spawn whose owner is not named; a worker running as root refuses it (docs/security.md). */
        public Spawn(long epoch, long attemptId, String spawnId, List<String> argv, Map<String, String> environment,
                     String workDir) {
            this(epoch, attemptId, spawnId, argv, environment, workDir, "");
        }
    }

    /**
     * Head to worker: start the shell of an interactive session ({@code qsub -I}) as part of attempt
     * {@code attemptId}, whose script runs on this node: as the attempt's owner, in its work directory, with
     * the environment the worker gave the attempt's script. With {@code tty} the shell runs in a pseudo-terminal
     * of {@code rows} by {@code cols}; without, it reads commands from its standard input. Input comes as
     * {@link SessionInput}, size changes as {@link SessionResize}; output and the end go back as
     * {@link SpawnOutput} and {@link SpawnExited}, and {@link KillSpawn} ends it, as for a spawned command.
     * When the shell ends, the attempt ends with the shell's exit status. {@code term} is the client's
     * {@code TERM} (empty: {@code xterm} in a terminal).
     */
    record OpenSession(long epoch, long attemptId, String spawnId, boolean tty, int rows, int cols, String term)
            implements FromHead {
    }

    /** Head to worker: bytes for a session's standard input; {@code end} closes it after them. */
    record SessionInput(long epoch, String spawnId, Bytes bytes, boolean end) implements FromHead {
        public SessionInput(long epoch, String spawnId, byte[] data, boolean end) {
            this(epoch, spawnId, Bytes.copyOf(data), end);
        }

        /** A copy of the input. */
        public byte[] data() {
            return bytes.toArray();
        }

        @Override
        public String toString() {
            return "SessionInput[" + spawnId + ", " + bytes + (end ? ", end" : "") + "]";
        }
    }

    /** Head to worker: the session's terminal has a new size. */
    record SessionResize(long epoch, String spawnId, int rows, int cols) implements FromHead {
    }

    /** Head to worker: kill one spawned command (its caller went away). */
    record KillSpawn(long epoch, String spawnId) implements FromHead {
    }

    /** Worker to head: bytes a spawned command wrote; {@code stream} 1 is stdout, 2 is stderr. */
    record SpawnOutput(String spawnId, int stream, Bytes bytes) implements FromWorker {
        public SpawnOutput(String spawnId, int stream, byte[] data) {
            this(spawnId, stream, Bytes.copyOf(data));
        }

        /** A copy of what the command wrote. */
        public byte[] data() {
            return bytes.toArray();
        }

        @Override
        public String toString() {
            return "SpawnOutput[" + spawnId + ", stream " + stream + ", " + bytes + "]";
        }
    }

    /**
     * Worker to head: a spawned command ended, after all its output was sent. {@code exitStatus} is
     * the shell's (128 + signal when a signal ended it; 255 when it could not start, with the reason
     * in {@code message}).
     */
    record SpawnExited(String spawnId, int exitStatus, String message) implements FromWorker {
    }

    /**
     * Worker to head: this worker obeys {@code epoch}, newer than the head's, so the head that reads this was
     * deposed and must stop acting (issue 17: workers only logged it).
     */
    record NewerEpoch(long epoch) implements FromWorker {
    }

    /**
     * Worker to head, with each heartbeat while any spawned command runs: which run, for which
     * attempts. The head kills those of attempts that ended and those it knows no caller for.
     */
    record SpawnsRunning(List<SpawnRef> spawns) implements FromWorker {
        public SpawnsRunning {
            spawns = List.copyOf(spawns);
        }
    }

    /** One spawned command: its id and the attempt it belongs to. */
    record SpawnRef(String spawnId, long attemptId) {
    }

    /**
     * All a worker needs to start one task attempt. {@code nodes} is the whole allocation, first node
     * first (the one that runs the script); {@code environment} holds the variables the submission
     * exported; the worker adds the {@code PBS_*} set. Memory 0 and walltime zero mean no limit.
     * {@code arguments} are given to the script after its path (qsub {@code -F}). {@code shells} is
     * qsub's {@code -S} list ("" when none): the shell the worker starts the script with, instead of
     * the script's {@code #!} line. {@code warning} is the signal the job asked to get before its walltime ends
     * ({@code --signal}, {@code -l signal}; {@link WalltimeSignal#NONE} when none). {@code group} is
     * {@code -W group_list}'s group ("" when none): the primary group the task runs with, which the worker checks
     * the owner belongs to. {@code container} is the image the script runs in ({@link ContainerImage}; "" when it
     * runs on the node itself).
     */
    record LaunchOrder(long attemptId, String jobId, String taskName, int arrayIndex, String jobName, String owner,
                       String script, String workDir, String submitDir, String submitHost, String queue,
                       Map<String, String> environment, String stdoutPath, String stderrPath, JoinMode join,
                       List<NodeSlot> nodes, int coresPerNode, int mpiprocsPerNode, long memoryPerNode,
                       Duration walltime, List<String> arguments, String shells, ProcessLimits limits,
                       WalltimeSignal warning, String group, FileModes files, String container) {
        public LaunchOrder {
            environment = Collections.unmodifiableMap(new TreeMap<>(environment));
            nodes = List.copyOf(nodes);
            arguments = List.copyOf(arguments);
        }

        /** The same order with other variables; every other field is kept, the script's arguments too. */
        public LaunchOrder withEnvironment(Map<String, String> env) {
            return new LaunchOrder(attemptId, jobId, taskName, arrayIndex, jobName, owner, script, workDir, submitDir,
                    submitHost, queue, env, stdoutPath, stderrPath, join, nodes, coresPerNode, mpiprocsPerNode,
                    memoryPerNode, walltime, arguments, shells, limits, warning, group, files, container);
        }
    }
}
