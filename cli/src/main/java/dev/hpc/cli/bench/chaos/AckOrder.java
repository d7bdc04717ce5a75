package dev.hpc.cli.bench.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * "At most one head acknowledges at a time" (DESIGN.md invariant 2), checked from the client's side: every
 * acknowledgement that names its head and epoch ({@link Ack}), timed by the suite's one clock. Two rules:
 * <ul>
 *   <li>an epoch belongs to one head: two heads that acknowledge in the same epoch both believed they led;</li>
 *   <li>no head acknowledges in an older epoch once a newer one has acknowledged: an acknowledgement whose
 *   submission was sent after another, in a newer epoch, had come back was given by a head that had been
 *   deposed (its request reached it only after the newer head had acted).</li>
 * </ul>
 * A submission's interval runs from its first send to its answer, resends included, so a slow answer or a resend
 * through a takeover only widens it and never makes a finding by itself. Pure: acknowledgements in, findings out.
 */
public final class AckOrder {
    /**
     * @param outOfTurn    the names of the submissions acknowledged out of turn
     * @param findings     one line per submission acknowledged out of turn, with the acknowledgement it came after
     * @param attributed   acknowledgements that named their head and epoch
     * @param unattributed acknowledgements that did not ({@code qsub}, or a head that could not say)
     * @param byEpoch      who acknowledged in each epoch: {@code head1@3} per epoch, in epoch order
     * @param timeline     the acknowledgements that named their head and epoch, in the order they came back
     */
    public record Result(Set<String> outOfTurn, List<String> findings, int attributed, int unattributed,
                         List<String> byEpoch, List<Ack> timeline) {
        public Result {
            outOfTurn = Set.copyOf(outOfTurn);
            findings = List.copyOf(findings);
            byEpoch = List.copyOf(byEpoch);
            timeline = List.copyOf(timeline);
        }

        /** Who acknowledged anything that came back from {@code fromMs} to {@code toMs}, in order of their first. */
        public List<String> between(long fromMs, long toMs) {
            return timeline.stream().filter(a -> a.answeredMs() >= fromMs && a.answeredMs() <= toMs).map(Ack::who)
                    .distinct().toList();
        }
    }

    private AckOrder() {
    }

    public static Result check(List<Submission> submissions) {
        List<Submission> acks = new ArrayList<>();
        int unattributed = 0;
        for (Submission s : submissions) {
            if (s.acknowledged() && s.ack().isPresent()) {
                if (s.ack().get().attributed()) {
                    acks.add(s);
                } else {
                    unattributed++;
                }
            }
        }
        Set<String> bad = new LinkedHashSet<>();
        List<String> findings = new ArrayList<>();
        // the heads of each epoch, each with its first acknowledgement
        NavigableMap<Long, Map<String, Submission>> heads = new TreeMap<>();
        for (Submission s : acks.stream().sorted(Comparator.comparingLong(x -> ack(x).answeredMs())).toList()) {
            heads.computeIfAbsent(ack(s).epoch(), e -> new LinkedHashMap<>()).putIfAbsent(ack(s).head(), s);
        }
        for (Submission s : acks) {
            Map<String, Submission> of = heads.get(ack(s).epoch());
            Submission first = of.values().iterator().next();
            if (!ack(first).head().equals(ack(s).head())) {
                bad.add(s.name());
                findings.add("TWO HEADS IN EPOCH " + ack(s).epoch() + ": " + describe(s) + "; " + describe(first)
                        + " had acknowledged in the same epoch");
            }
        }
        // per epoch, the earliest answer in it or any newer one: a submission of an older epoch sent after it
        // was acknowledged out of turn
        Map<Long, Submission> firstOf = new TreeMap<>();
        for (Submission s : acks) {
            firstOf.merge(ack(s).epoch(), s, (a, b) -> ack(b).answeredMs() < ack(a).answeredMs() ? b : a);
        }
        NavigableMap<Long, Submission> earliestFrom = new TreeMap<>();
        Optional<Submission> earliest = Optional.empty();
        for (Long e : heads.descendingKeySet()) {
            Submission candidate = firstOf.get(e);
            if (earliest.isEmpty() || ack(candidate).answeredMs() < ack(earliest.get()).answeredMs()) {
                earliest = Optional.of(candidate);
            }
            earliestFrom.put(e, earliest.get());
        }
        for (Submission s : acks) {
            Map.Entry<Long, Submission> newer = earliestFrom.higherEntry(ack(s).epoch());
            if (newer != null && ack(s).sentMs() > ack(newer.getValue()).answeredMs()) {
                if (bad.add(s.name())) {
                    findings.add("ACKNOWLEDGED IN AN OLDER EPOCH: " + describe(s) + ", sent " + (ack(s).sentMs()
                            - ack(newer.getValue()).answeredMs()) + " ms after " + describe(newer.getValue())
                            + " had come back");
                }
            }
        }
        List<String> byEpoch = new ArrayList<>();
        heads.forEach((e, hs) -> hs.keySet().forEach(h -> byEpoch.add(h + "@" + e)));
        List<Ack> timeline = acks.stream().map(AckOrder::ack).sorted(Comparator.comparingLong(Ack::answeredMs))
                .toList();
        return new Result(bad, findings, acks.size(), unattributed, byEpoch, timeline);
    }

    private static Ack ack(Submission s) {
        return s.ack().orElseThrow();
    }

    private static String describe(Submission s) {
        Ack a = ack(s);
        return String.format(Locale.ROOT, "%s (%s, job %s) acknowledged by %s, sent at %.3f s, answered at %.3f s",
                s.name(), s.route(), s.jobId().orElse("?"), a.who(), a.sentMs() / 1000.0, a.answeredMs() / 1000.0);
    }
}
