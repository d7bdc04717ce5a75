package dev.hpc.mpi;

import dev.hpc.api.SpawnProtocol;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The environment a spawned command gets from its caller: the job's environment as the caller has
 * it (so that MPI's daemons and ranks see the job's PATH, library paths and variables, as PBS's
 * {@code tm_spawn} gives them), less what belongs to the caller's node and shell. The worker that
 * runs the command sets its own {@code HPC_WORKER_NODE}, {@code TMPDIR} and {@code PBS_NODENUM}.
 */
public final class ForwardedEnvironment {
    /** Variables that describe the calling node or shell, never forwarded. */
    static final Set<String> NODE_LOCAL = Set.of(SpawnProtocol.ENV_WORKER_NODE, "TMPDIR", "PWD", "OLDPWD", "SHLVL",
            "_", "PBS_NODENUM", "PBS_TASKNUM", "PBS_VNODENUM", "PBS_NODEFILE", SpawnProtocol.ENV_HOSTFILE,
            SpawnProtocol.ENV_MPICH_HOSTFILE, "OMPI_MCA_orte_default_hostfile", "HYDRA_HOST_FILE", "HOSTNAME",
            "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "TERM", "DISPLAY", "XAUTHORITY");

    private ForwardedEnvironment() {
    }

    public static Map<String, String> of(Map<String, String> callerEnvironment) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : callerEnvironment.entrySet()) {
            String name = e.getKey();
            if (!NODE_LOCAL.contains(name) && !name.startsWith("BASH_FUNC_")) {
                out.put(name, e.getValue());
            }
        }
        return out;
    }
}
