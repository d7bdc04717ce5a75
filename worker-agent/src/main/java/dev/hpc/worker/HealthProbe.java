package dev.hpc.worker;

import dev.hpc.api.job.Health;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Samples the health figures a heartbeat carries, with the latest verdict of the health-check script
 * (passed when none is configured). Blocking (it reads /proc and asks the file system), so the
 * verticle calls {@link #sample()} off the event loop; {@link #latest()} is what the last sample
 * found and may be read anywhere.
 */
public final class HealthProbe {
    private final Path spoolDir;
    private volatile HealthCheck.Verdict verdict = HealthCheck.Verdict.PASS;
    private volatile Health latest = Health.UNKNOWN;

    public HealthProbe(Path spoolDir) {
        this.spoolDir = spoolDir;
    }

    public Health sample() {
        HealthCheck.Verdict v = verdict;
        Health h = new Health(NodeFacts.loadAverage(), NodeFacts.availableMemory(), freeDisk(), v.passed(),
                v.message());
        latest = h;
        return h;
    }

    /** The figures of the last sample with the current verdict, without sampling again. */
    public Health latest() {
        Health h = latest;
        HealthCheck.Verdict v = verdict;
        return new Health(h.loadAverage(), h.freeMemory(), h.freeDisk(), v.passed(), v.message());
    }

    /** Records the verdict of the latest health-check run; true when it differs from the one before. */
    public boolean verdict(HealthCheck.Verdict v) {
        boolean changed = !v.equals(verdict);
        verdict = v;
        return changed;
    }

    public HealthCheck.Verdict verdict() {
        return verdict;
    }

    private long freeDisk() {
        try {
            return Files.getFileStore(spoolDir).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
