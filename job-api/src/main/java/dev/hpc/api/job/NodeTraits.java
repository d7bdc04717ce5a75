package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What kind of node a worker is, as it declares it (issue 18): Torque's node properties, which
 * Slurm calls features ({@code ib}, {@code bigmem}), and PBS Pro's string-valued host resources
 * ({@code gpu_model=v100}, {@code host_type=skylake}). Jobs ask for them with a
 * {@link NodeConstraint}; unlike cores or generic resources they are not used up by a task.
 *
 * <p>Property names and values are compared exactly (case matters, as in Torque and Slurm);
 * resource names are kept in lower case, as every resource name of {@code -l} is.
 */
public record NodeTraits(Set<String> properties, Map<String, String> resources) {

    public static final NodeTraits NONE = new NodeTraits(Set.of(), Map.of());
    /** At most this many properties or resources per node, and characters per name or value. */
    public static final int MAX_ENTRIES = 256;
    public static final int MAX_LENGTH = 64;

    private static final Pattern PROPERTY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern RESOURCE_NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9_.+-]+");

    public NodeTraits {
        properties = properties.isEmpty() ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(properties));
        resources = resources.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(resources));
        if (properties.size() > MAX_ENTRIES || resources.size() > MAX_ENTRIES) {
            throw new InvalidRequestException("a node declares at most " + MAX_ENTRIES + " properties and "
                    + MAX_ENTRIES + " resources");
        }
        properties.forEach(NodeTraits::property);
        resources.forEach((name, value) -> {
            resourceName(name);
            value(name, value);
        });
    }

    public boolean isEmpty() {
        return properties.isEmpty() && resources.isEmpty();
    }

    /**
     * Checks a property (feature) name: letters, digits, {@code _}, {@code .} and {@code -}, starting
     * with a letter or digit, not only digits (a count is not a property).
     */
    public static String property(String name) {
        if (name.length() > MAX_LENGTH || !PROPERTY.matcher(name).matches() || name.chars().allMatch(Character::isDigit)) {
            throw new InvalidRequestException("'" + name + "' is not a node property; properties are letters, digits, "
                    + "'_', '.' and '-' (at most " + MAX_LENGTH + ", not only digits), e.g. ib or bigmem");
        }
        return name;
    }

    /** Checks a host resource name and gives it in lower case, as {@code -l} names are kept. */
    public static String resourceName(String written) {
        String name = written.toLowerCase(Locale.ROOT);
        if (name.length() > MAX_LENGTH || !RESOURCE_NAME.matcher(name).matches()) {
            throw new InvalidRequestException("'" + written + "' is not a resource name; names are letters, digits "
                    + "and _, starting with a letter, e.g. gpu_model");
        }
        return name;
    }

    /** Checks the value of a string-valued host resource. */
    public static String value(String name, String value) {
        if (value.length() > MAX_LENGTH || !VALUE.matcher(value).matches()) {
            throw new InvalidRequestException(name + "=" + value + ": a resource value is letters, digits, '_', '.', "
                    + "'+' and '-' (at most " + MAX_LENGTH + "), e.g. " + name + "=v100");
        }
        return value;
    }

    /**
     * Reads a worker's declaration: {@code properties} as {@code ib,bigmem} and each of
     * {@code resources} as {@code NAME=VALUE}. Throws naming the flag ({@code flagPrefix}) to fix.
     */
    public static NodeTraits parse(String properties, Iterable<String> resources, String propertiesFlag,
                                   String resourceFlag) {
        Set<String> props = new TreeSet<>();
        for (String p : properties.split(",", -1)) {
            String t = p.trim();
            if (t.isEmpty()) {
                if (!properties.isBlank()) {
                    throw new InvalidRequestException(propertiesFlag + " '" + properties + "' has an empty entry; "
                            + "write names separated by commas, e.g. ib,bigmem");
                }
                continue;
            }
            try {
                props.add(property(t));
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException(propertiesFlag + ": " + e.getMessage());
            }
        }
        Map<String, String> values = new TreeMap<>();
        for (String r : resources) {
            int eq = r.indexOf('=');
            if (eq <= 0) {
                throw new InvalidRequestException(resourceFlag + " '" + r + "' must be NAME=VALUE, e.g. "
                        + "gpu_model=v100");
            }
            try {
                String name = resourceName(r.substring(0, eq).trim());
                if (values.containsKey(name)) {
                    throw new InvalidRequestException("'" + name + "' is given twice; give each resource once");
                }
                values.put(name, value(name, r.substring(eq + 1).trim()));
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException(resourceFlag + " " + r + ": " + e.getMessage());
            }
        }
        return new NodeTraits(props, values);
    }
}
