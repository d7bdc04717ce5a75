package dev.hpc.head.lease;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The answers to one round of {@link LeaseHolder#ask}, counted as they come: the round ends once its outcome is
 * known, at a majority of grants or of voters that did not grant. Confined to the thread that asks.
 */
final class RoundTally {
    private final List<URI> voters;
    private final String head;
    private final long askedEpoch;
    /** Per voter, the bond generation its grant is bound to, or {@link LeaseHolder#UNBOUND}. */
    private final long[] boundTo;
    private final HeadBonds bonds;
    private final int majority;
    /** Per voter, what its grant counts against ({@link LeaseHolder#NO_GRANT} when it did not grant). */
    private final long[] grantedBy;
    private final boolean[] answered;
    /** Per voter, whether it answered and did not grant (a grant not counted is still a grant). */
    private final boolean[] refused;
    private int granted;
    private int notGranted;
    // only what other heads were promised: counting this head's own grants would make every retry ask a
    // newer epoch, and its own voter write a new promise each second while another head leads
    private long highest = 0;
    private long lastActiveEpoch = 0;
    private String lastActiveHead = "";
    private boolean lastActiveSole = false;
    private long lastSoleAt = -1;
    private long refusedFor = 0;
    private long numberedUpTo = 0;
    // a voter started with a shorter --lease grants only that long: the lease holds for the shortest grant
    private long shortestGrant;
    private final List<String> refusals = new ArrayList<>();

    RoundTally(List<URI> voters, String head, long askedEpoch, long[] boundTo, HeadBonds bonds, Duration lease) {
        this.voters = voters;
        this.head = head;
        this.askedEpoch = askedEpoch;
        this.boundTo = boundTo;
        this.bonds = bonds;
        this.majority = voters.size() / 2 + 1;
        this.grantedBy = new long[voters.size()];
        Arrays.fill(grantedBy, LeaseHolder.NO_GRANT);
        this.answered = new boolean[voters.size()];
        this.refused = new boolean[voters.size()];
        this.shortestGrant = lease.toMillis();
    }

    /** Whether more answers could still change the outcome. */
    boolean open() {
        return granted < majority && voters.size() - notGranted >= majority;
    }

    /** Counts the answer of voter {@code i}: none when it did not answer or its answer did not hold. */
    void take(int i, Optional<LeaseVoter.Answer> a) {
        answered[i] = true;
        if (a.isEmpty()) {
            notGranted++;
            refusals.add(voters.get(i).getAuthority() + ": no answer");
            return;
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
        boolean grant = a.get().granted() && a.get().epoch() == askedEpoch;
        if (grant && (boundTo[i] == LeaseHolder.UNBOUND || boundTo[i] == bonds.generation(i))) {
            granted++;
            grantedBy[i] = boundTo[i];
            shortestGrant = Math.min(shortestGrant, a.get().remainingMillis());
        } else {
            notGranted++;
            refused[i] = !grant; // a grant bound to a bond closed since is not counted, but it was given
            refusedFor = Math.max(refusedFor, a.get().remainingMillis());
            refusals.add(voters.get(i).getAuthority() + ": promised epoch " + a.get().epoch() + " to "
                    + (a.get().holder().isEmpty() ? "nobody" : a.get().holder()) + " for "
                    + a.get().remainingMillis() + " ms more");
        }
    }

    /** The round as counted; without a majority, every voter not heard from is refused as not answering. */
    LeaseHolder.Round round() {
        if (granted < majority) {
            for (int i = 0; i < voters.size(); i++) {
                if (!answered[i]) {
                    refusals.add(voters.get(i).getAuthority() + ": no answer");
                }
            }
        }
        return new LeaseHolder.Round(askedEpoch, granted, voters.size(), highest, List.copyOf(refusals),
                lastActiveEpoch, lastActiveHead, lastActiveSole, refusedFor, numberedUpTo);
    }

    boolean answered(int voter) {
        return answered[voter];
    }

    /** Whether voter {@code voter} answered and did not grant: it holds nothing of this round to give back. */
    boolean refused(int voter) {
        return refused[voter];
    }

    /** What voter's grant counts against, once the round has its majority. */
    long grantedBy(int voter) {
        return grantedBy[voter];
    }

    /** The shortest grant among those counted, in milliseconds: the lease's length at most. */
    long shortestGrantMillis() {
        return shortestGrant;
    }
}
