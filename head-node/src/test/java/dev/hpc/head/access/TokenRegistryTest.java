package dev.hpc.head.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.head.RequestRejected;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The token registry's rules for mirroring and revoking, with the store as a map. */
class TokenRegistryTest {
    private static class MapStorage implements TokenRegistry.Storage {
        final Map<String, TokenRecord> rows = new LinkedHashMap<>();

        @Override
        public List<TokenRecord> loadTokens() {
            return new ArrayList<>(rows.values());
        }

        @Override
        public void saveToken(TokenRecord token) {
            rows.put(token.id(), token);
        }

        @Override
        public void deleteTokens(Collection<String> ids) {
            ids.forEach(rows::remove);
        }
    }

    /** The standby's copy, as the active head sends it; {@code down} makes each call fail. */
    private static final class MapReplica implements TokenRegistry.Replica {
        final Map<String, TokenRecord> rows = new LinkedHashMap<>();
        boolean down;

        @Override
        public void put(TokenRecord token) {
            check();
            rows.put(token.id(), token);
        }

        @Override
        public void remove(String id) {
            check();
            rows.remove(id);
        }

        private void check() {
            if (down) {
                throw new IllegalStateException("the standby cannot be reached");
            }
        }
    }

    private final MapStorage storage = new MapStorage();
    private final TokenRegistry registry = new TokenRegistry(storage, Clock.systemUTC());

    @Test
    void anEmptyReplicaWasNotSeededYetAndTakesNothingAway() {
        String admin = Tokens.generate();
        registry.registerAdminFile(admin, "root");
        String mine = registry.create("alice", Role.USER).token();
        registry.mirrorAll(List.of());
        assertTrue(registry.authenticate(admin).isPresent());
        assertTrue(registry.authenticate(mine).isPresent());
    }

    @Test
    void theActiveHeadsRecordsReplaceTheOwnButNeverTheAdminFilesToken() {
        String admin = Tokens.generate();
        registry.registerAdminFile(admin, "root");
        String stale = registry.create("alice", Role.USER).token();
        TokenRecord fromActive = new TokenRecord("abc", "bob", Role.OPERATOR, Tokens.hash("bobs-token-abcdefghijkl"),
                Instant.now());
        registry.mirrorAll(List.of(fromActive));
        assertTrue(registry.authenticate(stale).isEmpty(), "revoked while this head was away");
        assertTrue(registry.authenticate(admin).isPresent(), "the admin file's token stays");
        assertEquals("bob", registry.authenticate("bobs-token-abcdefghijkl").orElseThrow().user());
        assertTrue(storage.rows.containsKey("abc"), "kept in the store");
        registry.mirrorRemoved(Tokens.idOf(admin));
        assertTrue(registry.authenticate(admin).isPresent());
    }

    @Test
    void theAdminFilesTokenCannotBeRevokedButTheUsersOtherTokensCan() {
        String admin = Tokens.generate();
        TokenRecord pinned = registry.registerAdminFile(admin, "root");
        assertEquals(pinned, registry.registerAdminFile(admin, "root"), "the same file again changes nothing");
        String other = registry.create("root", Role.USER).token();
        RequestRejected e = assertThrows(RequestRejected.class, () -> registry.revoke(pinned.id()));
        assertEquals(409, e.status());
        assertTrue(e.getMessage().contains("delete that file"), e.getMessage());
        assertEquals(1, registry.revoke("root").size());
        assertTrue(registry.authenticate(other).isEmpty());
        assertTrue(registry.authenticate(admin).isPresent());
    }

    @Test
    void aTokenThatCannotReachTheStandbyIsRefusedAndValidNowhere() {
        MapReplica replica = new MapReplica();
        registry.replicateTo(replica);
        replica.down = true;
        assertThrows(IllegalStateException.class, () -> registry.create("alice", Role.USER));
        assertTrue(registry.list().isEmpty());
        assertTrue(storage.rows.isEmpty());
    }

    @Test
    void aTokenThisHeadCannotStoreIsTakenBackFromTheStandby() {
        MapReplica replica = new MapReplica();
        registry.replicateTo(replica);
        TokenRegistry failing = new TokenRegistry(new MapStorage() {
            @Override
            public void saveToken(TokenRecord token) {
                throw new IllegalStateException("disk full");
            }
        }, Clock.systemUTC());
        failing.replicateTo(replica);
        assertThrows(IllegalStateException.class, () -> failing.create("alice", Role.USER));
        assertTrue(replica.rows.isEmpty(), "not valid on the standby either");
        assertTrue(failing.list().isEmpty());
    }

    @Test
    void aRevocationFailingAnywhereLeavesTheTokenWorkingEverywhere() {
        MapReplica replica = new MapReplica();
        boolean[] diskFull = {false};
        TokenRegistry heads = new TokenRegistry(new MapStorage() {
            @Override
            public void deleteTokens(Collection<String> ids) {
                if (diskFull[0]) {
                    throw new IllegalStateException("disk full");
                }
                super.deleteTokens(ids);
            }
        }, Clock.systemUTC());
        heads.replicateTo(replica);
        String first = heads.create("alice", Role.USER).token();
        String second = heads.create("alice", Role.USER).token();
        assertEquals(2, replica.rows.size());

        diskFull[0] = true;
        assertThrows(IllegalStateException.class, () -> heads.revoke("alice"));
        assertEquals(2, replica.rows.size(), "put back on the standby");
        assertTrue(heads.authenticate(first).isPresent());
        assertTrue(heads.authenticate(second).isPresent());

        diskFull[0] = false;
        replica.down = true;
        assertThrows(IllegalStateException.class, () -> heads.revoke("alice"));
        assertTrue(heads.authenticate(first).isPresent(), "refused before anything changed");
        replica.down = false;
        assertEquals(2, heads.revoke("alice").size());
        assertTrue(replica.rows.isEmpty());
        assertTrue(heads.authenticate(first).isEmpty());
    }

    /** Issue #15: an answer held with a token ends whichever way the token stops being valid, and only then. */
    @Test
    void aHoldEndsWhenItsTokenStopsBeingValidHereOrByMirror() {
        String alice = registry.create("alice", Role.USER).token();
        String bob = registry.create("bob", Role.USER).token();
        List<String> ended = new ArrayList<>();
        registry.whileValid(registry.find(alice).orElseThrow(), why -> ended.add("alice: " + why));
        TokenRegistry.Hold released = registry.whileValid(registry.find(bob).orElseThrow(),
                why -> ended.add("released bob: " + why));
        released.release();
        registry.whileValid(registry.find(bob).orElseThrow(), why -> ended.add("bob: " + why));

        registry.revoke("alice");
        assertEquals(1, ended.size(), ended.toString());
        assertTrue(ended.get(0).startsWith("alice: token ") && ended.get(0).endsWith(" of alice was revoked"),
                ended.toString());

        TokenRecord bobs = registry.find(bob).orElseThrow();
        registry.mirrorRemoved(bobs.id());
        assertEquals(2, ended.size(), ended.toString());
        assertEquals("bob: token " + bobs.id() + " of bob was revoked", ended.get(1), "revoked on the active head");
    }

    @Test
    void aHoldOnATokenAlreadyGoneEndsAtOnceAndACopyWithoutItEndsTheOthers() {
        String carol = registry.create("carol", Role.USER).token();
        TokenRecord record = registry.find(carol).orElseThrow();
        registry.revoke("carol");
        List<String> ended = new ArrayList<>();
        registry.whileValid(record, ended::add);
        assertEquals(1, ended.size(), "a token revoked between the request's check and the hold");

        String dave = registry.create("dave", Role.USER).token();
        String erin = registry.create("erin", Role.USER).token();
        registry.whileValid(registry.find(dave).orElseThrow(), why -> ended.add("dave"));
        registry.whileValid(registry.find(erin).orElseThrow(), why -> ended.add("erin"));
        registry.mirrorAll(List.of(registry.find(erin).orElseThrow()));
        assertEquals(List.of(ended.get(0), "dave"), ended, "the active head's copy lacks dave's token");
    }
}
