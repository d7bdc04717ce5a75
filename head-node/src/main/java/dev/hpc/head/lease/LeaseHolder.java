package dev.hpc.head.lease;

import dev.hpc.api.ClusterSecret;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
 * <p>It keeps a bond with every voter ({@link LeaseBonds}): a WebSocket on which it speaks every
 * {@link #BOND_BEAT}, and to which each request binds its grant with that voter. A voter ends a grant bound to a
 * bond when the bond closes from this side, which only this process's end does (or {@link #close}, after this
 * head stopped counting on the lease). So this head counts a grant bound to a bond only while that bond is open
 * here: one closed since the request was sent makes the grant count for nothing, whatever the voter did.
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

    /** How often this head speaks on each bond: a voter takes a close after a longer silence for the network's. */
    static final Duration BOND_BEAT = Duration.ofMillis(250);
    private static final Duration BOND_RETRY = Duration.ofMillis(200);
    /** A grant of the lease held: none, or not bound to a bond (else the bond generation it is bound to). */
    private static final long NO_GRANT = -1;
    private static final long UNBOUND = -2;

    private final List<URI> voters;
    private final Vertx vertx;
    private final WebSocketClient bondClient;
    /** Per voter, the id of the open bond ("" when none). */
    private final java.util.concurrent.atomic.AtomicReferenceArray<String> bondIds;
    private final java.util.concurrent.atomic.AtomicReferenceArray<WebSocket> bondSockets;
    /** Per voter, how many of its bonds have closed: a grant bound at another count is void. */
    private final java.util.concurrent.atomic.AtomicLongArray bondGenerations;
    /** Per voter, its grant in the lease held ({@link #NO_GRANT}, {@link #UNBOUND} or a bond generation). */
    private final java.util.concurrent.atomic.AtomicLongArray grants;
    private final List<Runnable> releaseListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * Guards {@link #grants} and {@link #rounds}: an answer that comes after its round ended (at its majority) is
     * recorded only while no later round has set the grants.
     */
    private final Object grantsLock = new Object();
    private long rounds;
    private volatile boolean closed;
    private final long beatTimer;
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
    private final java.util.concurrent.atomic.AtomicLongArray unansweredSince;
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
        this.unansweredSince = new java.util.concurrent.atomic.AtomicLongArray(voters.size());
        for (int i = 0; i < voters.size(); i++) {
            unansweredSince.set(i, NONE);
        }
        long timeout = Math.max(100, lease.toMillis() / 3);
        // Transport only: what a voter says is trusted for its proof over the cluster secret, not for its
        // certificate, so a head reaches voters that serve TLS with any certificate.
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeout)
                .setIdleTimeout(30).setTrustAll(true).setVerifyHost(false));
        this.vertx = vertx;
        this.bondClient = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout((int) timeout)
                .setTrustAll(true).setVerifyHost(false));
        int n = voters.size();
        this.bondIds = new java.util.concurrent.atomic.AtomicReferenceArray<>(n);
        this.bondSockets = new java.util.concurrent.atomic.AtomicReferenceArray<>(n);
        this.bondGenerations = new java.util.concurrent.atomic.AtomicLongArray(n);
        this.grants = new java.util.concurrent.atomic.AtomicLongArray(n);
        for (int i = 0; i < n; i++) {
            bondIds.set(i, "");
            grants.set(i, NO_GRANT);
            int voter = i;
            vertx.runOnContext(v -> connectBond(voter));
        }
        this.beatTimer = vertx.setPeriodic(BOND_BEAT.toMillis(), id -> {
            for (int i = 0; i < n; i++) {
                WebSocket ws = bondSockets.get(i);
                if (ws != null && !bondIds.get(i).isEmpty()) {
                    ws.writeTextMessage("beat");
                }
            }
        });
    }

    /** How many voters this head has an open bond with. */
    int bondsOpen() {
        int open = 0;
        for (int i = 0; i < voters.size(); i++) {
            if (!bondIds.get(i).isEmpty()) {
                open++;
            }
        }
        return open;
    }

    /** Called, on an event loop, when a voter ends another head's grant because that head's bond closed. */
    public void onReleased(Runnable listener) {
        releaseListeners.add(listener);
    }

    private void connectBond(int voter) {
        if (closed) {
            return;
        }
        URI v = voters.get(voter);
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(v.getHost()).setPort(v.getPort())
                .setURI(LeaseBonds.PATH).setSsl("https".equals(v.getScheme()));
        bondClient.connect(o).onComplete(ar -> {
            if (ar.failed()) {
                retryBond(voter);
                return;
            }
            WebSocket ws = ar.result();
            if (closed) {
                ws.close();
                return;
            }
            bondSockets.set(voter, ws);
            ws.textMessageHandler(text -> onBondMessage(voter, ws, text));
            ws.closeHandler(x -> {
                // first: from now on no grant bound to this bond counts here
                bondGenerations.incrementAndGet(voter);
                bondIds.set(voter, "");
                bondSockets.compareAndSet(voter, ws, null);
                retryBond(voter);
            });
            ws.exceptionHandler(e -> LOG.fine(() -> "lease bond with " + v.getAuthority() + ": " + e.getMessage()));
        });
    }

    private void retryBond(int voter) {
        if (!closed) {
            vertx.setTimer(BOND_RETRY.toMillis(), id -> connectBond(voter));
        }
    }

    private void onBondMessage(int voter, WebSocket ws, String text) {
        try {
            dev.hpc.api.JsonFields f = dev.hpc.api.Json.readObject(text);
            if (f.has("nonce") && bondIds.get(voter).isEmpty()) {
                String nonce = f.string("nonce");
                ws.writeTextMessage(dev.hpc.api.Json.write(Map.of("head", head,
                        "proof", secret.map(s -> s.leaseBondProof(nonce, head)).orElse(""))));
                bondIds.set(voter, nonce);
            } else if (f.has("released") && !f.string("released").equals(head)) {
                releaseListeners.forEach(Runnable::run);
            }
        } catch (RuntimeException e) {
            LOG.fine(() -> "a lease bond message not understood: " + e.getMessage());
        }
    }

    /** How many voters' grants of the lease held still count: unbound, or bound to a bond still open here. */
    int grantsStanding() {
        int standing = 0;
        for (int i = 0; i < voters.size(); i++) {
            long g = grants.get(i);
            if (g == UNBOUND || g >= 0 && g == bondGenerations.get(i)) {
                standing++;
            }
        }
        return standing;
    }

    private static URI uri(String address) {
        String a = address.strip();
        return URI.create(a.contains("://") ? a : "http://" + a);
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
            long generation = bondGenerations.get(i);
            String bond = bondIds.get(i);
            boundTo[i] = bond.isEmpty() ? UNBOUND : generation;
            LeaseWire.Request request = LeaseWire.request(secret, head, askedEpoch, asked, sentAt, active, soleCopy,
                    numbers, bond);
            String body = LeaseWire.write(request);
            RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setHost(v.getHost())
                    .setPort(v.getPort()).setURI(LeaseWire.PATH).setSsl("https".equals(v.getScheme()))
                    .setTimeout(timeoutMillis).putHeader("Content-Type", "application/json");
            asks.add(http.request(o).compose(req -> req.send(body)).compose(resp -> resp.body().map(b ->
                    resp.statusCode() == 200 ? LeaseWire.readAnswer(b.toString(), request, secret)
                            : Optional.<LeaseVoter.Answer>empty()))
                    .recover(e -> Future.succeededFuture(Optional.empty())));
        }
        long[] grantedBy = new long[voters.size()];
        java.util.Arrays.fill(grantedBy, NO_GRANT);
        // Answers are taken as they come, and the round ends once its outcome is known: a frozen voter (a head's
        // own voter in a frozen head) would otherwise hold every round for the whole timeout, the takeover of
        // a frozen head twice (issue 17).
        java.util.concurrent.BlockingQueue<Map.Entry<Integer, Optional<LeaseVoter.Answer>>> answers =
                new java.util.concurrent.LinkedBlockingQueue<>();
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
        int majority = voters.size() / 2 + 1;
        int granted = 0;
        int notGranted = 0;
        boolean[] answered = new boolean[voters.size()];
        // only what other heads were promised: counting this head's own grants would make every retry ask a
        // newer epoch, and its own voter write a new promise each second while another head leads
        long highest = 0;
        long lastActiveEpoch = 0;
        String lastActiveHead = "";
        boolean lastActiveSole = false;
        long lastSoleAt = -1;
        long refusedFor = 0;
        long numberedUpTo = 0;
        // a voter started with a shorter --lease grants only that long: the lease holds for the shortest grant
        long shortestGrant = lease.toMillis();
        List<String> refusals = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis + 100);
        while (granted < majority && voters.size() - notGranted >= majority) {
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
            int i = next.getKey();
            answered[i] = true;
            Optional<LeaseVoter.Answer> a = next.getValue();
            if (a.isEmpty()) {
                notGranted++;
                refusals.add(voters.get(i).getAuthority() + ": no answer");
                continue;
            }
            if (!a.get().holder().equals(head)) {
                highest = Math.max(highest, a.get().epoch());
            }
            numberedUpTo = Math.max(numberedUpTo, a.get().numberedUpTo());
            if (a.get().activeEpoch() > lastActiveEpoch
                    || a.get().activeEpoch() == lastActiveEpoch && a.get().activeSoleAt() > lastSoleAt) {
                lastActiveEpoch = a.get().activeEpoch();
                lastActiveHead = a.get().activeHead();
                lastActiveSole = a.get().activeSole();
                lastSoleAt = a.get().activeSoleAt();
            }
            if (a.get().granted() && a.get().epoch() == askedEpoch
                    && (boundTo[i] == UNBOUND || boundTo[i] == bondGenerations.get(i))) {
                granted++;
                grantedBy[i] = boundTo[i];
                shortestGrant = Math.min(shortestGrant, a.get().remainingMillis());
            } else {
                notGranted++;
                refusedFor = Math.max(refusedFor, a.get().remainingMillis());
                refusals.add(voters.get(i).getAuthority() + ": promised epoch " + a.get().epoch() + " to "
                        + (a.get().holder().isEmpty() ? "nobody" : a.get().holder()) + " for "
                        + a.get().remainingMillis() + " ms more");
            }
        }
        if (granted < majority) {
            for (int i = 0; i < voters.size(); i++) {
                if (!answered[i]) {
                    refusals.add(voters.get(i).getAuthority() + ": no answer");
                }
            }
        }
        Round result = new Round(askedEpoch, granted, voters.size(), highest, List.copyOf(refusals), lastActiveEpoch,
                lastActiveHead, lastActiveSole, refusedFor, numberedUpTo);
        if (resigning) {
            LOG.warning(() -> "head " + head + " gave up its lease at epoch " + askedEpoch + " with "
                    + result.granted() + " of " + result.voters() + " voters");
        } else if (result.majority()) {
            synchronized (grantsLock) {
                for (int i = 0; i < voters.size(); i++) {
                    grants.set(i, grantedBy[i]);
                }
            }
            long grantedFor = shortestGrant;
            for (int i = 0; i < voters.size(); i++) {
                if (!answered[i]) {
                    recordLateGrant(asks.get(i), i, round, askedEpoch, boundTo[i], grantedFor);
                }
            }
            epoch = askedEpoch;
            long grantNanos = TimeUnit.MILLISECONDS.toNanos(shortestGrant);
            validUntilNanos = sentNanos + grantNanos - grantNanos / 10;
            held = true;
            numbersReserved = Math.max(numbersReserved, numbers);
        } else if (askedEpoch == epoch && held) {
            LOG.warning(() -> "head " + head + " could not renew its lease at epoch " + askedEpoch + ": " + refusals);
        }
        return result;
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
                if (rounds == round && (boundTo == UNBOUND || boundTo == bondGenerations.get(voter))) {
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
        closed = true;
        vertx.cancelTimer(beatTimer);
        for (int i = 0; i < voters.size(); i++) {
            bondGenerations.incrementAndGet(i);
            WebSocket ws = bondSockets.getAndSet(i, null);
            if (ws != null) {
                ws.close();
            }
        }
        bondClient.close();
        http.close();
    }
}
