package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * qsub {@code -a [[[[CC]YY]MM]DD]hhmm[.SS]}: the earliest time a job may start, in the submitter's
 * time zone. Fields left out are chosen so that the time lies ahead, as qsub does: no day means
 * today, or tomorrow once the time has passed; no month means this month, or the next month that
 * has that day; no year means this year, or the next one that has that date. A time with a full date
 * in the past is kept: the job may start at once.
 */
public final class DeferredStart {

    private static final Pattern FORM = Pattern.compile("((?:\\d\\d){2,6})(?:\\.(\\d\\d))?");
    private static final String FORMS = "date and time must be [[[[CC]YY]MM]DD]hhmm[.SS], e.g. 2330, "
            + "10302330 (30 October, 23:30) or 202510302330.00";

    private DeferredStart() {
    }

    public static ZonedDateTime parse(String text, ZonedDateTime now) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new InvalidRequestException(FORMS + ", got '" + text + "'");
        }
        String d = m.group(1);
        int n = d.length();
        LocalTime time = time(two(d, n - 4), two(d, n - 2), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)),
                text);
        return switch (n) {
            case 4 -> nextTime(now, time);
            case 6 -> nextDay(now, day(two(d, 0), text), time);
            case 8 -> nextDate(now, month(two(d, 0), text), day(two(d, 2), text), time, text);
            default -> {
                int year = n == 12 ? Integer.parseInt(d.substring(0, 4)) : now.getYear() / 100 * 100 + two(d, 0);
                yield at(now, date(year, month(two(d, n - 8), text), day(two(d, n - 6), text), text), time);
            }
        };
    }

    private static ZonedDateTime nextTime(ZonedDateTime now, LocalTime time) {
        ZonedDateTime today = at(now, now.toLocalDate(), time);
        return today.isBefore(now) ? at(now, now.toLocalDate().plusDays(1), time) : today;
    }

    private static ZonedDateTime nextDay(ZonedDateTime now, int day, LocalTime time) {
        LocalDate month = now.toLocalDate().withDayOfMonth(1);
        for (int i = 0; ; i++) {
            LocalDate first = month.plusMonths(i);
            if (day <= first.lengthOfMonth()) {
                ZonedDateTime candidate = at(now, first.withDayOfMonth(day), time);
                if (!candidate.isBefore(now)) {
                    return candidate;
                }
            }
        }
    }

    private static ZonedDateTime nextDate(ZonedDateTime now, int month, int day, LocalTime time, String text) {
        date(2000, month, day, text);
        for (int year = now.getYear(); ; year++) {
            try {
                ZonedDateTime candidate = at(now, LocalDate.of(year, month, day), time);
                if (!candidate.isBefore(now)) {
                    return candidate;
                }
            } catch (DateTimeException e) {
                continue;
            }
        }
    }

    private static ZonedDateTime at(ZonedDateTime now, LocalDate date, LocalTime time) {
        return ZonedDateTime.of(date, time, now.getZone());
    }

    private static LocalTime time(int hour, int minute, int second, String text) {
        if (hour > 23 || minute > 59 || second > 59) {
            throw new InvalidRequestException("'" + text + "' is not a time of day: hours go to 23, minutes and "
                    + "seconds to 59");
        }
        return LocalTime.of(hour, minute, second);
    }

    private static LocalDate date(int year, int month, int day, String text) {
        try {
            return LocalDate.of(year, month, day);
        } catch (DateTimeException e) {
            throw new InvalidRequestException("'" + text + "' names a day that does not exist");
        }
    }

    private static int month(int month, String text) {
        if (month < 1 || month > 12) {
            throw new InvalidRequestException("'" + text + "' names month " + month + "; months go from 01 to 12");
        }
        return month;
    }

    private static int day(int day, String text) {
        if (day < 1 || day > 31) {
            throw new InvalidRequestException("'" + text + "' names day " + day + "; days go from 01 to 31");
        }
        return day;
    }

    private static int two(String digits, int at) {
        return Integer.parseInt(digits.substring(at, at + 2));
    }
}
