package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What every node of a job must be (issue 18): node properties, as Torque's
 * {@code nodes=2:ppn=8:ib}, {@code -l feature=} and Slurm's {@code --constraint} ask for them, and
 * PBS Pro string-valued host resources ({@code select=...:gpu_model=v100}).
 *
 * <p>{@code anyOf} is a choice of property sets: a node qualifies when it holds every property of
 * at least one of them ({@code ib&bigmem|opa} is {@code [[bigmem, ib], [opa]]}); empty means no
 * property is asked for. Each node of a multi-node job is checked on its own, as Slurm checks a
 * plain {@code |}. {@code resources} are host resources whose value a node must have exactly.
 */
public record NodeConstraint(List<SortedSet<String>> anyOf, Map<String, String> resources) {

    public static final NodeConstraint NONE = new NodeConstraint(List.of(), Map.of());
    /** A request joined from several options may not spread into more choices than this. */
    public static final int MAX_CHOICES = 64;

    public NodeConstraint {
        LinkedHashSet<SortedSet<String>> sets = new LinkedHashSet<>();
        for (Set<String> s : anyOf) {
            if (s.isEmpty()) {
                throw new InvalidRequestException("an empty choice of node properties; write e.g. ib&bigmem|opa");
            }
            s.forEach(NodeTraits::property);
            sets.add(Collections.unmodifiableSortedSet(new TreeSet<>(s)));
        }
        if (sets.size() > MAX_CHOICES) {
            throw new InvalidRequestException("the node properties asked for make " + sets.size() + " choices; at most "
                    + MAX_CHOICES + " are allowed: write fewer | alternatives");
        }
        anyOf = List.copyOf(sets);
        resources = resources.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(resources));
        resources.forEach((name, value) -> NodeTraits.value(NodeTraits.resourceName(name), value));
    }

    /** Every node must hold all of these properties. */
    public static NodeConstraint allOf(Set<String> properties) {
        return properties.isEmpty() ? NONE : new NodeConstraint(List.of(new TreeSet<>(properties)), Map.of());
    }

    /** Every node must have this value of a host resource. */
    public static NodeConstraint resource(String name, String value) {
        return new NodeConstraint(List.of(), Map.of(NodeTraits.resourceName(name), value));
    }

    public boolean isEmpty() {
        return anyOf.isEmpty() && resources.isEmpty();
    }

    /** Whether a node of these traits may run the job. */
    public boolean admits(NodeTraits node) {
        for (Map.Entry<String, String> e : resources.entrySet()) {
            if (!e.getValue().equals(node.resources().get(e.getKey()))) {
                return false;
            }
        }
        if (anyOf.isEmpty()) {
            return true;
        }
        for (Set<String> s : anyOf) {
            if (node.properties().containsAll(s)) {
                return true;
            }
        }
        return false;
    }

    /** Both constraints: every choice of one joined with every choice of the other. */
    public NodeConstraint and(NodeConstraint other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        Map<String, String> values = new TreeMap<>(resources);
        other.resources.forEach((name, value) -> {
            String before = values.putIfAbsent(name, value);
            if (before != null && !before.equals(value)) {
                throw new InvalidRequestException("the job asks for both " + name + "=" + before + " and " + name + "="
                        + value + "; a node has one value of " + name + ": ask for one");
            }
        });
        List<SortedSet<String>> sets;
        if (anyOf.isEmpty()) {
            sets = other.anyOf;
        } else if (other.anyOf.isEmpty()) {
            sets = anyOf;
        } else {
            if ((long) anyOf.size() * other.anyOf.size() > MAX_CHOICES) {
                throw new InvalidRequestException("the node properties asked for make " + anyOf.size() * other.anyOf.size()
                        + " choices; at most " + MAX_CHOICES + " are allowed: write fewer | alternatives");
            }
            sets = new ArrayList<>();
            for (SortedSet<String> a : anyOf) {
                for (SortedSet<String> b : other.anyOf) {
                    SortedSet<String> both = new TreeSet<>(a);
                    both.addAll(b);
                    sets.add(both);
                }
            }
        }
        return new NodeConstraint(sets, values);
    }

    /**
     * Reads a Slurm {@code --constraint} or Torque {@code feature} expression: names joined with
     * {@code &} (and) and {@code |} (or), {@code &} binding first. Slurm's brackets, parentheses,
     * counts ({@code a*2}) and {@code ,} are refused, saying what to write instead.
     */
    public static NodeConstraint parseFeatures(String expression) {
        String e = expression.trim();
        if (e.isEmpty()) {
            throw new InvalidRequestException("the constraint is empty; name a node feature, e.g. ib or ib&bigmem");
        }
        for (char c : new char[] {'[', ']', '(', ')', '*', ',', '!'}) {
            if (e.indexOf(c) >= 0) {
                throw new InvalidRequestException("'" + expression + "': '" + c + "' is not supported in a constraint; "
                        + "join feature names with & (and) and | (or), e.g. ib&bigmem or skylake|cascadelake");
            }
        }
        List<SortedSet<String>> sets = new ArrayList<>();
        for (String alternative : e.split("\\|", -1)) {
            SortedSet<String> all = new TreeSet<>();
            for (String name : alternative.split("&", -1)) {
                String n = name.trim();
                if (n.isEmpty()) {
                    throw new InvalidRequestException("'" + expression + "' has an empty feature name; write names "
                            + "joined with & or |, e.g. ib&bigmem");
                }
                all.add(NodeTraits.property(n));
            }
            sets.add(all);
        }
        return new NodeConstraint(sets, Map.of());
    }

    /** The properties as {@link #parseFeatures} reads them back ({@code bigmem&ib|opa}); "" when none. */
    public String features() {
        List<String> alternatives = new ArrayList<>();
        for (SortedSet<String> s : anyOf) {
            alternatives.add(String.join("&", s));
        }
        return String.join("|", alternatives);
    }

    /**
     * The properties written Torque's way, {@code :ib:bigmem}, when there is one choice; "" otherwise
     * (a choice has no {@code nodes=} form: see {@link #features()}).
     */
    public String nodesSuffix() {
        if (anyOf.size() != 1) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        anyOf.get(0).forEach(p -> b.append(':').append(p));
        return b.toString();
    }

    /** What no node of the given traits offers, to say why a job waits; "" when some node admits it. */
    public String unmetBy(Iterable<NodeTraits> nodes) {
        if (isEmpty()) {
            return "";
        }
        Set<String> properties = new TreeSet<>();
        Map<String, Set<String>> values = new TreeMap<>();
        for (NodeTraits n : nodes) {
            if (admits(n)) {
                return "";
            }
            properties.addAll(n.properties());
            n.resources().forEach((k, v) -> values.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
        }
        List<String> missing = new ArrayList<>();
        resources.forEach((name, value) -> {
            if (!values.getOrDefault(name, Set.of()).contains(value)) {
                missing.add(name + "=" + value);
            }
        });
        if (!anyOf.isEmpty() && anyOf.stream().noneMatch(properties::containsAll)) {
            Set<String> absent = new TreeSet<>();
            anyOf.forEach(s -> s.stream().filter(p -> !properties.contains(p)).forEach(absent::add));
            absent.forEach(p -> missing.add("property " + p));
        }
        if (missing.isEmpty()) {
            return "no node has all of " + describe() + " together";
        }
        return "no node has " + String.join(", ", missing);
    }

    /** For people: {@code properties ib&bigmem, gpu_model=v100}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (!anyOf.isEmpty()) {
            parts.add((anyOf.size() == 1 && anyOf.get(0).size() == 1 ? "property " : "properties ") + features());
        }
        resources.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(", ", parts);
    }
}
