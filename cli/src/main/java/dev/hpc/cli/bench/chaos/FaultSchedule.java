package dev.hpc.cli.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The faults of a run, drawn from a seed: the same seed and counts give the same schedule, so that a run that
 * found something can be repeated ({@code --seed}). Pure: no clock, no processes.
 */
public final class FaultSchedule {
    private FaultSchedule() {
    }

    /**
     * {@code headKills} kills (a third of them, rounded, of the standby; the rest of the active head),
     * {@code freezes} freezes (half, rounded up, of the active head), {@code workerKills} worker crashes on
     * workers drawn from {@code node1..nodeN}, in a shuffled order; each gap is drawn between half and one and a
     * half {@code interval}.
     */
    public static List<Fault> plan(long seed, int headKills, int workerKills, int freezes, Duration interval,
                                   int workers) {
        return plan(seed, headKills, workerKills, freezes, 0, interval, Duration.ZERO, workers);
    }

    /**
     * As above, with {@code cuts} network cuts spread over the kinds of {@link FaultKind#cuts()} in turn (the
     * first kinds get one more when they do not divide evenly). Each cut drops or resets its links (drawn, half
     * and half) and holds between half and one and a half {@code cutFor}. A plan without cuts is the same as
     * before cuts existed, for the same seed.
     */
    public static List<Fault> plan(long seed, int headKills, int workerKills, int freezes, int cuts,
                                   Duration interval, Duration cutFor, int workers) {
        if (headKills < 0 || workerKills < 0 || freezes < 0 || cuts < 0 || workers < 1) {
            throw new IllegalArgumentException("counts must not be negative and there must be a worker: " + headKills
                    + ", " + workerKills + ", " + freezes + ", " + cuts + ", " + workers);
        }
        Random random = new Random(seed);
        List<FaultKind> kinds = new ArrayList<>();
        int standbyKills = Math.round(headKills / 3f);
        add(kinds, FaultKind.KILL_ACTIVE, headKills - standbyKills);
        add(kinds, FaultKind.KILL_STANDBY, standbyKills);
        add(kinds, FaultKind.FREEZE_ACTIVE, (freezes + 1) / 2);
        add(kinds, FaultKind.FREEZE_STANDBY, freezes / 2);
        add(kinds, FaultKind.KILL_WORKER, workerKills);
        List<FaultKind> cutKinds = FaultKind.cuts();
        for (int i = 0; i < cuts; i++) {
            kinds.add(cutKinds.get(i % cutKinds.size()));
        }
        Collections.shuffle(kinds, random);
        List<Fault> out = new ArrayList<>();
        for (FaultKind k : kinds) {
            String worker = k == FaultKind.KILL_WORKER ? "node" + (1 + random.nextInt(workers)) : "";
            long gap = Math.round(interval.toMillis() * (0.5 + random.nextDouble()));
            if (k.cut()) {
                Forwarder.CutMode mode = random.nextBoolean() ? Forwarder.CutMode.DROP : Forwarder.CutMode.RESET;
                long hold = Math.round(cutFor.toMillis() * (0.5 + random.nextDouble()));
                out.add(new Fault(out.size() + 1, k, worker, Duration.ofMillis(gap), Optional.of(mode),
                        Duration.ofMillis(hold)));
            } else {
                out.add(new Fault(out.size() + 1, k, worker, Duration.ofMillis(gap)));
            }
        }
        return List.copyOf(out);
    }

    private static void add(List<FaultKind> kinds, FaultKind kind, int n) {
        for (int i = 0; i < n; i++) {
            kinds.add(kind);
        }
    }
}
