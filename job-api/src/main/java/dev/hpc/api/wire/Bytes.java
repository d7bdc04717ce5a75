package dev.hpc.api.wire;

import java.util.Arrays;

/**
 * Bytes held as a value, for the messages that carry some ({@link WireMessage.OutputChunk},
 * {@link WireMessage.SessionInput}, {@link WireMessage.SpawnOutput}): copied in and out, so that neither the
 * sender nor a reader can change a message once made, and equal to other bytes of the same content.
 */
public final class Bytes {
    private final byte[] data;

    private Bytes(byte[] data) {
        this.data = data;
    }

    /** A copy of {@code data}. */
    public static Bytes copyOf(byte[] data) {
        return new Bytes(data.clone());
    }

    /** A copy of the bytes. */
    public byte[] toArray() {
        return data.clone();
    }

    public int length() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return data.length + " bytes";
    }
}
