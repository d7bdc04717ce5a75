package dev.hpc.mpi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ForwardedEnvironmentTest {
    @Test
    void theJobsVariablesLibraryPathsIncludedGoButNodeLocalOnesAndNamesNoShellCanSetDoNot() {
        Map<String, String> caller = new TreeMap<>();
        caller.put("PATH", "/home/alice/bin:/usr/bin:/bin");
        // a rank needs them; the receiving worker applies them only as the owner (issue #15)
        caller.put("LD_LIBRARY_PATH", "/home/alice/openmpi/lib");
        caller.put("LD_PRELOAD", "/home/alice/lib/libprofile.so");
        caller.put("OMPI_MCA_btl", "self,tcp");
        caller.put("TMPDIR", "/var/spool/hpc/n1/7/tmp");
        caller.put("HPC_WORKER_NODE", "n1");
        caller.put("PBS_NODENUM", "0");
        caller.put("BASH_FUNC_module%%", "() { eval $(modulecmd bash \"$@\"); }");
        caller.put("a.b", "set by env");
        caller.put("1X", "digit first");

        assertEquals(Map.of("PATH", "/home/alice/bin:/usr/bin:/bin", "LD_LIBRARY_PATH", "/home/alice/openmpi/lib",
                "LD_PRELOAD", "/home/alice/lib/libprofile.so", "OMPI_MCA_btl", "self,tcp"),
                ForwardedEnvironment.of(caller));
    }
}
