package dev.hpc.head.lease;

import dev.hpc.api.wire.ClusterSecret;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * A head's side of the leadership lease: asks every voter, counts the grants, and knows until when the lease
 * holds. A head acknowledges and dispatches only while {@link #holds()} (docs/failover.md).
 *
 * <p>The lease is reckoned from the moment the request was sent, less a tenth for the drift of clocks, so it
 * ends here before it ends at any voter that granted it (a voter's starts when the request arrives). Another
 * head can get a majority only once the voters' leases have ended, so by then this head has stopped.
 *
 * <p>It keeps a bond with every voter ({@link LeaseBonds}; this head's side is {@link HeadBonds}): a WebSocket on
 * which it speaks every {@link HeadBonds#BOND_BEAT}, and to which each request binds its grant with that voter. A
 * voter ends a grant bound to a bond when the bond closes from this side, which only this process's end does (or
 * {@link #close}, after this head stopped counting on the lease). So this head counts a grant bound to a bond
 * only while that bond is open here: one closed since the request was sent makes the grant count for nothing,
 * whatever the voter did.
 *
 * <p>Blocking: {@link #ask} waits for the answers (at most a third of the lease). Call it from the
 * leadership thread, never from an event loop.
 */
public final class LeaseHolder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LeaseHolder.class.getName());

    /**
     * What one round of asking gave. {@code highestEpochSeen} is the newest epoch the voters that answered
     * promised to other heads (0 when none). {@code lastActiveHead} led last in {@code lastActiveEpoch}, as the voters
     * that answered knew it before this round ("" when no head has led yet): any majority includes a voter
     * that was told of the last head to lead, so with a majority of grants this is the last one.
     * {@code lastActiveSole} is the last thing that head told a majority of its copies: whether it may have
     * held the only copy of changes it acknowledged. {@code refusedForMillis} is the longest time a voter that
     * refused said its current grant still runs (0 when none refused so): asked again after it, the same voters can
     * grant. {@code numberedUpTo} is the highest job number the voters that answered know to be reserved by a
     * head holding the lease: with a majority of grants, above every number the heads before this one gave out.
     */
    public record Round(long epoch, int granted, int voters, long highestEpochSeen, List<String> refusals,
                        long lastActiveEpoch, String lastActiveHead, boolean lastActiveSole, long refusedForMillis,
                        long numberedUpTo) {
        public boolean majority() {
            return granted * 2 > voters;
        }
    }

    /** A grant of the lease held: none, or not bound to a bond (else the bond generation it is bound to). */
    static final long NO_GRANT = -1;
    static final long UNBOUND = -2;

    private final List<URI> voters;
    private final HeadBonds bonds;
    /** Per voter, its grant in the lease held ({@link #NO_GRANT}, {@link #UNBOUND} or a bond generation). */
    private final AtomicLongArray grants;
    /**
     * Guards {@link #grants} and {@link #rounds}: an answer that comes after its round ended (at its majority) is
     * recorded only while no later round has set the grants.
     */
    private final Object grantsLock = new Object();
    private long rounds;
    private final String head;
    private final Duration lease;
    private final Optional<ClusterSecret> secret;
    private final LongSupplier nanos;
    private final HttpClient http;
    private volatile long epoch;
    /** Compared with {@link System#nanoTime()}-style values: the lease holds while now is before it. */
    private volatile long validUntilNanos;
    private volatile boolean held;
    /**
     * The epoch this head resigned ({@link #resign}), or -1: a renewal at it that another thread asks for (a head's
     * word on its copies) is not made, or the head would hold again the lease it gave up because it hung.
     */
    private volatile long resignedEpoch = -1;
    /**
     * What this head says of its copies in every request while it leads: a head that has just taken over has
     * the only copy until its standby is in step with it, so this starts true.
     */
    private volatile boolean soleCopy = true;
    /** The job numbers this head asks the voters to reserve, and those a majority has reserved for it. */
    private volatile long numbersAsked;
    private volatile long numbersReserved;
    private long lastSentAt;
    /**
     * Per voter, when the oldest request it has not answered yet was sent ({@link #NONE} when it answered the
     * last one): a voter that is a frozen head shows here first, while rounds still end at a majority without it.
     */
    private final AtomicLongArray unansweredSince;
    private static final long NONE = Long.MIN_VALUE;

    public LeaseHolder(Vertx vertx, List<String> voterAddresses, String head, Duration lease,
                       Optional<ClusterSecret> secret, LongSupplier nanos) {
        if (voterAddresses.size() < 2) {
            throw new IllegalArgumentException("the lease needs at least two voters (three for a standby head to "
                    + "take over when any one is lost), got " + voterAddresses);
        }
        this.voters = voterAddresses.stream().map(LeaseHolder::uri).toList();
        this.head = head;
        this.lease = lease;
        this.secret = secret;
        this.nanos = nanos;
        this.unansweredSince = new AtomicLongArray(voters.size());
        for (int i = 0; i < voters.size(); i++) {
            unansweredSince.set(i, NONE);
        }
        long timeout = Math.max(100, lease.toMillis() / 3);
        // Transport only: what a voter says is trusted for its proof over the cluster secret, not for its
        // certificate, so a head reaches voters that serve TLS with any certificate.
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeout)
                .setIdleTimeout(30).setTrustAll(true).setVerifyHost(false));
        int n = voters.size();
        this.grants = new AtomicLongArray(n);
        for (int i = 0; i < n; i++) {
            grants.set(i, NO_GRANT);
        }
        this.bonds = new HeadBonds(vertx, voters, head, secret, timeout);
    }

    /** How many voters this head has an open bond with. */
    int bondsOpen() {
        return bonds.open();
    }

    /** Called, on an event loop, when a voter ends another head's grant because that head's bond closed. */
    public void onReleased(Runnable listener) {
        bonds.onReleased(listener);
    }

    /**
     * How many voters' grants of the lease held still count: unbound, or bound to a bond still open here. Below
     * all of them, one more lost voter ends the lease: a voter that promised a newer epoch to another head (whose
     * bid for it failed) refuses this head's renewals for good.
     */
    public int grantsStanding() {
        int standing = 0;
        for (int i = 0; i < voters.size(); i++) {
            long g = grants.get(i);
            if (g == UNBOUND || g >= 0 && g == bonds.generation(i)) {
                standing++;
            }
        }
        return standing;
    }

    private static URI uri(String address) {
        String a = address.strip();
        return URI.create(a.contains("://") ? a : "http://" + a);
    }

    /** How many voters there are. */
    public int voterCount() {
        return voters.size();
    }

    public Duration length() {
        return lease;
    }

    /** Whether this head holds the lease now (at the epoch of {@link #epoch()}). */
    public boolean holds() {
        return held && nanos.getAsLong() - validUntilNanos < 0 && grantsStanding() * 2 > voters.size();
    }

    /** The lease's end, in the clock of {@code nanos}; meaningful while {@link #holds()}. */
    public long validUntilNanos() {
        return held ? validUntilNanos : Long.MIN_VALUE;
    }

    public long epoch() {
        return epoch;
    }

    /** Gives the lease up here: from now on this head does not count on it (the voters let it run out). */
    public void release() {
        held = false;
    }

    /**
     * Gives the lease up here and at the voters: a renewal for one millisecond, after which another head is
     * granted it as soon as it asks, instead of a whole lease later. For a head whose own work has stalled: it
     * can still say so, and from now on it does not count on the lease.
     */
    public synchronized Round resign() {
        held = false;
        resignedEpoch = epoch;
        return ask(epoch, false, Duration.ofMillis(1));
    }

    /**
     * The voters (as {@code host:port}) that have left a request unanswered for at least {@code silentFor}: a
     * head among them is frozen or cut off from this one, though rounds go on without it.
     */
    public List<String> silentVoters(Duration silentFor) {
        long now = nanos.getAsLong();
        List<String> silent = new ArrayList<>();
        for (int i = 0; i < voters.size(); i++) {
            long since = unansweredSince.get(i);
            if (since != NONE && now - since >= silentFor.toNanos()) {
                silent.add(voters.get(i).getAuthority());
            }
        }
        return silent;
    }

    /**
     * Asks every voter for the lease at {@code askedEpoch} (a renewal when it is the epoch held) and waits for
     * their answers; with a majority of grants the lease holds until a tenth short of its length after the
     * send.
     */
    public Round ask(long askedEpoch) {
        return ask(askedEpoch, false);
    }

    /**
     * As {@link #ask(long)}; with {@code active}, a granted round also tells the voters that this head leads in
     * {@code askedEpoch}, which a head asks once before it acts as the active head.
     */
    public synchronized Round ask(long askedEpoch, boolean active) {
        return ask(askedEpoch, active, lease);
    }

    private synchronized Round ask(long askedEpoch, boolean active, Duration asked) {
        boolean resigning = asked.compareTo(lease) < 0;
        if (!resigning && askedEpoch == resignedEpoch) {
            // not even sent: granted, it would run at the voters again and hold the standby off for a lease
            return new Round(askedEpoch, 0, voters.size(), 0, List.of("this head resigned epoch " + askedEpoch),
                    0, "", false, 0, 0);
        }
        if (active) {
            soleCopy = true;
        }
        long sentNanos = nanos.getAsLong();
        long round;
        synchronized (grantsLock) {
            round = ++rounds;
        }
        long sentAt = Math.max(System.currentTimeMillis(), lastSentAt + 1);
        lastSentAt = sentAt;
        long numbers = numbersAsked;
        long timeoutMillis = Math.max(100, lease.toMillis() / 3);
        List<Future<Optional<LeaseVoter.Answer>>> asks = new ArrayList<>();
        // each grant is bound to the bond open with its voter now, and counts only while that bond stays open
        long[] boundTo = new long[voters.size()];
        for (int i = 0; i < voters.size(); i++) {
            URI v = voters.get(i);
            long generation = bonds.generation(i);
            String bond = bonds.id(i);
            boundTo[i] = bond.isEmpty() ? UNBOUND : generation;
            LeaseWire.Request request = LeaseWire.request(secret, head, askedEpoch, asked, sentAt, active, soleCopy,
                    numbers, bond);
            String body = LeaseWire.write(request);
            asks.add(http.request(post(v, timeoutMillis)).compose(req -> req.send(body)).compose(resp -> resp.body().map(b ->
                    resp.statusCode() == 200 ? LeaseWire.readAnswer(b.toString(), request, secret)
                            : Optional.<LeaseVoter.Answer>empty()))
                    .recover(e -> Future.succeededFuture(Optional.empty())));
        }
        RoundTally tally = new RoundTally(voters, head, askedEpoch, boundTo, bonds, lease);
        // Answers are taken as they come, and the round ends once its outcome is known: a frozen voter (a head's
        // own voter in a frozen head) would otherwise hold every round for the whole timeout, the takeover of
        // a frozen head twice (issue 17).
        BlockingQueue<Map.Entry<Integer, Optional<LeaseVoter.Answer>>> answers = new LinkedBlockingQueue<>();
        for (int i = 0; i < asks.size(); i++) {
            int voter = i;
            unansweredSince.compareAndSet(voter, NONE, sentNanos);
            asks.get(i).onComplete(ar -> {
                Optional<LeaseVoter.Answer> a = ar.succeeded() ? ar.result() : Optional.empty();
                if (a.isPresent()) {
                    unansweredSince.set(voter, NONE);
                }
                answers.add(Map.entry(voter, a));
            });
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis + 100);
        while (tally.open()) {
            Map.Entry<Integer, Optional<LeaseVoter.Answer>> next;
            try {
                next = answers.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                next = null;
            }
            if (next == null) {
                break;
            }
            tally.take(next.getKey(), next.getValue());
        }
        Round result = tally.round();
        // never while this head counts on a lease: a voter that goes back to it must not be freed under it
        boolean counting = held && nanos.getAsLong() - validUntilNanos < 0;
        if (!resigning && !result.majority() && !counting) {
            withdraw(askedEpoch, tally);
        }
        if (resigning) {
            LOG.warning(() -> "head " + head + " gave up its lease at epoch " + askedEpoch + " with "
                    + result.granted() + " of " + result.voters() + " voters");
        } else if (result.majority()) {
            synchronized (grantsLock) {
                for (int i = 0; i < voters.size(); i++) {
                    grants.set(i, tally.grantedBy(i));
                }
            }
            long grantedFor = tally.shortestGrantMillis();
            for (int i = 0; i < voters.size(); i++) {
                if (!tally.answered(i)) {
                    recordLateGrant(asks.get(i), i, round, askedEpoch, boundTo[i], grantedFor);
                }
            }
            epoch = askedEpoch;
            long grantNanos = TimeUnit.MILLISECONDS.toNanos(tally.shortestGrantMillis());
            validUntilNanos = sentNanos + grantNanos - grantNanos / 10;
            held = true;
            numbersReserved = Math.max(numbersReserved, numbers);
        } else if (askedEpoch == epoch && held) {
            LOG.warning(() -> "head " + head + " could not renew its lease at epoch " + askedEpoch + ": "
                    + result.refusals());
        }
        return result;
    }

    /**
     * Gives back what a bid for {@code bidEpoch} that won no majority got ({@link LeaseVoter#withdraw}), at every
     * voter that did not refuse it: a grant counted, or one still on its way. Sent before any later request of
     * this head (under the lock of {@link #ask}), so that a voter hears it after that request only to refuse it
     * as out of order: it never gives back a promise of a later round. Not waited for: a voter that does not hear
     * it keeps the promise, as before.
     */
    private void withdraw(long bidEpoch, RoundTally tally) {
        long sentAt = Math.max(System.currentTimeMillis(), lastSentAt + 1);
        lastSentAt = sentAt;
        long timeoutMillis = Math.max(100, lease.toMillis() / 3);
        String body = LeaseWire.write(LeaseWire.request(secret, head, bidEpoch, Duration.ZERO, sentAt, false, false,
                0, ""));
        for (int i = 0; i < voters.size(); i++) {
            if (tally.refused(i)) {
                continue;
            }
            URI v = voters.get(i);
            http.request(post(v, timeoutMillis)).compose(req -> req.send(body)).compose(resp -> resp.body())
                    .onFailure(e -> LOG.fine(() -> "the withdrawal of the bid for epoch " + bidEpoch + " was not "
                            + "heard by " + v + ": " + e.getMessage()));
        }
    }

    private static RequestOptions post(URI voter, long timeoutMillis) {
        return new RequestOptions().setMethod(HttpMethod.POST).setHost(voter.getHost()).setPort(voter.getPort())
                .setURI(LeaseWire.PATH).setSsl("https".equals(voter.getScheme())).setTimeout(timeoutMillis)
                .putHeader("Content-Type", "application/json");
    }

    /**
     * Counts a grant that came after its round ended at a majority, as long as no later round set the grants: a
     * lease granted by all three voters then survives the loss of any one bond, whichever two answered first. A
     * grant shorter than the lease reckoned here would outlive its voter's, so it is not counted.
     */
    private void recordLateGrant(Future<Optional<LeaseVoter.Answer>> ask, int voter, long round, long askedEpoch,
                                 long boundTo, long grantedForMillis) {
        ask.onSuccess(a -> {
            if (a.isEmpty() || !a.get().granted() || a.get().epoch() != askedEpoch
                    || a.get().remainingMillis() < grantedForMillis) {
                return;
            }
            synchronized (grantsLock) {
                if (rounds == round && (boundTo == UNBOUND || boundTo == bonds.generation(voter))) {
                    grants.set(voter, boundTo);
                }
            }
        });
    }

    /**
     * Tells the voters, in a renewal at the epoch held, whether this head may hold the only copy of changes it
     * acknowledged; every later renewal says the same. The caller must not count on it without a majority.
     * A head that could not say "replicated" goes on saying "sole", which is never wrong.
     */
    public synchronized Round declare(boolean sole) {
        soleCopy = sole;
        Round r = ask(epoch, false);
        if (!r.majority() && !sole) {
            soleCopy = true;
        }
        return r;
    }

    /**
     * Asks the voters, from the next round on, to reserve job numbers up to {@code upTo} for this head; they
     * count once a majority granted a round that asked it ({@link #numbersReserved()}).
     */
    public void reserveNumbers(long upTo) {
        numbersAsked = Math.max(numbersAsked, upTo);
    }

    /** The highest job number a majority of the voters reserved for this head; 0 before any. */
    public long numbersReserved() {
        return numbersReserved;
    }

    /** The highest job number this head asks to reserve. */
    public long numbersAsked() {
        return numbersAsked;
    }

    /** What this head says of its copies in its requests. */
    public boolean declaresSoleCopy() {
        return soleCopy;
    }

    /** Stops counting on the lease, then closes the bonds: a voter ends a grant bound to one as it closes. */
    @Override
    public void close() {
        held = false;
        bonds.close();
        http.close();
    }
}
