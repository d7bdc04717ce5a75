package dev.hpc.worker;

import dev.hpc.api.Health;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Samples the health figures a heartbeat carries. Blocking (it reads /proc and asks the file
 * system), so the verticle calls it off the event loop. A health-check script comes later: until
 * then the check always passes.
 */
public final class HealthProbe {
    private final Path spoolDir;

    public HealthProbe(Path spoolDir) {
        this.spoolDir = spoolDir;
    }

    public Health sample() {
        return new Health(NodeFacts.loadAverage(), NodeFacts.availableMemory(), freeDisk(), true, "");
    }

    private long freeDisk() {
        try {
            return Files.getFileStore(spoolDir).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
