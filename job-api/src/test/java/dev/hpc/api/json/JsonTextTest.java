package dev.hpc.api.json;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-written string literals of hpc-rsh's requests and of the OpenPBS-shaped -F json output. */
class JsonTextTest {
    private static String quoted(String s) {
        StringBuilder b = new StringBuilder();
        JsonText.quote(b, s);
        return b.toString();
    }

    @Test
    void controlCharactersGetCJsonsEscapesAndTheRestStaysAsItIs() {
        assertEquals("\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f é\"", quoted("a\"b\\c\b\f\n\r\t\u0001\u001f é"));
    }

    @Test
    void theLibraryReadsBackEveryCharacterBelowASpace() {
        StringBuilder all = new StringBuilder("\"\\");
        for (char c = 0; c < ' '; c++) {
            all.append(c);
        }
        String text = all.toString();
        StringBuilder doc = new StringBuilder("{\"v\":");
        JsonText.quote(doc, text);
        assertEquals(text, Json.readObject(doc.append('}').toString()).string("v"));
    }
}
