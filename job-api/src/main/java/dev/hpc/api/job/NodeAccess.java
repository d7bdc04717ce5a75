package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.pbs.SubmitParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which nodes a job may have and whether it shares them (issue 18).
 *
 * <p>{@code sharing}: {@link Sharing#SHARED} lets other jobs use what the job leaves free on its
 * nodes; {@link Sharing#EXCLUSIVE} (PBS {@code place=excl}, Torque {@code naccesspolicy=singlejob},
 * Slurm {@code --exclusive}) starts the job only on nodes that run nothing and runs nothing else
 * there while it runs; {@link Sharing#USER} (Slurm {@code --exclusive=user}, Torque
 * {@code naccesspolicy=singleuser}) does the same for other users' jobs only.
 *
 * <p>{@code required}: nodes that must all be part of the job's nodes (Slurm {@code --nodelist},
 * PBS {@code host=}); the rest, if the job asks for more, are chosen as usual. {@code excluded}:
 * nodes the job never runs on (Slurm {@code --exclude}).
 */
public record NodeAccess(Sharing sharing, Set<String> required, Set<String> excluded) {

    public static final NodeAccess ANY = new NodeAccess(Sharing.SHARED, Set.of(), Set.of());
    /** At most this many nodes in one list, as a job has at most this many nodes. */
    public static final int MAX_NAMES = SubmitParser.MAX_NODES;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,252}");

    public enum Sharing {
        SHARED,
        EXCLUSIVE,
        USER
    }

    /** Both lists in name order. */
    public NodeAccess {
        required = Collections.unmodifiableSortedSet(sorted(required, "node list"));
        excluded = Collections.unmodifiableSortedSet(sorted(excluded, "excluded nodes"));
        SortedSet<String> both = new TreeSet<>(required);
        both.retainAll(excluded);
        if (!both.isEmpty()) {
            throw new InvalidRequestException("node " + String.join(", ", both) + " is both required (--nodelist, "
                    + "host=) and excluded (--exclude); name it in one of them");
        }
    }

    private static SortedSet<String> sorted(Set<String> names, String what) {
        for (String n : names) {
            checkName(n, what);
        }
        return new TreeSet<>(names);
    }

    /**
     * Whether {@code n} can name a node: 1 to 253 letters, digits, '.', '_' and '-' (a host name's length),
     * not starting with '.' or '-'.
     */
    public static boolean isNodeName(String n) {
        return NAME.matcher(n).matches();
    }

    public static String checkName(String n, String what) {
        if (!NAME.matcher(n).matches()) {
            throw new InvalidRequestException("'" + n + "' in the " + what + " is not a node name; write names of "
                    + "letters, digits, '.', '_' and '-', e.g. node01 or node[1-3]");
        }
        return n;
    }

    public boolean isDefault() {
        return equals(ANY);
    }

    public boolean exclusive() {
        return sharing != Sharing.SHARED;
    }

    /** Whether the job may run on this node as far as the lists go. */
    public boolean allows(String node) {
        return !excluded.contains(node);
    }

    public NodeAccess withSharing(Sharing s) {
        return new NodeAccess(s, required, excluded);
    }

    public NodeAccess withRequired(Set<String> names) {
        return new NodeAccess(sharing, names, excluded);
    }

    public NodeAccess withExcluded(Set<String> names) {
        return new NodeAccess(sharing, required, names);
    }

    /** For people: {@code exclusive, on node1, node2, not on node3}; "" when nothing is asked. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        switch (sharing) {
            case EXCLUSIVE -> parts.add("nodes of its own (exclusive)");
            case USER -> parts.add("nodes shared only with its owner's jobs (exclusive=user)");
            default -> {
            }
        }
        if (!required.isEmpty()) {
            parts.add("node" + (required.size() == 1 ? " " : "s ") + String.join(", ", required));
        }
        if (!excluded.isEmpty()) {
            parts.add("not node" + (excluded.size() == 1 ? " " : "s ") + String.join(", ", excluded));
        }
        return String.join(" and ", parts);
    }

    private static final Pattern RANGE_PART = Pattern.compile("(\\d+)(?:-(\\d+))?");

    /**
     * Reads a Slurm host list: names separated by commas, each possibly with one bracketed range
     * list ({@code node[1-3,5],gpu[01-02]}; leading zeros are kept, as Slurm keeps them). A file
     * name (a list containing {@code /}) is refused: list the names.
     */
    public static SortedSet<String> parseHostList(String list, String option) {
        String s = list.trim();
        if (s.isEmpty()) {
            throw new InvalidRequestException(option + " needs node names, e.g. " + option + "=node[1-3],node5");
        }
        if (s.contains("/")) {
            throw new InvalidRequestException(option + "=" + list + ": reading node names from a file is not "
                    + "supported; list the names, e.g. " + option + "=node[1-3],node5");
        }
        SortedSet<String> out = new TreeSet<>();
        int i = 0;
        while (i < s.length()) {
            int open = -1;
            int j = i;
            // one entry runs to the next comma outside brackets
            while (j < s.length() && (s.charAt(j) != ',' || open >= 0)) {
                if (s.charAt(j) == '[') {
                    if (open >= 0) {
                        throw bad(list, option, "nested '['");
                    }
                    open = j;
                } else if (s.charAt(j) == ']') {
                    if (open < 0) {
                        throw bad(list, option, "']' without '['");
                    }
                    open = -2; // closed; a second bracket group is refused below
                }
                j++;
            }
            if (open >= 0) {
                throw bad(list, option, "'[' without ']'");
            }
            expand(s.substring(i, j).trim(), list, option, out);
            i = j + 1;
            if (j < s.length() && i >= s.length()) {
                throw bad(list, option, "a trailing ','");
            }
        }
        return out;
    }

    private static void expand(String entry, String list, String option, SortedSet<String> out) {
        if (entry.isEmpty()) {
            throw bad(list, option, "an empty name");
        }
        int open = entry.indexOf('[');
        if (open < 0) {
            add(out, checkName(entry, option), list, option);
            return;
        }
        int close = entry.indexOf(']');
        String prefix = entry.substring(0, open);
        String suffix = entry.substring(close + 1);
        if (suffix.contains("[")) {
            throw bad(list, option, "more than one [...] in '" + entry + "'");
        }
        for (String part : entry.substring(open + 1, close).split(",", -1)) {
            Matcher m = RANGE_PART.matcher(part.trim());
            if (!m.matches()) {
                throw bad(list, option, "'" + part + "' in '" + entry + "', where a number or a range like 1-3 "
                        + "belongs");
            }
            String from = m.group(1);
            String to = m.group(2) == null ? from : m.group(2);
            long a;
            long b;
            try {
                a = Long.parseLong(from);
                b = Long.parseLong(to);
            } catch (NumberFormatException e) {
                throw bad(list, option, "a number too large in '" + entry + "'");
            }
            if (b < a) {
                throw bad(list, option, "the range " + part + " going down");
            }
            if (b - a >= MAX_NAMES) {
                throw bad(list, option, "the range " + part + " naming more than " + MAX_NAMES + " nodes");
            }
            int width = from.length();
            for (long k = a; k <= b; k++) {
                String digits = String.format("%0" + width + "d", k);
                add(out, checkName(prefix + digits + suffix, option), list, option);
            }
        }
    }

    private static void add(SortedSet<String> out, String name, String list, String option) {
        out.add(name);
        if (out.size() > MAX_NAMES) {
            throw bad(list, option, "more than " + MAX_NAMES + " nodes");
        }
    }

    private static InvalidRequestException bad(String list, String option, String problem) {
        return new InvalidRequestException(option + "=" + list + " has " + problem + "; write names and ranges "
                + "like node[1-3,5],gpu01");
    }
}
