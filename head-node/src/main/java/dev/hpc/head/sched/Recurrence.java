package dev.hpc.head.sched;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The recurrence rule of a standing reservation, as {@code pbs_rsub -r} takes it (iCalendar's RRULE, the part
 * OpenPBS supports): {@code FREQ=HOURLY|DAILY|WEEKLY}, {@code INTERVAL=N}, {@code BYDAY=MO,WE} (weekly), and
 * {@code COUNT=N} or {@code UNTIL=YYYYMMDD[THHMMSS]}. Occurrences keep their wall-clock time in the submitter's
 * time zone across daylight-saving changes. Pure: the starts are computed once, when the reservation is made.
 */
public final class Recurrence {
    /** The most windows one standing reservation may have. */
    public static final int MAX_OCCURRENCES = 1000;
    private static final Set<String> KEYS = Set.of("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY");
    private static final Map<String, DayOfWeek> DAYS = Map.of("MO", DayOfWeek.MONDAY, "TU", DayOfWeek.TUESDAY,
            "WE", DayOfWeek.WEDNESDAY, "TH", DayOfWeek.THURSDAY, "FR", DayOfWeek.FRIDAY, "SA", DayOfWeek.SATURDAY,
            "SU", DayOfWeek.SUNDAY);

    private Recurrence() {
    }

    /**
     * The starts of every occurrence; throws {@link IllegalArgumentException} saying what to fix in the rule. The
     * first is {@code first} itself, unless the rule names days ({@code BYDAY}) and {@code first} falls on none of
     * them: then the first is the next named day, at the same time of day.
     */
    public static List<Instant> starts(String rule, Instant first, ZoneId zone) {
        Map<String, String> parts = parse(rule);
        String freq = parts.getOrDefault("FREQ", "");
        if (!Set.of("HOURLY", "DAILY", "WEEKLY").contains(freq)) {
            throw new IllegalArgumentException("the recurrence rule '" + rule + "' needs FREQ=HOURLY, DAILY or WEEKLY, "
                    + "e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10");
        }
        int interval = number(parts, "INTERVAL", 1, rule);
        boolean counted = parts.containsKey("COUNT");
        if (counted == parts.containsKey("UNTIL")) {
            throw new IllegalArgumentException("the recurrence rule '" + rule + "' needs COUNT=N or UNTIL=YYYYMMDD "
                    + "(one of them): a standing reservation must end");
        }
        int count = counted ? number(parts, "COUNT", 1, rule) : MAX_OCCURRENCES + 1;
        if (count > MAX_OCCURRENCES) {
            if (counted) {
                throw new IllegalArgumentException("COUNT=" + count + " asks for more than " + MAX_OCCURRENCES
                        + " occurrences; make a new reservation when these run out");
            }
        }
        ZonedDateTime start = first.atZone(zone);
        ZonedDateTime until = counted ? null : until(parts.get("UNTIL"), zone, rule);
        Set<DayOfWeek> days = new TreeSet<>();
        if (parts.containsKey("BYDAY")) {
            if (!freq.equals("WEEKLY")) {
                throw new IllegalArgumentException("BYDAY goes with FREQ=WEEKLY, not FREQ=" + freq);
            }
            for (String d : parts.get("BYDAY").split(",")) {
                DayOfWeek day = DAYS.get(d.strip());
                if (day == null) {
                    throw new IllegalArgumentException("BYDAY=" + parts.get("BYDAY") + ": '" + d + "' is not one of "
                            + "MO, TU, WE, TH, FR, SA, SU");
                }
                days.add(day);
            }
        }
        List<Instant> out = new ArrayList<>();
        if (days.isEmpty()) {
            out.add(first);
        }
        if (freq.equals("WEEKLY") && !days.isEmpty()) {
            LocalDate monday = start.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            for (int week = 0; out.size() < count; week += interval) {
                boolean past = false;
                for (DayOfWeek d : days) {
                    LocalDateTime at = LocalDateTime.of(monday.plusWeeks(week).with(TemporalAdjusters.nextOrSame(d)),
                            start.toLocalTime());
                    ZonedDateTime z = at.atZone(zone);
                    if (z.isBefore(start)) {
                        continue;
                    }
                    if (until != null && z.isAfter(until)) {
                        past = true;
                        break;
                    }
                    out.add(z.toInstant());
                    if (out.size() == count || out.size() > MAX_OCCURRENCES) {
                        break;
                    }
                }
                if (past || out.size() > MAX_OCCURRENCES) {
                    break;
                }
            }
        } else {
            for (int k = 1; out.size() < count; k++) {
                ZonedDateTime z = switch (freq) {
                    case "HOURLY" -> start.plusHours((long) k * interval);
                    case "DAILY" -> start.plusDays((long) k * interval);
                    default -> start.plusWeeks((long) k * interval);
                };
                if (until != null && z.isAfter(until)) {
                    break;
                }
                out.add(z.toInstant());
                if (out.size() > MAX_OCCURRENCES) {
                    break;
                }
            }
        }
        if (out.size() > MAX_OCCURRENCES) {
            throw new IllegalArgumentException("the recurrence rule '" + rule + "' gives more than " + MAX_OCCURRENCES
                    + " occurrences before its UNTIL; give an earlier UNTIL or a COUNT");
        }
        return List.copyOf(out);
    }

    private static Map<String, String> parse(String rule) {
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : rule.strip().split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            String key = eq < 0 ? part.strip().toUpperCase(Locale.ROOT)
                    : part.substring(0, eq).strip().toUpperCase(Locale.ROOT);
            if (eq < 0 || !KEYS.contains(key)) {
                throw new IllegalArgumentException("the recurrence rule '" + rule + "' has '" + part.strip() + "'; it "
                        + "takes FREQ, INTERVAL, BYDAY, COUNT and UNTIL as NAME=VALUE separated by ';'");
            }
            if (parts.put(key, part.substring(eq + 1).strip().toUpperCase(Locale.ROOT)) != null) {
                throw new IllegalArgumentException("the recurrence rule '" + rule + "' gives " + key + " twice");
            }
        }
        return parts;
    }

    private static int number(Map<String, String> parts, String key, int fallback, String rule) {
        String v = parts.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(key + "=" + v + " in '" + rule + "' must be a whole number of at least 1");
    }

    private static ZonedDateTime until(String v, ZoneId zone, String rule) {
        try {
            if (v.matches("\\d{8}")) {
                // the whole last day counts
                return LocalDate.parse(v, DateTimeFormatter.BASIC_ISO_DATE).plusDays(1).atStartOfDay(zone)
                        .minusNanos(1);
            }
            if (v.matches("\\d{8}T\\d{6}Z")) {
                return LocalDateTime.parse(v.substring(0, 15), DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss"))
                        .atZone(ZoneOffset.UTC).withZoneSameInstant(zone);
            }
            if (v.matches("\\d{8}T\\d{6}")) {
                return LocalDateTime.parse(v, DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")).atZone(zone);
            }
        } catch (DateTimeParseException e) {
            // said below
        }
        throw new IllegalArgumentException("UNTIL=" + v + " in '" + rule + "' must be YYYYMMDD or YYYYMMDDTHHMMSS");
    }
}
