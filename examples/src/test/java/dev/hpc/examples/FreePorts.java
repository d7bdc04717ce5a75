package dev.hpc.examples;

import dev.hpc.cli.local.LocalCluster;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for daemons a test starts. A port the kernel hands out for a moment ({@code new ServerSocket(0)}) is an
 * ephemeral one, and any outgoing connection on the machine may take it before the daemon binds it (PartitionIT
 * once failed so: {@code cannot listen on port 37857}). These come from below the ephemeral range, where no
 * outgoing connection goes, and this JVM never hands out one port twice. (Clusters started through
 * ClusterFixture probe their ports and start again on a taken one instead.)
 */
final class FreePorts {
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port between 20000 and 30000 that nothing listens on and this JVM has not given out before. */
    static int one() {
        for (int i = 0; i < 1000; i++) {
            int p = 20_000 + ThreadLocalRandom.current().nextInt(10_000);
            if (LocalCluster.portFree("127.0.0.1", p) && GIVEN.add(p)) {
                return p;
            }
        }
        throw new IllegalStateException("found no free port between 20000 and 30000");
    }
}
