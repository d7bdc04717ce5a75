package dev.hpc.head.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A parser of the Prometheus text exposition format (version 0.0.4), as Prometheus itself reads a scrape: the
 * Java client libraries write the format but none parses it, so the tests parse it here, strictly. A line it
 * cannot read, a sample of no declared family, a family declared twice, a series given twice, a histogram whose
 * buckets are not cumulative or miss {@code +Inf}: each throws, naming the line. Shared with the process tests
 * of {@code examples} through this module's test jar.
 */
public final class PrometheusText {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample line: its metric name (with any suffix such as {@code _bucket}), labels and value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A metric family: what {@code # TYPE} and {@code # HELP} say of it, and its samples. */
    public record Family(String name, String type, String help, List<Sample> samples) {
    }

    private final Map<String, Family> families;

    private PrometheusText(Map<String, Family> families) {
        this.families = families;
    }

    public Map<String, Family> families() {
        return families;
    }

    public Optional<Family> family(String name) {
        return Optional.ofNullable(families.get(name));
    }

    /**
     * The value of the one sample named {@code name} whose labels include {@code labels} (other labels, such as
     * the head's, may be there too); empty when there is none, an error when several match.
     */
    public OptionalDouble value(String name, Map<String, String> labels) {
        List<Sample> found = samples(name, labels);
        if (found.size() > 1) {
            throw new AssertionError(found.size() + " samples of " + name + " have labels " + labels + ": " + found);
        }
        return found.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(found.get(0).value());
    }

    public OptionalDouble value(String name) {
        return value(name, Map.of());
    }

    public List<Sample> samples(String name, Map<String, String> labels) {
        List<Sample> out = new ArrayList<>();
        for (Family f : families.values()) {
            for (Sample s : f.samples()) {
                if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    public static PrometheusText parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> helps = new TreeMap<>();
        Set<String> seriesSeen = new HashSet<>();
        String[] lines = text.split("\n", -1);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition does not end with a line feed");
        }
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + " '" + line + "'";
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && parts[1].equals("HELP")) {
                    name(parts[2], where);
                    if (helps.put(parts[2], parts.length == 4 ? unescapeHelp(parts[3], where) : "") != null) {
                        throw new IllegalArgumentException("a second HELP of " + parts[2] + " at " + where);
                    }
                } else if (parts.length >= 3 && parts[1].equals("TYPE")) {
                    name(parts[2], where);
                    String type = parts.length == 4 ? parts[3].strip() : "";
                    if (!TYPES.contains(type)) {
                        throw new IllegalArgumentException("unknown type '" + type + "' at " + where);
                    }
                    if (families.containsKey(parts[2])) {
                        throw new IllegalArgumentException("a second TYPE of " + parts[2] + " at " + where);
                    }
                    families.put(parts[2], new Family(parts[2], type, "", new ArrayList<>()));
                }
                continue; // other comments are allowed and mean nothing
            }
            Sample s = sample(line, where);
            Family f = familyOf(s.name(), families).orElseThrow(() -> new IllegalArgumentException(
                    "sample of no family declared by a TYPE line before it, at " + where));
            if (!seriesSeen.add(s.name() + s.labels())) {
                throw new IllegalArgumentException("the series " + s.name() + s.labels() + " is given twice, at "
                        + where);
            }
            f.samples().add(s);
        }
        Map<String, Family> out = new LinkedHashMap<>();
        for (Family f : families.values()) {
            Family withHelp = new Family(f.name(), f.type(), helps.getOrDefault(f.name(), ""), List.copyOf(f.samples()));
            if (f.type().equals("histogram")) {
                checkHistogram(withHelp);
            }
            out.put(f.name(), withHelp);
        }
        return new PrometheusText(out);
    }

    /** The family a sample belongs to: its own name, or its name less the suffix its family's type allows. */
    private static Optional<Family> familyOf(String sample, Map<String, Family> families) {
        Family exact = families.get(sample);
        if (exact != null) {
            return Optional.of(exact);
        }
        for (String suffix : List.of("_bucket", "_count", "_sum", "_total", "_created")) {
            if (sample.endsWith(suffix)) {
                Family f = families.get(sample.substring(0, sample.length() - suffix.length()));
                if (f != null && allows(f.type(), suffix)) {
                    return Optional.of(f);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean allows(String type, String suffix) {
        return switch (type) {
            case "histogram" -> suffix.equals("_bucket") || suffix.equals("_count") || suffix.equals("_sum")
                    || suffix.equals("_created");
            case "summary" -> suffix.equals("_count") || suffix.equals("_sum") || suffix.equals("_created");
            case "counter" -> suffix.equals("_total") || suffix.equals("_created");
            default -> false;
        };
    }

    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> bySeries = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (Sample s : f.samples()) {
            if (s.name().endsWith("_bucket")) {
                Map<String, String> rest = new TreeMap<>(s.labels());
                if (rest.remove("le") == null) {
                    throw new IllegalArgumentException("a bucket of " + f.name() + " without 'le': " + s);
                }
                bySeries.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(new TreeMap<>(s.labels()), s.value());
            }
        }
        bySeries.forEach((labels, buckets) -> {
            buckets.sort(java.util.Comparator.comparingDouble(b -> number(b.labels().get("le"), "le of " + b)));
            double last = 0;
            for (Sample b : buckets) {
                if (b.value() < last) {
                    throw new IllegalArgumentException("the buckets of " + f.name() + labels + " are not cumulative");
                }
                last = b.value();
            }
            Sample top = buckets.get(buckets.size() - 1);
            if (!top.labels().get("le").equals("+Inf")) {
                throw new IllegalArgumentException(f.name() + labels + " has no +Inf bucket");
            }
            Double count = counts.get(labels);
            if (count == null || count != top.value()) {
                throw new IllegalArgumentException(f.name() + labels + ": _count " + count + " is not the +Inf bucket "
                        + top.value());
            }
        });
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = name(line.substring(0, i), where);
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                if (i >= line.length()) {
                    throw new IllegalArgumentException("unclosed labels at " + where);
                }
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                if (eq < 0) {
                    throw new IllegalArgumentException("a label without '=' at " + where);
                }
                String label = line.substring(i, eq);
                if (!LABEL_NAME.matcher(label).matches()) {
                    throw new IllegalArgumentException("bad label name '" + label + "' at " + where);
                }
                if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label " + label + " has no quoted value at " + where);
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; j < line.length() && line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        j++;
                        char e = j < line.length() ? line.charAt(j) : ' ';
                        switch (e) {
                            case '\\' -> value.append('\\');
                            case '"' -> value.append('"');
                            case 'n' -> value.append('\n');
                            default -> throw new IllegalArgumentException("bad escape in label " + label + " at "
                                    + where);
                        }
                    } else {
                        value.append(c);
                    }
                }
                if (j >= line.length()) {
                    throw new IllegalArgumentException("unclosed value of label " + label + " at " + where);
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice at " + where);
                }
                i = j + 1;
                if (i < line.length() && line.charAt(i) == ',') {
                    i++;
                }
            }
        }
        String[] rest = line.substring(i).strip().split(" +");
        if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("a sample needs a value and at most a timestamp, at " + where);
        }
        if (rest.length == 2) {
            try {
                Long.parseLong(rest[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad timestamp at " + where);
            }
        }
        return new Sample(name, labels, number(rest[0], where));
    }

    private static double number(String text, String where) {
        return switch (text) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad value '" + text + "' at " + where);
                }
            }
        };
    }

    private static String name(String name, String where) {
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad metric name '" + name + "' at " + where);
        }
        return name;
    }

    private static String unescapeHelp(String text, String where) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char e = text.charAt(++i);
                switch (e) {
                    case '\\' -> out.append('\\');
                    case 'n' -> out.append('\n');
                    default -> throw new IllegalArgumentException("bad escape in HELP at " + where);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
