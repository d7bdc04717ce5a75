package dev.hpc.api.pbs;

import dev.hpc.api.HpcException;
import dev.hpc.api.job.JobId;
import dev.hpc.api.wire.WireCodec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #15: the parsers and codecs that read what clients type or send answer with a value or their
 * one documented refusal ({@link HpcException}), for any text at all; a value they print reads back
 * the same. jqwik shrinks a failing input to the smallest that still fails.
 */
class ParserProperties {

    /** What any input may do: give a value, or be refused with the project's own exception. */
    private static void valueOrRefusal(String input, Supplier<?> parse) {
        try {
            assertTrue(parse.get() != null, input);
        } catch (HpcException refused) {
            assertTrue(refused.getMessage() != null && !refused.getMessage().isBlank(), "a refusal says why");
        }
    }

    /** Text near the grammar: its own characters, the digits that overflow types, escapes and odd bytes. */
    @Provide
    Arbitrary<String> nearlyValid() {
        Arbitrary<String> pieces = Arbitraries.of("1", "42", "0", "-", "[", "]", "[]", ".", ".c", ":", "%", ",", "-1",
                "99999999999", "9223372036854775808", "2147483648", "\u0000", "\u0663", " ", "\n", "{", "}", "\"",
                "\"type\"", ":\"register\"", "null", "[7]", "1-10", ":2", "%5", "h", "m", "gb", "kb", "T", "Z");
        return pieces.list().ofMaxSize(12).map(l -> String.join("", l));
    }

    @Property(tries = 3000)
    void jobIdsParseOrAreRefusedWhateverTheText(@ForAll("nearlyValid") String text) {
        valueOrRefusal(text, () -> JobId.parse(text));
    }

    @Property(tries = 3000)
    void jobIdsParseOrAreRefusedForAnyString(@ForAll String text) {
        valueOrRefusal(text, () -> JobId.parse(text));
    }

    @Provide
    Arbitrary<JobId.JobRef> jobRefs() {
        Arbitrary<Long> numbers = Arbitraries.longs().between(1, 999_999_999_999_999_999L);
        Arbitrary<Optional<String>> clusters = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1)
                .ofMaxLength(8).optional();
        Arbitrary<Optional<Integer>> indices = Arbitraries.integers().between(0, 999_999_999).optional();
        return Combinators.combine(numbers, clusters, Arbitraries.of(true, false), indices)
                .as((n, c, bracketed, i) -> new JobId.JobRef(n, c, bracketed, bracketed ? i : Optional.empty()));
    }

    @Property(tries = 2000)
    void aPrintedJobIdReadsBackTheSame(@ForAll("jobRefs") JobId.JobRef ref) {
        assertEquals(ref, JobId.parse(ref.toString()));
    }

    @Property(tries = 2000)
    void workerMessagesDecodeOrAreRefused(@ForAll("nearlyValid") String text) {
        valueOrRefusal(text, () -> WireCodec.decodeFromWorker(text));
        valueOrRefusal(text, () -> WireCodec.decodeFromHead(text));
    }

    @Property(tries = 2000)
    void workerMessagesDecodeOrAreRefusedForAnyString(@ForAll String text) {
        valueOrRefusal(text, () -> WireCodec.decodeFromWorker(text));
    }

    @Property(tries = 2000)
    void sizesWalltimesAndArraysParseOrAreRefused(@ForAll("nearlyValid") String text) {
        valueOrRefusal(text, () -> Sizes.parsePbs(text));
        valueOrRefusal(text, () -> Sizes.parseSlurm(text));
        valueOrRefusal(text, () -> Walltimes.parsePbs(text));
        valueOrRefusal(text, () -> Walltimes.parseSlurm(text));
        valueOrRefusal(text, () -> ArrayRanges.parseList(text));
        valueOrRefusal(text, () -> ArrayRanges.parseRange(text));
        valueOrRefusal(text, () -> DeferredStart.parse(text, ZonedDateTime.of(2026, 11, 24, 3, 0, 0, 0,
                ZoneOffset.UTC)));
    }

    @Property(tries = 1000)
    void aFormattedSizeReadsBackTheSame(@ForAll @LongRange(min = 0, max = 1L << 50) long bytes) {
        assertEquals(bytes, Sizes.parsePbs(Sizes.format(bytes)));
    }

    @Property(tries = 1000)
    void aFormattedWalltimeReadsBackTheSame(@ForAll @IntRange(min = 1, max = 365 * 24 * 3600) int seconds) {
        java.time.Duration d = java.time.Duration.ofSeconds(seconds);
        assertEquals(d, Walltimes.parsePbs(Walltimes.format(d)));
    }
}
