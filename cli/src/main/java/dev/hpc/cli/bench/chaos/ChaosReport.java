package dev.hpc.cli.bench.chaos;

import dev.hpc.cli.bench.FailoverReport;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The text report of a run of the fault suite: a pure function of its result. */
public final class ChaosReport {
    /** Findings printed at most; the rest are counted. */
    static final int MAX_FINDINGS = 60;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter
            .ofPattern("HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

    private ChaosReport() {
    }

    public static String text(ChaosResult r) {
        StringBuilder s = new StringBuilder();
        ChaosSettings st = r.settings();
        s.append(String.format(Locale.ROOT, "seed %d: %d jobs of %d ms (every %s through qsub), %d workers of %d cores;"
                        + " %d head kills, %d worker crashes, %d freezes of %d ms, %d cuts of about %d ms; cluster %s;"
                        + " %.1f s%n%n",
                st.seed(), st.jobs(), st.jobDuration().toMillis(), st.qsubEvery() == 0 ? "none" : ordinal(st.qsubEvery()),
                st.workers(), st.cores(), st.headKills(), st.workerKills(), st.freezes(), st.freezeFor().toMillis(),
                st.cuts(), st.cutFor().toMillis(), r.cluster(), r.wallMs() / 1000.0));
        faults(s, r.faults(), r.account().acks());
        s.append('\n');
        takeovers(s, r.faults());
        s.append('\n');
        exits(s, r.exits());
        s.append('\n');
        account(s, r.account());
        s.append('\n');
        findings(s, r.account().findings());
        if (r.faults().size() < r.schedule().size()) {
            s.append("ONLY ").append(r.faults().size()).append(" OF ").append(r.schedule().size())
                    .append(" FAULTS WERE INJECTED\n");
        }
        r.failure().ifPresent(f -> s.append("FAILURE: ").append(f).append('\n'));
        s.append(r.passed() ? "PASS: every acknowledged job accounted for, no bad column\n"
                : "FAIL: see the bad columns, findings and failure above\n");
        return s.toString();
    }

    private static String ordinal(int k) {
        return k == 1 ? "one" : k == 2 ? "second one" : k + "th";
    }

    /**
     * One line per fault; ACKED BY names every head@epoch whose acknowledgement came back between the fault and the
     * cluster being whole again (a takeover shows two, one after the other).
     */
    private static void faults(StringBuilder s, List<FaultRecord> faults, AckOrder.Result acks) {
        String row = "%-4s %-23s %-7s %-11s %9s %-13s %12s %10s  %s%n";
        s.append(String.format(Locale.ROOT, row, "#", "FAULT", "TARGET", "CUT ms", "AT s", "AT (UTC)", "ACCEPTED ms",
                "WHOLE ms", "ACKED BY"));
        for (FaultRecord f : faults) {
            List<String> who = acks.between(f.atMs(), f.atMs() + f.recoveredMs());
            s.append(String.format(Locale.ROOT, row, f.fault().number(), f.fault().kind().label(), f.target(),
                    f.fault().cut().map(m -> m.label() + " " + f.fault().hold().toMillis()).orElse("-"),
                    String.format(Locale.ROOT, "%.1f", f.atMs() / 1000.0), CLOCK.format(f.at()),
                    f.acceptedMs() >= 0 ? f.acceptedMs() : "-", f.recoveredMs(),
                    who.isEmpty() ? "-" : String.join(" ", who)));
        }
    }

    /** Median and max of fault-to-accepted per kind of fault of the active head, and of fault-to-whole per kind. */
    private static void takeovers(StringBuilder s, List<FaultRecord> faults) {
        String row = "%-20s %5s %17s %14s %14s %11s%n";
        s.append(String.format(Locale.ROOT, row, "KIND", "COUNT", "ACCEPTED median", "ACCEPTED max", "WHOLE median",
                "WHOLE max"));
        for (FaultKind k : FaultKind.values()) {
            List<FaultRecord> of = faults.stream().filter(f -> f.fault().kind() == k).toList();
            if (of.isEmpty()) {
                continue;
            }
            List<Long> accepted = of.stream().map(FaultRecord::acceptedMs).filter(ms -> ms >= 0).toList();
            FailoverReport.Stats whole = FailoverReport.stats(of.stream().map(FaultRecord::recoveredMs).toList());
            String am = "-";
            String ax = "-";
            if (!accepted.isEmpty()) {
                FailoverReport.Stats a = FailoverReport.stats(accepted);
                am = Long.toString(a.median());
                ax = Long.toString(a.max());
            }
            s.append(String.format(Locale.ROOT, row, k.label(), of.size(), am, ax, whole.median(), whole.max()));
        }
    }

    private static void exits(StringBuilder s, List<UnplannedExit> exits) {
        if (exits.isEmpty()) {
            s.append("UNPLANNED EXITS: none\n");
            return;
        }
        s.append("UNPLANNED EXITS: ").append(exits.size()).append('\n');
        for (UnplannedExit e : exits) {
            s.append(String.format(Locale.ROOT, "  %s status %d at %.1f s, after fault %d%n", e.daemon(),
                    e.exitStatus(), e.atMs() / 1000.0, e.afterFault()));
        }
    }

    private static void account(StringBuilder s, ChaosAccount.Result a) {
        Map<Submission.Route, Tally> by = new EnumMap<>(a.byRoute());
        List<String> heads = new ArrayList<>();
        for (Submission.Route route : Submission.Route.values()) {
            heads.add(route.name());
        }
        heads.add("TOTAL");
        String row = "%-32s" + " %8s".repeat(heads.size()) + "%n";
        List<Object> h = new ArrayList<>(List.of("ACCOUNT"));
        h.addAll(heads);
        s.append(String.format(Locale.ROOT, row, h.toArray()));
        rows(s, row, by, a.total(), Tally::counts);
        rows(s, row, by, a.total(), Tally::bad);
        s.append("ACKNOWLEDGED BY (head@epoch): ").append(a.acks().byEpoch().isEmpty() ? "-"
                : String.join(" ", a.acks().byEpoch())).append('\n');
    }

    private static void rows(StringBuilder s, String row, Map<Submission.Route, Tally> by, Tally total,
                             Function<Tally, Map<String, Integer>> which) {
        for (String label : which.apply(total).keySet()) {
            List<Object> cells = new ArrayList<>(List.of(label));
            for (Submission.Route route : Submission.Route.values()) {
                cells.add(which.apply(by.getOrDefault(route, Tally.zero())).get(label));
            }
            cells.add(which.apply(total).get(label));
            s.append(String.format(Locale.ROOT, row, cells.toArray()));
        }
    }

    private static void findings(StringBuilder s, List<String> findings) {
        if (findings.isEmpty()) {
            s.append("FINDINGS: none\n");
            return;
        }
        s.append("FINDINGS: ").append(findings.size()).append('\n');
        findings.stream().limit(MAX_FINDINGS).forEach(f -> s.append("  ").append(f).append('\n'));
        if (findings.size() > MAX_FINDINGS) {
            s.append("  ... and ").append(findings.size() - MAX_FINDINGS).append(" more\n");
        }
    }
}
