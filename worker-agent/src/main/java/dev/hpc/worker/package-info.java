/**
 * The worker agent: the daemon on every compute node. It keeps a WebSocket link to every head it
 * knows, registers with its resources, heartbeats health figures, launches each task attempt as
 * its own session and process group with the PBS environment, and reports how each attempt ended.
 *
 * <p>Invariants this package keeps:
 * <ul>
 *   <li>It obeys only the highest head epoch it has seen: a {@code Launch}, {@code Kill} or
 *       {@code ResultAck} with a lower epoch is ignored (DESIGN.md invariant 2).</li>
 *   <li>A result is kept until the head acknowledges it, and is sent again in every
 *       registration until then; while the agent lives no result is lost (invariant 3).</li>
 *   <li>Launching the same attempt twice starts it once; killing an unknown attempt does nothing.</li>
 *   <li>A kill, a walltime overrun or a stop of the agent leaves no process of the task behind:
 *       the process group, the session and every descendant get SIGTERM, then SIGKILL after the
 *       grace period.</li>
 *   <li>Nothing it runs as root sees a job's environment (invariant 5, issue #15): a task or spawn of
 *       another user gets its variables only in the shell that already runs as its owner
 *       ({@link dev.hpc.worker.OwnerShell}); what root runs gets a fixed {@code PATH} alone.</li>
 *   <li>The Vert.x event loop never blocks: launches, kills, health sampling and spool clean-up
 *       run on other threads and post their outcome back to the verticle's context.</li>
 * </ul>
 *
 * <p>Files: {@link dev.hpc.worker.WorkerMain} (command line), {@link dev.hpc.worker.WorkerConfig}
 * (configuration), {@link dev.hpc.worker.WorkerVerticle} (wiring), {@link dev.hpc.worker.HeadLink}
 * (one head connection), {@link dev.hpc.worker.ActiveHead} and {@link dev.hpc.worker.EpochFence} (which head
 * to obey), {@link dev.hpc.worker.HealthChecks} (when the health check runs),
 * {@link dev.hpc.worker.TaskTable} (attempts and unacknowledged results),
 * {@link dev.hpc.worker.TaskLauncher} and {@link dev.hpc.worker.TaskProcess} (processes; the launcher's parts
 * {@link dev.hpc.worker.AttemptSpool}, {@link dev.hpc.worker.AttemptOutputs},
 * {@link dev.hpc.worker.TaskEnvironment} and {@link dev.hpc.worker.TaskCommand}),
 * {@link dev.hpc.worker.RunAs} and {@link dev.hpc.worker.OwnerShell} (who a process runs as, and how its
 * environment reaches it),
 * {@link dev.hpc.worker.ProcessTree} (process groups on Linux), {@link dev.hpc.worker.HealthProbe} (heartbeat
 * figures) and {@link dev.hpc.worker.HealthCheck} (the node-health-check script, run off the event loop),
 * {@link dev.hpc.worker.SpawnSupervisor}, {@link dev.hpc.worker.SpawnLauncher} and
 * {@link dev.hpc.worker.SpawnedCommand} (commands spawned into an attempt by MPI or hpc dsh, on any node of its
 * allocation) and {@link dev.hpc.worker.SpawnSupport} (what
 * tasks get to spawn: variables, host files; docs/mpi.md), {@link dev.hpc.worker.OutputFiles} (the output
 * files of the attempts it ran, read for a head by attempt and stream, never by path: qpeek, the web view).
 */
package dev.hpc.worker;
