package dev.hpc.head.access;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.pbs.SubmitLimits;
import dev.hpc.head.RequestRejected;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The tokens this head accepts, by hash, kept in memory for the check on every request and written
 * through to the head's store and, on the active head, to the replica the standbys mirror. Changes
 * are rare (an administrator's command) and are serialised on this object.
 *
 * <p>A request is checked once, when it arrives; an answer that stays open (the event stream, a read
 * waiting for a worker) is held with {@link #whileValid}, and ended the moment its token stops being
 * valid here: revoked on this head, or revoked on the active head and mirrored to this one (issue #15).
 */
public final class TokenRegistry {
    private static final Logger LOG = Logger.getLogger(TokenRegistry.class.getName());

    /** Where the records are durable: the head's own database. */
    public interface Storage {
        List<TokenRecord> loadTokens();

        void saveToken(TokenRecord token);

        void deleteTokens(Collection<String> ids);
    }

    /** Where the active head sends each change for the standbys (see the replication package). */
    public interface Replica {
        Replica NONE = new Replica() {
            @Override
            public void put(TokenRecord token) {
            }

            @Override
            public void remove(String id) {
            }
        };

        void put(TokenRecord token);

        void remove(String id);
    }

    private final Storage storage;
    private final Clock clock;
    private final Map<String, TokenRecord> byHash = new ConcurrentHashMap<>();
    /** The ids of admin tokens from admin token files: registered at every start, so never revoked or mirrored away. */
    private final Set<String> pinned = ConcurrentHashMap.newKeySet();
    private volatile Replica replica = Replica.NONE;
    /** The open answers held with each token, by hash; see {@link #whileValid}. */
    private final Map<String, Set<Held>> holds = new ConcurrentHashMap<>();

    public TokenRegistry(Storage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
        for (TokenRecord t : storage.loadTokens()) {
            byHash.put(t.hash(), t);
        }
    }

    public void replicateTo(Replica target) {
        this.replica = target;
    }

    /** The caller a presented token stands for; empty when no such token exists (or it was revoked). */
    public Optional<Caller> authenticate(String token) {
        return find(token).map(TokenRecord::caller);
    }

    /** The record of a presented token; empty when no such token exists (or it was revoked). */
    public Optional<TokenRecord> find(String token) {
        return Optional.ofNullable(byHash.get(Tokens.hash(token)));
    }

    /** An open answer held with a token; released when the answer ends by itself. */
    public interface Hold {
        void release();
    }

    private final class Held implements Hold {
        private final String hash;
        private final Consumer<String> end;
        private final AtomicBoolean done = new AtomicBoolean();

        Held(String hash, Consumer<String> end) {
            this.hash = hash;
            this.end = end;
        }

        void end(String why) {
            if (done.compareAndSet(false, true)) {
                try {
                    end.accept(why);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "ending an answer held with a revoked token failed", e);
                }
            }
        }

        @Override
        public void release() {
            done.set(true);
            unlink();
        }

        void unlink() {
            holds.computeIfPresent(hash, (h, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }
    }

    /**
     * Calls {@code end} with the reason, once, when {@code token} stops being valid on this head: at
     * once if it already has. {@code end} runs on the thread that revokes (a worker thread of the API,
     * or Hazelcast's on a standby), so it only hands over to the answer's own context.
     */
    public Hold whileValid(TokenRecord token, Consumer<String> end) {
        Held held = new Held(token.hash(), end);
        holds.compute(token.hash(), (h, set) -> {
            Set<Held> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(held);
            return s;
        });
        // a revocation between the request's check and this hold has already swept the holds: look again
        if (byHash.get(token.hash()) == null) {
            held.unlink();
            held.end(revoked(token));
        }
        return held;
    }

    private static String revoked(TokenRecord t) {
        return "token " + t.id() + " of " + t.user() + " was revoked";
    }

    /**
     * Every way a token stops being valid (revoked here, revoked on the active head, dropped by a copy
     * of its records) ends here, after it was taken out of {@link #byHash}, so no answer it holds
     * outlives it.
     */
    private void ended(Collection<TokenRecord> gone) {
        for (TokenRecord t : gone) {
            Set<Held> held = holds.remove(t.hash());
            if (held != null) {
                LOG.info("ending " + held.size() + " open answer(s) held with token " + t.id() + " of " + t.user());
                for (Held h : held) {
                    h.end(revoked(t));
                }
            }
        }
    }

    /** Makes a new token for a user; the answer is the only place its text ever appears. */
    public synchronized Issued create(String user, Role role) {
        checkUser(user);
        String token = Tokens.generate();
        TokenRecord record = new TokenRecord(Tokens.idOf(token), user, role, Tokens.hash(token), clock.instant());
        put(record);
        LOG.info("token " + record.id() + " created for " + user + " with role " + role.word());
        return new Issued(token, record);
    }

    /** A new token and its record. */
    public record Issued(String token, TokenRecord record) {
    }

    /**
     * Accepts the token of an admin token file for {@code user}; the same token again changes nothing.
     * It stays for as long as this head runs: it cannot be revoked (the file would bring it back).
     */
    public synchronized TokenRecord registerAdminFile(String token, String user) {
        checkUser(user);
        String hash = Tokens.hash(token);
        TokenRecord known = byHash.get(hash);
        TokenRecord record = known != null && known.user().equals(user) && known.role() == Role.ADMIN ? known
                : new TokenRecord(Tokens.idOf(token), user, Role.ADMIN, hash, clock.instant());
        pinned.add(record.id());
        if (record != known) {
            put(record);
        }
        return record;
    }

    /** Every token, oldest first. */
    public List<TokenRecord> list() {
        List<TokenRecord> out = new ArrayList<>(byHash.values());
        out.sort(Comparator.comparing(TokenRecord::created).thenComparing(TokenRecord::id));
        return out;
    }

    /** Revokes the token with this id, or else every token of the user of this name; 404 when none matches. */
    public synchronized List<TokenRecord> revoke(String userOrId) {
        List<TokenRecord> byId = list().stream().filter(t -> t.id().equals(userOrId)).toList();
        List<TokenRecord> gone = byId.isEmpty() ? list().stream().filter(t -> t.user().equals(userOrId)).toList()
                : byId;
        if (gone.isEmpty()) {
            throw new RequestRejected(404, "UNKNOWN_TOKEN", "no token has the id '" + userOrId
                    + "' and no user of that name has a token; see hpc admin token list");
        }
        if (gone.stream().allMatch(t -> pinned.contains(t.id()))) {
            throw RequestRejected.notAllowed("token " + gone.get(0).id() + " is the heads' admin token from their "
                    + "admin token file and comes back at every start; to change it, delete that file on every head "
                    + "and restart them");
        }
        gone = gone.stream().filter(t -> !pinned.contains(t.id())).toList();
        // the standby first: a revocation that fails there is refused, and the token still works everywhere,
        // rather than revoked here and alive on the head that takes over; one that fails after is undone there
        List<TokenRecord> removedThere = new ArrayList<>();
        try {
            for (TokenRecord t : gone) {
                replica.remove(t.id());
                removedThere.add(t);
            }
            storage.deleteTokens(gone.stream().map(TokenRecord::id).toList());
        } catch (RuntimeException e) {
            for (TokenRecord t : removedThere) {
                undoOnReplica(() -> replica.put(t), e);
            }
            throw e;
        }
        for (TokenRecord t : gone) {
            byHash.remove(t.hash());
            LOG.info("token " + t.id() + " of " + t.user() + " revoked");
        }
        ended(gone);
        return gone;
    }

    // ---- mirroring (a standby follows the active head's records)

    /** A record the active head made or changed. */
    public synchronized void mirror(TokenRecord record) {
        List<TokenRecord> replaced = byHash.values().stream()
                .filter(t -> t.id().equals(record.id()) && !t.hash().equals(record.hash())).toList();
        replaced.forEach(t -> byHash.remove(t.hash()));
        byHash.put(record.hash(), record);
        storage.saveToken(record);
        ended(replaced);
    }

    /** A record the active head revoked. */
    public synchronized void mirrorRemoved(String id) {
        if (pinned.contains(id)) {
            return;
        }
        List<TokenRecord> gone = byHash.values().stream().filter(t -> t.id().equals(id)).toList();
        if (!gone.isEmpty()) {
            gone.forEach(t -> byHash.remove(t.hash()));
            try {
                storage.deleteTokens(List.of(id));
            } finally {
                ended(gone);
            }
        }
    }

    /**
     * The active head's records replace this head's own: revocations made while it was away hold.
     * An empty replica was not seeded yet (an active head always holds its admin token): nothing goes.
     */
    public synchronized void mirrorAll(Collection<TokenRecord> records) {
        List<String> stale = records.isEmpty() ? List.of() : byHash.values().stream().map(TokenRecord::id)
                .filter(id -> !pinned.contains(id) && records.stream().noneMatch(r -> r.id().equals(id))).toList();
        if (!stale.isEmpty()) {
            storage.deleteTokens(stale);
            List<TokenRecord> gone = byHash.values().stream().filter(t -> stale.contains(t.id())).toList();
            gone.forEach(t -> byHash.remove(t.hash()));
            ended(gone);
        }
        for (TokenRecord r : records) {
            mirror(r);
        }
    }

    /**
     * Replicated first: a token that could not reach the standby is refused, not valid on one head only;
     * one that this head could not store is taken back from the standby (its old record put back).
     */
    private void put(TokenRecord record) {
        Optional<TokenRecord> before = byHash.values().stream().filter(t -> t.id().equals(record.id())).findFirst();
        replica.put(record);
        try {
            storage.saveToken(record);
        } catch (RuntimeException e) {
            undoOnReplica(() -> before.ifPresentOrElse(replica::put, () -> replica.remove(record.id())), e);
            throw e;
        }
        byHash.put(record.hash(), record);
    }

    private static void undoOnReplica(Runnable undo, RuntimeException failure) {
        try {
            undo.run();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static void checkUser(String user) {
        SubmitLimits.userName("user name", user);
    }
}
