package dev.hpc.head.replication;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;

/**
 * Sets a job's or node's body in the replicated maps only when it is at least as new as the body there, on the
 * member that owns the entry and again on its backup. A body's version carries the epoch of the head that wrote
 * it in its high half, so a write a deposed head lands late (frozen between its lease check and the write) finds
 * the newer epoch's body and is refused; the head then stops instead of going on from a commit it could not
 * replicate ({@link StaleWriteException}). Equal versions are the same change written again (a recommit).
 *
 * <p>It goes to the owner and to the backup with every job written, so it is sent as Hazelcast's identified data
 * (the body alone, after two numbers) rather than through Java serialization, whose class descriptors and
 * object streams took more of the store writer's time than the write itself.
 */
final class SetIfNewer<K> implements EntryProcessor<K, String, Boolean>, IdentifiedDataSerializable {
    /** Registered with the head cluster's serialization ({@link HeadCluster}); the same on every head. */
    static final int FACTORY_ID = 7_001;
    private static final int CLASS_ID = 1;
    private static final long serialVersionUID = 1L;
    private String body;

    SetIfNewer(String body) {
        this.body = body;
    }

    /** For Hazelcast, which reads the body in with {@link #readData}. */
    private SetIfNewer() {
        this("");
    }

    static DataSerializableFactory factory() {
        return classId -> classId == CLASS_ID ? new SetIfNewer<>() : null;
    }

    @Override
    public int getFactoryId() {
        return FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return CLASS_ID;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(body);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        body = in.readString();
    }

    @Override
    public Boolean process(Map.Entry<K, String> entry) {
        String present = entry.getValue();
        if (present != null && version(present) > version(body)) {
            return false;
        }
        entry.setValue(body);
        return true;
    }

    /**
     * The top-level {@code "version"} of a JSON object, or -1 when it has none, read without parsing the body:
     * this runs on every commit, on a partition thread, and job bodies can be long.
     */
    static long version(String json) {
        int depth = 0;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') {
                int end = endOfString(json, i);
                int next = skipSpaces(json, end + 1);
                boolean key = next < json.length() && json.charAt(next) == ':';
                if (key && depth == 1 && end - i - 1 == 7 && json.startsWith("version", i + 1)) {
                    return number(json, skipSpaces(json, next + 1));
                }
                i = end;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
        return -1;
    }

    /** The index of the quote that closes the string opening at {@code open}. */
    private static int endOfString(String json, int open) {
        for (int i = open + 1; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        return json.length();
    }

    private static int skipSpaces(String json, int from) {
        int i = from;
        while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
            i++;
        }
        return i;
    }

    private static long number(String json, int from) {
        int i = from;
        while (i < json.length() && (Character.isDigit(json.charAt(i)) || json.charAt(i) == '-' && i == from)) {
            i++;
        }
        return i > from && !(i == from + 1 && json.charAt(from) == '-') ? Long.parseLong(json.substring(from, i)) : -1;
    }
}
