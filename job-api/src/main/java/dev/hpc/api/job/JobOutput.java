package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.json.JsonFields;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A part of a task's standard output or error, as {@code GET /api/v1/jobs/{id}/output} answers it
 * ({@code hpc peek}, the web view's live output). {@code data} is the text of the bytes from
 * {@code offset} to {@code next} (UTF-8; a character cut at either end is left for the neighbouring
 * read, and bytes that are not UTF-8 become U+FFFD). {@code size} is the file's size when it was read;
 * {@code eof} says {@code next} reached it. {@code running} says the task still runs, so more may come.
 * {@code node} and {@code path} say where the file is.
 */
public record JobOutput(String task, Stream stream, String data, long offset, long next, long size, boolean eof,
                        boolean running, JobState state, String node, String path) {

    /** Which of a task's two output files. */
    public enum Stream {
        STDOUT, STDERR;

        /** The name in the API and on the worker link: {@code stdout}, {@code stderr}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Stream parse(String text) {
            for (Stream s : values()) {
                if (s.wireName().equals(text.strip().toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
            throw new InvalidRequestException("stream '" + text + "' is not one of stdout, stderr");
        }
    }

    /** The most bytes one read returns (the API's {@code limit}, the worker's read). */
    public static final int MAX_BYTES = 1 << 20;
    /** The bytes one read returns when the caller does not say. */
    public static final int DEFAULT_BYTES = 64 * 1024;

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("stream", stream.wireName());
        m.put("data", data);
        m.put("offset", offset);
        m.put("next", next);
        m.put("size", size);
        m.put("eof", eof);
        m.put("running", running);
        m.put("state", state.name());
        m.put("node", node);
        m.put("path", path);
        return m;
    }

    public static JobOutput fromMap(JsonFields f) {
        return new JobOutput(f.string("task", ""), Stream.parse(f.string("stream", "stdout")), f.string("data"),
                f.longValue("offset"), f.longValue("next"), f.longValue("size"), f.bool("eof", false),
                f.bool("running", false), f.enumValue("state", JobState.class), f.string("node", ""),
                f.string("path", ""));
    }
}
