package dev.hpc.head.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bytes of an output file as text for the API: UTF-8, with U+FFFD for what is not UTF-8. A read from
 * the middle of a file may begin inside a character: its trailing bytes are skipped (they belong to
 * the read before). A read may end inside a character when more is to come: that character is left
 * for the next read, so a reader that follows a file with {@code next} never sees it broken. Pure.
 */
final class OutputText {
    /** The text and the byte range it stands for. */
    record Piece(String text, long offset, long next) {
    }

    private OutputText() {
    }

    /**
     * @param offset where {@code data} starts in the file
     * @param more   whether bytes may follow {@code data} (the file is longer, or the task still writes)
     */
    static Piece decode(byte[] data, long offset, boolean more) {
        int from = 0;
        if (offset > 0) {
            while (from < Math.min(3, data.length) && isContinuation(data[from])) {
                from++;
            }
        }
        int to = data.length;
        if (more) {
            int cut = incompleteTail(data, from, to);
            if (cut > from) {
                to = cut;
            }
        }
        return new Piece(utf8(data, from, to), offset + from, offset + to);
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }

    /** Where a character that the end of {@code data[from, to)} cuts begins, or {@code to} when none is cut. */
    private static int incompleteTail(byte[] data, int from, int to) {
        for (int i = to - 1; i >= Math.max(from, to - 3); i--) {
            int b = data[i] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue;
            }
            int length = b >= 0xF8 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return i + length > to ? i : to;
        }
        return to;
    }

    private static String utf8(byte[] data, int from, int to) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            return decoder.decode(ByteBuffer.wrap(data, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("should never happen: a replacing decoder threw " + e, e);
        }
    }
}
