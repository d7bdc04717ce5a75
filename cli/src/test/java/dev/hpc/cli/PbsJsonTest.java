package dev.hpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Values typed and laid out as OpenPBS's cJSON does (src/lib/Libjson/cJSON/pbs_cjson.c). */
class PbsJsonTest {
    @Test
    void wholeNumbersBecomeNumbersAsCjsonReadsThem() {
        assertEquals(8L, PbsJson.typed("8"));
        assertEquals(-1L, PbsJson.typed("-1"));
        assertEquals(7L, PbsJson.typed("007"));
        assertEquals(1L, PbsJson.typed("1."));
        assertEquals(2.5, PbsJson.typed("2.5"));
        assertEquals(1500L, PbsJson.typed(" 1.5e3 "));
    }

    @Test
    void textThatIsNotOneJsonValueStaysText() {
        for (String s : List.of("4gb", "00:01:01", "True", "node1/0", "1e", "+5", "0x10", "a b", "\"x\" 1", "",
                "[unclosed", "1,2")) {
            assertEquals(s, PbsJson.typed(s), s);
        }
    }

    @Test
    void jsonLiteralsAndQuotedTextAreParsed() {
        assertEquals(Boolean.TRUE, PbsJson.typed("true"));
        assertEquals(Boolean.FALSE, PbsJson.typed("false"));
        assertNull(PbsJson.typed("null"));
        assertEquals("quoted", PbsJson.typed("\"quoted\""));
        assertEquals(List.of(1, 2), PbsJson.typed("[1,2]"));
    }

    @Test
    void printsAsCjsonPrint() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("ncpus", 2L);
        inner.put("mem", "4gb");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("timestamp", 1700000000L);
        doc.put("nested", inner);
        doc.put("jobs", List.of("1.c", "2.c"));
        doc.put("empty", Map.of());
        doc.put("text", "a\"b\\c\td\u0001");
        doc.put("half", 0.5);

        assertEquals("{\n\t\"timestamp\":\t1700000000,\n\t\"nested\":\t{\n\t\t\"ncpus\":\t2,\n\t\t\"mem\":\t\"4gb\"\n\t},"
                + "\n\t\"jobs\":\t[\"1.c\", \"2.c\"],\n\t\"empty\":\t{\n\t},\n\t\"text\":\t\"a\\\"b\\\\c\\td\\u0001\",\n"
                + "\t\"half\":\t0.5\n}\n", PbsJson.print(doc));
    }
}
