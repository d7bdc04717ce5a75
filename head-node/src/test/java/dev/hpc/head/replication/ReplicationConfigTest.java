package dev.hpc.head.replication;

import dev.hpc.api.InvalidRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplicationConfigTest {
    /** The standby sends clients to the active head's --bind address, so a wildcard would send them nowhere. */
    @Test
    void aHeadOfAHeadClusterRefusesAWildcardApiAddressAndSaysWhatToGive() {
        for (String wildcard : List.of("0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> ReplicationConfig.requireReachableApiBind(wildcard));
            assertTrue(e.getMessage().contains("a wildcard") && e.getMessage().contains("this machine's IP address"),
                    e.getMessage());
        }
        for (String address : List.of("127.0.0.1", "10.1.2.3", "::1", "head1.cluster.example")) {
            assertDoesNotThrow(() -> ReplicationConfig.requireReachableApiBind(address));
        }
    }
}
