package dev.hpc.mpi;

import dev.hpc.api.wire.SpawnProtocol;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The environment a spawned command gets from its caller: the job's environment as the caller has
 * it (so that MPI's daemons and ranks see the job's PATH, library paths and variables, as PBS's
 * {@code tm_spawn} gives them), less what belongs to the caller's node and shell. The worker that
 * runs the command sets its own {@code HPC_WORKER_NODE} and {@code TMPDIR}; the head sets
 * {@code PBS_NODENUM} and replaces the GPU variables ({@code CUDA_VISIBLE_DEVICES}, ...) with the
 * binding of the job on the command's node.
 *
 * <p>{@code LD_LIBRARY_PATH}, {@code LD_PRELOAD} and the like are forwarded on purpose: a rank needs the
 * library paths its program was built against. That is safe only because a worker running as root hands
 * them to nothing but the shell that already runs as the job's owner, never to the {@code setsid} and
 * {@code setpriv} it starts as root (the worker's {@code OwnerShell}, issue #15; docs/security.md).
 *
 * <p>Names that are not shell names ({@code BASH_FUNC_f%%} of an exported function, {@code a.b} that
 * {@code env} can set) are left out: no shell on the other side can set them (the worker refuses a spawn
 * that brings one), and {@code sh -c}, which runs every spawned command, would drop them anyway.
 */
public final class ForwardedEnvironment {
    /** Variables that describe the calling node or shell, never forwarded. */
    static final Set<String> NODE_LOCAL = Set.of(SpawnProtocol.ENV_WORKER_NODE, "TMPDIR", "PWD", "OLDPWD", "SHLVL",
            "_", "PBS_NODENUM", "PBS_TASKNUM", "PBS_VNODENUM", "PBS_NODEFILE", SpawnProtocol.ENV_HOSTFILE,
            SpawnProtocol.ENV_MPICH_HOSTFILE, "OMPI_MCA_orte_default_hostfile", "HYDRA_HOST_FILE", "HOSTNAME",
            "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "TERM", "DISPLAY", "XAUTHORITY");
    /** Variable names as a shell takes them. */
    private static final Pattern SHELL_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private ForwardedEnvironment() {
    }

    public static Map<String, String> of(Map<String, String> callerEnvironment) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : callerEnvironment.entrySet()) {
            String name = e.getKey();
            if (!NODE_LOCAL.contains(name) && SHELL_NAME.matcher(name).matches()) {
                out.put(name, e.getValue());
            }
        }
        return out;
    }
}
