package dev.hpc.api.json;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.hpc.api.HpcException;
import dev.hpc.api.InvalidRequestException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * JSON text to and from plain maps and lists. The codecs build and read those maps by hand, so the
 * wire format is written down in one place and every decoding error names the field at fault.
 */
public final class Json {
    private static final JSON JSON_TEXT = JSON.builder().build()
            .with(JSON.Feature.WRITE_NULL_PROPERTIES)
            .without(JSON.Feature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final JSON PRETTY = JSON_TEXT.with(JSON.Feature.PRETTY_PRINT_OUTPUT);

    private Json() {
    }

    public static String write(Object value) {
        try {
            return JSON_TEXT.asString(value);
        } catch (IOException e) {
            throw new HpcException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    public static String writePretty(Object value) {
        try {
            return PRETTY.asString(value);
        } catch (IOException e) {
            throw new HpcException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Bytes as UTF-8 text, refusing what is not UTF-8 instead of turning it into U+FFFD (as a lenient
     * decoder would), so that what a client sent and what the head stores are the same text.
     */
    public static String utf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return decoder.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException("the text is not valid UTF-8 (near byte " + in.position()
                    + "); send UTF-8");
        }
    }

    /** Reads a JSON object; anything else is an {@link InvalidRequestException} saying what was found. */
    public static JsonFields readObject(String text) {
        Object value = readAny(text);
        if (!(value instanceof Map<?, ?> map)) {
            throw new InvalidRequestException("expected a JSON object, got " + describe(value));
        }
        return new JsonFields("", map);
    }

    public static Object readAny(String text) {
        try {
            return JSON_TEXT.anyFrom(text);
        } catch (IOException e) {
            String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidRequestException("malformed JSON: " + message);
        }
    }

    static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return "a number";
    }
}
