package dev.hpc.cli.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A sample of measurements in milliseconds, summarised as benchmarks report them. */
final class Figures {
    private final List<Double> values = new ArrayList<>();

    void add(double millis) {
        values.add(millis);
    }

    int count() {
        return values.size();
    }

    double percentile(double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int at = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, at)));
    }

    double median() {
        return percentile(50);
    }

    double min() {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    double max() {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count());
        m.put("medianMs", round(median()));
        m.put("p99Ms", round(percentile(99)));
        m.put("minMs", round(min()));
        m.put("maxMs", round(max()));
        return m;
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
