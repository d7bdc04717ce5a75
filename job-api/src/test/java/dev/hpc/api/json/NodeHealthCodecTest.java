package dev.hpc.api.json;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.OfflineOrigin;
import dev.hpc.api.wire.WireCodec;
import dev.hpc.api.wire.WireMessage;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Issue 4: the JSON forms of node marks, alerts, the registration's health and the shutdown message. */
class NodeHealthCodecTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private static final Health SICK = new Health(1.5, 1L << 30, 2L << 30, false, "ERROR disk full");

    @Test
    void aNodeKeepsItsOfflineMarkAndDrainThroughJson() {
        NodeInfo n = new NodeInfo("node1", "h1", NodeState.DOWN, 4, 0, 8L << 30, 0, SICK, T0, "no heartbeat",
                List.of(), OfflineOrigin.HEALTH_CHECK, "ERROR disk full", true);
        assertEquals(n, Codec.readNode(Json.readObject(Json.write(Codec.toMap(n)))));
    }

    @Test
    void aNodeWrittenBeforeTheMarksExistedReadsAsItsStateSays() {
        NodeInfo n = new NodeInfo("node1", "", NodeState.OFFLINE, 2, 0, 0, 0, Health.UNKNOWN, T0, "by hand", List.of());
        Map<String, Object> old = new LinkedHashMap<>(Codec.toMap(n));
        old.remove("offlineBy");
        old.remove("offlineNote");
        old.remove("draining");
        NodeInfo read = Codec.readNode(Json.readObject(Json.write(old)));
        assertEquals(OfflineOrigin.ADMIN, read.offlineBy());
        assertEquals("by hand", read.offlineNote());
        assertFalse(read.draining());
    }

    @Test
    void anAlertRoundTrips() {
        Alert a = new Alert(9, Alert.Kind.TASK_REQUEUED, "7[3].c", "requeued", T0);
        assertEquals(a, Codec.readAlert(Json.readObject(Json.write(Codec.toMap(a)))));
    }

    @Test
    void theRegistrationCarriesTheHealthVerdictAndAnOldOneReadsAsUnknown() {
        WireMessage.Register r = new WireMessage.Register("node1", "h1", 2, 1L << 30, Map.of(), "", List.of(),
                List.of(), SICK);
        assertEquals(r, WireCodec.decodeFromWorker(WireCodec.encode(r)));
        String old = WireCodec.encode(r).replaceAll(",\"health\":\\{[^}]*}", "");
        assertEquals(Health.UNKNOWN, ((WireMessage.Register) WireCodec.decodeFromWorker(old)).health());
    }

    @Test
    void theShutdownMessageRoundTrips() {
        WireMessage.Shutdown s = new WireMessage.Shutdown(7, "stopped by root");
        assertEquals(s, WireCodec.decodeFromHead(WireCodec.encode(s)));
    }
}
