package dev.hpc.api.json;

import dev.hpc.api.InvalidRequestException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, path-aware reading of one JSON object. Every error says which field is wrong and what it
 * should be, for example {@code field 'resources.cores' must be an integer, got a string}.
 */
public final class JsonFields {
    private final String path;
    private final Map<?, ?> map;

    JsonFields(String path, Map<?, ?> map) {
        this.path = path;
        this.map = map;
    }

    public static JsonFields of(Map<?, ?> map) {
        return new JsonFields("", map);
    }

    private String name(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    public boolean has(String field) {
        return map.containsKey(field) && map.get(field) != null;
    }

    /** Refuses fields this object does not define, so a typo is an error rather than silently ignored. */
    public JsonFields allowOnly(Set<String> known) {
        Set<String> unknown = new TreeSet<>();
        for (Object key : map.keySet()) {
            if (!known.contains(String.valueOf(key))) {
                unknown.add(String.valueOf(key));
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidRequestException("unknown field" + (unknown.size() > 1 ? "s " : " ")
                    + unknown.stream().map(this::name).map(n -> "'" + n + "'").toList()
                    + "; known fields are " + new TreeSet<>(known));
        }
        return this;
    }

    private Object require(String field) {
        Object v = map.get(field);
        if (v == null) {
            throw new InvalidRequestException("field '" + name(field) + "' is required");
        }
        return v;
    }

    private InvalidRequestException wrongType(String field, String expected, Object v) {
        return new InvalidRequestException("field '" + name(field) + "' must be " + expected + ", got "
                + Json.describe(v));
    }

    public String string(String field) {
        Object v = require(field);
        if (!(v instanceof String s)) {
            throw wrongType(field, "a string", v);
        }
        return s;
    }

    public String string(String field, String fallback) {
        return has(field) ? string(field) : fallback;
    }

    public long longValue(String field) {
        Object v = require(field);
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger) {
            throw new InvalidRequestException("field '" + name(field) + "' is out of range: " + v);
        }
        throw wrongType(field, "an integer", v);
    }

    public long longValue(String field, long fallback) {
        return has(field) ? longValue(field) : fallback;
    }

    public int intValue(String field) {
        long v = longValue(field);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new InvalidRequestException("field '" + name(field) + "' is out of range: " + v);
        }
        return (int) v;
    }

    public int intValue(String field, int fallback) {
        return has(field) ? intValue(field) : fallback;
    }

    public double doubleValue(String field, double fallback) {
        if (!has(field)) {
            return fallback;
        }
        Object v = map.get(field);
        if (!(v instanceof Number n)) {
            throw wrongType(field, "a number", v);
        }
        return n.doubleValue();
    }

    public boolean bool(String field, boolean fallback) {
        if (!has(field)) {
            return fallback;
        }
        Object v = map.get(field);
        if (!(v instanceof Boolean b)) {
            throw wrongType(field, "true or false", v);
        }
        return b;
    }

    public JsonFields object(String field) {
        Object v = require(field);
        if (!(v instanceof Map<?, ?> m)) {
            throw wrongType(field, "an object", v);
        }
        return new JsonFields(name(field), m);
    }

    public List<JsonFields> objects(String field) {
        List<JsonFields> out = new ArrayList<>();
        if (!has(field)) {
            return out;
        }
        List<?> list = list(field);
        for (int i = 0; i < list.size(); i++) {
            Object v = list.get(i);
            if (!(v instanceof Map<?, ?> m)) {
                throw new InvalidRequestException("field '" + name(field) + "[" + i + "]' must be an object, got "
                        + Json.describe(v));
            }
            out.add(new JsonFields(name(field) + "[" + i + "]", m));
        }
        return out;
    }

    public List<String> strings(String field) {
        List<String> out = new ArrayList<>();
        if (!has(field)) {
            return out;
        }
        List<?> list = list(field);
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s)) {
                throw new InvalidRequestException("field '" + name(field) + "[" + i + "]' must be a string, got "
                        + Json.describe(list.get(i)));
            }
            out.add(s);
        }
        return out;
    }

    public List<Long> longs(String field) {
        List<Long> out = new ArrayList<>();
        if (!has(field)) {
            return out;
        }
        List<?> list = list(field);
        for (int i = 0; i < list.size(); i++) {
            Object v = list.get(i);
            if (!(v instanceof Integer || v instanceof Long)) {
                throw new InvalidRequestException("field '" + name(field) + "[" + i + "]' must be an integer, got "
                        + Json.describe(v));
            }
            out.add(((Number) v).longValue());
        }
        return out;
    }

    private List<?> list(String field) {
        Object v = require(field);
        if (!(v instanceof List<?> l)) {
            throw wrongType(field, "an array", v);
        }
        return l;
    }

    public Map<String, String> stringMap(String field) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!has(field)) {
            return out;
        }
        JsonFields o = object(field);
        for (Object key : o.map.keySet()) {
            out.put(String.valueOf(key), o.string(String.valueOf(key)));
        }
        return out;
    }

    public Map<String, Long> longMap(String field) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (!has(field)) {
            return out;
        }
        JsonFields o = object(field);
        for (Object key : o.map.keySet()) {
            out.put(String.valueOf(key), o.longValue(String.valueOf(key)));
        }
        return out;
    }

    public <E extends Enum<E>> E enumValue(String field, Class<E> type) {
        String s = string(field);
        try {
            return Enum.valueOf(type, s);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("field '" + name(field) + "' must be one of "
                    + Arrays.toString(type.getEnumConstants()) + ", got '" + s + "'");
        }
    }

    public Map<?, ?> raw() {
        return map;
    }
}
