package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 19: a job names the image its script runs in, and only nodes with a runtime for it are candidates. */
class ContainerImageTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-05T12:00:00Z"), ZoneOffset.UTC);
    private static final NodeTraits PODMAN_NODE = new NodeTraits(Set.of("podman", "ib"), Map.of());
    private static final NodeTraits APPTAINER_NODE = new NodeTraits(Set.of("apptainer"), Map.of());
    private static final NodeTraits PLAIN_NODE = new NodeTraits(Set.of("ib"), Map.of());

    private static JobSpec submitted(String script, String... options) {
        return SubmitParser.parse(new SubmitRequest(script, List.of(options), "alice", "login1", "/home/alice",
                Map.of()), SubmitDefaults.STANDARD, CLOCK);
    }

    @Test
    void pbsAndSlurmScriptsNameTheImageWhichIsRecordedAndAskedOfTheNodes() {
        JobSpec pbs = submitted("#!/bin/bash\n#PBS -l container=docker.io/library/rockylinux:9\nhostname\n");
        assertEquals("docker.io/library/rockylinux:9", ContainerImage.of(pbs.recorded()));
        NodeConstraint c = pbs.resources().constraint();
        assertTrue(c.admits(PODMAN_NODE));
        assertTrue(c.admits(APPTAINER_NODE));
        assertFalse(c.admits(PLAIN_NODE), "a node without a runtime is no candidate");

        JobSpec slurm = submitted("#!/bin/bash\n#SBATCH --container-image=oci-archive:/shared/tools.tar\nhostname\n");
        assertEquals("oci-archive:/shared/tools.tar", ContainerImage.of(slurm.recorded()));
        assertEquals(c, slurm.resources().constraint());
        assertEquals("localhost/tools:1", ContainerImage.of(
                submitted("#!/bin/bash\n#SBATCH --container=localhost/tools:1\ntrue\n").recorded()));

        assertEquals("", ContainerImage.of(submitted("#!/bin/bash\ntrue\n").recorded()), "no image: on the node");
    }

    @Test
    void anApptainerImageFileNeedsApptainerAndTheImageAddsToOtherNodeRequests() {
        JobSpec sif = submitted("#!/bin/bash\ntrue\n", "-l", "container=/shared/images/tools.sif");
        assertFalse(sif.resources().constraint().admits(PODMAN_NODE), "podman cannot run a .sif file");
        assertTrue(sif.resources().constraint().admits(APPTAINER_NODE));

        JobSpec both = submitted("#!/bin/bash\ntrue\n", "-l", "nodes=1:ppn=2:ib", "-l", "container=localhost/x:1");
        assertTrue(both.resources().constraint().admits(PODMAN_NODE));
        assertFalse(both.resources().constraint().admits(APPTAINER_NODE), "ib is still asked for");
        assertEquals("no node has property apptainer, property podman",
                both.resources().constraint().unmetBy(List.of(PLAIN_NODE)));
    }

    @Test
    void aMalformedImageIsRefusedSayingWhatToWrite() {
        for (String bad : List.of("container=", "container=-v/:/host", "container=a b", "container=x;rm")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> submitted("#!/bin/bash\ntrue\n", "-l", bad));
            assertTrue(e.getMessage().contains("container"), e.getMessage());
        }
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> ContainerImage.check("-v/:/host"));
        assertTrue(e.getMessage().contains("not starting with -"), e.getMessage());
        assertThrows(InvalidRequestException.class, () -> ContainerImage.check("x".repeat(513)));
    }

    @Test
    void theLaunchOrderCarriesTheImageOverTheWireAndThroughTheSpawnRelay() {
        WireMessage.LaunchOrder order = aTask(1, "true").container("localhost/tools:1").build();
        WireMessage.Launch back = (WireMessage.Launch) WireCodec.decodeFromHead(WireCodec.encode(
                new WireMessage.Launch(3, order)));
        assertEquals(order, back.order());
        assertEquals("localhost/tools:1", order.withEnvironment(Map.of("T", "t")).container());
        WireMessage.LaunchOrder plain = aTask(1, "true").build();
        assertFalse(WireCodec.encode(new WireMessage.Launch(3, plain)).contains("\"container\""));
    }
}
