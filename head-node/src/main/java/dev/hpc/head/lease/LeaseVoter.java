package dev.hpc.head.lease;

import dev.hpc.api.HpcException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One voter of the leadership lease (docs/architecture.md, "Leadership is a lease from a majority"). It
 * grants the lease to at most one head at a time, for a bounded time, and promises never to grant an older
 * epoch again:
 *
 * <ul>
 *   <li>the head that holds the lease at epoch E may renew it at E while no newer epoch was promised;</li>
 *   <li>another head (or the same one at a new epoch) gets it only at an epoch above every epoch promised
 *   so far, and only once the current lease has run out here.</li>
 * </ul>
 *
 * The promised epoch and its holder are on disk (written and synced before the grant is answered), so a
 * restarted voter neither grants an old epoch again nor, until a whole lease has passed since its start,
 * grants a new one: it cannot know how long the last lease it gave still runs.
 *
 * <p>Time is the voter's own monotonic clock; a lease here starts when the request arrives, which is after
 * the head sent it, so the head's own reckoning of its lease (from the moment it sent) ends first.
 */
public final class LeaseVoter {
    /**
     * The answer to one request. {@code activeEpoch} and {@code activeHead} name the last head that told this
     * voter it had become active, and in which epoch, as the voter knew them before the request: a head that
     * starts with no running head to copy from must know whether another led after it ({@link LeaseHolder}).
     * {@code activeSole} is what that head said last of its copies: that it may hold the only copy of changes it
     * acknowledged (its standby away), said in its request sent at {@code activeSoleAt} (its clock, growing).
     * {@code numberedUpTo} is the highest job number any head holding the lease reserved here: a head that takes
     * over gives out numbers above it only, so no two jobs ever share a number, whatever store it leads from.
     */
    public record Answer(boolean granted, long epoch, String holder, long remainingMillis, long activeEpoch,
                         String activeHead, boolean activeSole, long activeSoleAt, long numberedUpTo) {
    }

    static final String FILE = "lease-voter";
    private final Path file;
    private final LongSupplier nanos;
    private final Duration longestLease;
    private long promisedEpoch;
    private String holder;
    private long activeEpoch;
    private String activeHead;
    private boolean activeSole;
    private long activeSoleAt;
    private long numberedUpTo;
    private long expiresAtNanos;
    /** The holder's bond the running grant is bound to ("" when none): its close ends the grant. */
    private String grantBond = "";
    /** The newest request time each head sent, so that a recorded request cannot be played again. */
    private final Map<String, Long> lastSentAt = new HashMap<>();
    /**
     * The promise that the running one replaced, so that a head whose bid failed can give its promise back
     * ({@link #withdraw}); unknown ({@code -1}) after a restart, when no promise is given back.
     */
    private long replacedEpoch = -1;
    private String replacedHolder = "";

    private LeaseVoter(Path file, LongSupplier nanos, Duration longestLease, long promisedEpoch, String holder,
                       long activeEpoch, String activeHead, boolean activeSole, long activeSoleAt, long numberedUpTo) {
        this.file = file;
        this.numberedUpTo = numberedUpTo;
        this.nanos = nanos;
        this.longestLease = longestLease;
        this.promisedEpoch = promisedEpoch;
        this.holder = holder;
        this.activeEpoch = activeEpoch;
        this.activeHead = activeHead;
        this.activeSole = activeSole;
        this.activeSoleAt = activeSoleAt;
        // after a restart the last lease may still run anywhere up to its longest length
        this.expiresAtNanos = holder.isEmpty() ? nanos.getAsLong() : nanos.getAsLong() + longestLease.toNanos();
    }

    /** The voter whose promises are kept in {@code dataDir}; {@code longestLease} bounds every grant. */
    public static LeaseVoter open(Path dataDir, Duration longestLease, LongSupplier nanos) {
        Path file = dataDir.resolve(FILE);
        long epoch = 0;
        String holder = "";
        long activeEpoch = 0;
        String activeHead = "";
        boolean activeSole = false;
        long activeSoleAt = 0;
        long numbered = 0;
        try {
            Files.createDirectories(dataDir);
            if (Files.exists(file)) {
                String[] lines = Files.readString(file, StandardCharsets.UTF_8).strip().split("\n");
                String[] promised = lines[0].strip().split(" ", 2);
                epoch = Long.parseLong(promised[0]);
                holder = promised.length > 1 ? promised[1] : "";
                if (lines.length > 1) {
                    String[] active = lines[1].strip().split(" ", 2);
                    activeEpoch = Long.parseLong(active[0]);
                    activeHead = active.length > 1 ? active[1] : "";
                }
                if (lines.length > 2) {
                    String[] sole = lines[2].strip().split(" ");
                    activeSole = "sole".equals(sole[0]);
                    activeSoleAt = Long.parseLong(sole[1]);
                }
                if (lines.length > 3) {
                    numbered = Long.parseLong(lines[3].strip().split(" ")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new HpcException("cannot read the lease voter's promises in " + file + " (" + e.getMessage()
                    + "); a voter that forgot them could grant an old epoch again, so it does not start. Restore "
                    + "the file, or delete it only when every head is stopped", e);
        }
        return new LeaseVoter(file, nanos, longestLease, epoch, holder, activeEpoch, activeHead, activeSole,
                activeSoleAt, numbered);
    }

    /**
     * Decides one request of {@code head} for the lease at {@code epoch}, for {@code duration} (at most the
     * longest lease). {@code sentAtMillis} must grow from one request of a head to the next. With
     * {@code active}, a granted request also records that {@code head} leads in {@code epoch}; the answer
     * tells the last active head as it was before. {@code soleCopy}, from the active head, is kept with it when
     * granted: whether that head may now hold the only copy of changes it acknowledged. {@code numbersUpTo}, when
     * granted, raises the job numbers reserved (never lowers them), written before the answer as the rest.
     */
    public Answer request(String head, long epoch, Duration duration, long sentAtMillis,
                          boolean active, boolean soleCopy, long numbersUpTo) {
        return request(head, epoch, duration, sentAtMillis, active, soleCopy, numbersUpTo, "");
    }

    /**
     * As {@link #request(String, long, Duration, long, boolean, boolean, long)}; a grant is bound to {@code bond},
     * the head's bond with this voter that is open now ("" for none): {@link #bondClosed} gives it up early.
     */
    public synchronized Answer request(String head, long epoch, Duration duration, long sentAtMillis,
                                       boolean active, boolean soleCopy, long numbersUpTo, String bond) {
        long now = nanos.getAsLong();
        long remaining = Math.max(0, (expiresAtNanos - now) / 1_000_000);
        Answer refused = new Answer(false, promisedEpoch, holder, remaining, activeEpoch, activeHead, activeSole,
                activeSoleAt, numberedUpTo);
        Long last = lastSentAt.get(head);
        if (last != null && sentAtMillis <= last) {
            return refused; // a replay, or requests out of order
        }
        lastSentAt.put(head, sentAtMillis);
        long grant = Math.min(duration.toNanos(), longestLease.toNanos());
        boolean renewal = head.equals(holder) && epoch == promisedEpoch;
        boolean free = now - expiresAtNanos >= 0;
        if (renewal || epoch > promisedEpoch && (free || head.equals(holder))) {
            boolean becomesActive = active && (epoch != activeEpoch || !head.equals(activeHead));
            boolean speaksAsActive = becomesActive || head.equals(activeHead) && epoch == activeEpoch;
            boolean copiesChange = speaksAsActive && (becomesActive || soleCopy != activeSole);
            boolean reserves = numbersUpTo > numberedUpTo;
            if (!renewal || copiesChange || reserves) {
                record(epoch, head, becomesActive ? epoch : activeEpoch, becomesActive ? head : activeHead,
                        copiesChange ? soleCopy : activeSole, copiesChange ? sentAtMillis : activeSoleAt,
                        Math.max(numberedUpTo, numbersUpTo));
            }
            expiresAtNanos = now + grant;
            grantBond = bond;
            return new Answer(true, promisedEpoch, holder, grant / 1_000_000, refused.activeEpoch(),
                    refused.activeHead(), refused.activeSole(), refused.activeSoleAt(), numberedUpTo);
        }
        return refused;
    }

    /** As {@link #request(String, long, Duration, long, boolean, boolean, long)}, reserving no job numbers. */
    public Answer request(String head, long epoch, Duration duration, long sentAtMillis, boolean active,
                          boolean soleCopy) {
        return request(head, epoch, duration, sentAtMillis, active, soleCopy, 0);
    }

    /** As {@link #request(String, long, Duration, long, boolean, boolean)}, with no word on copies. */
    public Answer request(String head, long epoch, Duration duration, long sentAtMillis, boolean active) {
        return request(head, epoch, duration, sentAtMillis, active, false);
    }

    /** As {@link #request(String, long, Duration, long, boolean)}, not saying the head is active. */
    public Answer request(String head, long epoch, Duration duration, long sentAtMillis) {
        return request(head, epoch, duration, sentAtMillis, false);
    }

    /**
     * {@code head} gives back the promise of {@code epoch} it got in a bid that did not win a majority: the voter
     * keeps its promise before the bid again, and its lease is free. Without this, the voter refused the active
     * head's renewals at its older epoch for good, and a standby that kept bidding renewed the promise it held
     * there: the active head went on with one voter fewer than it had, and lost its lease with the next voter it
     * lost, though a majority was still up.
     *
     * <p>Only a promise that is the running one, and in whose epoch {@code head} never said here that it leads,
     * is given back: a head that became active at {@code epoch} told a majority so, and at those voters its
     * promise stays. A head counts the grants of a round only when the round won a majority, and it withdraws
     * only after a round that did not, with a newer {@code sentAtMillis} than the bid's: a withdrawal that arrives
     * after the head's next request is refused as out of order. Whether it was given back.
     */
    public synchronized boolean withdraw(String head, long epoch, long sentAtMillis) {
        Long last = lastSentAt.get(head);
        if (last != null && sentAtMillis <= last) {
            return false;
        }
        lastSentAt.put(head, sentAtMillis);
        if (!head.equals(holder) || epoch != promisedEpoch || activeEpoch >= epoch || replacedEpoch < 0) {
            return false;
        }
        long epochBefore = replacedEpoch;
        String holderBefore = replacedHolder;
        record(epochBefore, holderBefore, activeEpoch, activeHead, activeSole, activeSoleAt, numberedUpTo);
        replacedEpoch = -1;
        replacedHolder = "";
        grantBond = "";
        // Another head's promise was replaced only once its grant had run out here, so the voter is free again.
        // Its own older promise, though, the withdrawing head may still count on (it bid while it held one):
        // that stays granted until the bid's grant would have run out.
        if (!holderBefore.equals(head)) {
            expiresAtNanos = nanos.getAsLong();
        }
        return true;
    }

    /**
     * The bond {@code bond} of {@code head} closed from the head's side: its process ended, or it closed the
     * bond after it stopped counting on the grants bound to it ({@link LeaseHolder}). A grant that runs and is
     * bound to that bond ends now, so that another head is granted the lease as soon as it asks instead of a
     * whole lease later. Nothing is written: a restarted voter waits a whole lease anyway. Whether it ended.
     */
    public synchronized boolean bondClosed(String head, String bond) {
        if (bond.isEmpty() || !head.equals(holder) || !bond.equals(grantBond)
                || nanos.getAsLong() - expiresAtNanos >= 0) {
            return false;
        }
        expiresAtNanos = nanos.getAsLong();
        grantBond = "";
        return true;
    }

    /** The newest epoch promised, and to whom; what {@code hpc cluster status} shows of a voter. */
    public synchronized Answer state() {
        return new Answer(false, promisedEpoch, holder,
                Math.max(0, (expiresAtNanos - nanos.getAsLong()) / 1_000_000), activeEpoch, activeHead, activeSole,
                activeSoleAt, numberedUpTo);
    }

    /** Writes the promise and syncs it before anyone hears of it: a crash after the answer keeps it. */
    private void record(long epoch, String head, long newActiveEpoch, String newActiveHead, boolean newSole,
                        long newSoleAt, long newNumbered) {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((epoch + " " + head + "\n" + newActiveEpoch + " " + newActiveHead + "\n"
                    + (newSole ? "sole " : "replicated ") + newSoleAt + "\n" + "numbers " + newNumbered + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        } catch (IOException e) {
            throw new HpcException("cannot record the lease promise in " + tmp + ": " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException notSyncable) {
                // some file systems cannot sync a directory; the rename itself is atomic
            }
        } catch (IOException e) {
            throw new HpcException("cannot record the lease promise in " + file + ": " + e.getMessage(), e);
        }
        if (epoch != promisedEpoch || !head.equals(holder)) {
            replacedEpoch = promisedEpoch;
            replacedHolder = holder;
        }
        promisedEpoch = epoch;
        holder = head;
        activeEpoch = newActiveEpoch;
        activeHead = newActiveHead;
        activeSole = newSole;
        activeSoleAt = newSoleAt;
        numberedUpTo = newNumbered;
    }

    /** For tests: the holder and epoch on disk. */
    static Optional<String> onDisk(Path dataDir) throws IOException {
        Path f = dataDir.resolve(FILE);
        return Files.exists(f) ? Optional.of(Files.readString(f).strip()) : Optional.empty();
    }
}
