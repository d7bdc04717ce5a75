package dev.hpc.examples;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads what {@code qstat -f} prints: blocks that start with {@code Job Id: ID}, then one
 * {@code     name = value} line per attribute; a long value goes on in lines that start with a tab.
 */
final class QstatFull {
    private QstatFull() {
    }

    /** Job id to its attributes, in the order printed. */
    static Map<String, Map<String, String>> parse(String text) {
        Map<String, Map<String, String>> jobs = new LinkedHashMap<>();
        Map<String, String> current = null;
        String last = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("Job Id: ")) {
                current = new LinkedHashMap<>();
                jobs.put(line.substring("Job Id: ".length()).strip(), current);
                last = null;
            } else if (current != null && line.startsWith("\t") && last != null) {
                current.put(last, current.get(last) + line.substring(1));
            } else if (current != null && line.contains(" = ")) {
                int eq = line.indexOf(" = ");
                last = line.substring(0, eq).strip();
                current.put(last, line.substring(eq + 3));
            }
        }
        return jobs;
    }
}
