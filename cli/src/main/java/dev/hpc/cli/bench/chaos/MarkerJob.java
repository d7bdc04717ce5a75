package dev.hpc.cli.bench.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The job every submission of the suite runs, and how to read what it wrote. The body appends a line when it
 * starts and another when it ends to one file per submission:
 *
 * <pre>JOBID ATTEMPT NODE START_NS -
 * JOBID ATTEMPT NODE START_NS END_NS</pre>
 *
 * <p>{@code JOBID} is {@code PBS_JOBID}, {@code ATTEMPT} the attempt id (the name of the directory above the
 * task's {@code TMPDIR}), {@code NODE} is {@code HPC_WORKER_NODE}, and the times are {@code date +%s%N}: the
 * wall clock, which this machine's processes share. The file is named after the submission, not the job, so
 * that a second job made for one submission writes beside the first and shows.
 */
public final class MarkerJob {
    private MarkerJob() {
    }

    /** One run of a job body, as its lines tell: a start line, and an end line unless it was killed first. */
    public record Execution(long jobNumber, String jobId, String attempt, String node, long startNs,
                            OptionalLong endNs) {
        public boolean ended() {
            return endNs.isPresent();
        }
    }

    /** What a marker file held: the runs, and the lines that were not marker lines (a torn write). */
    public record Marks(List<Execution> executions, List<String> malformed) {
        public Marks {
            executions = List.copyOf(executions);
            malformed = List.copyOf(malformed);
        }

        public static Marks none() {
            return new Marks(List.of(), List.of());
        }
    }

    /** The script of one submission: its marker file is {@code marksDir/name}. */
    public static String script(Path marksDir, String name, Duration sleep) {
        String file = marksDir.resolve(name).toString();
        return "#!/bin/sh\n"
                + "m='" + file.replace("'", "'\\''") + "'\n"
                + "a=$(basename \"$(dirname \"$TMPDIR\")\")\n"
                + "s=$(date +%s%N)\n"
                + "echo \"$PBS_JOBID $a $HPC_WORKER_NODE $s -\" >> \"$m\"\n"
                + "sleep " + seconds(sleep) + "\n"
                + "echo \"$PBS_JOBID $a $HPC_WORKER_NODE $s $(date +%s%N)\" >> \"$m\"\n";
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }

    /** The runs the lines of one marker file describe; an end line completes the start line of the same run. */
    public static Marks parse(List<String> lines) {
        Map<String, Execution> runs = new LinkedHashMap<>();
        List<String> malformed = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.strip().split(" ");
            OptionalLong number = jobNumber(f.length > 0 ? f[0] : "");
            if (f.length != 5 || number.isEmpty() || !isLong(f[3]) || !(f[4].equals("-") || isLong(f[4]))) {
                malformed.add(line);
                continue;
            }
            String run = f[0] + " " + f[1] + " " + f[2] + " " + f[3];
            OptionalLong end = f[4].equals("-") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(f[4]));
            Execution known = runs.get(run);
            if (known == null || end.isPresent()) {
                runs.put(run, new Execution(number.getAsLong(), f[0], f[1], f[2], Long.parseLong(f[3]), end));
            }
        }
        return new Marks(new ArrayList<>(runs.values()), malformed);
    }

    /** The number of a job id as the head and qsub print it ({@code 42.cluster}), or empty. */
    public static OptionalLong jobNumber(String id) {
        int end = 0;
        while (end < id.length() && Character.isDigit(id.charAt(end))) {
            end++;
        }
        if (end == 0 || end > 18 || (end < id.length() && id.charAt(end) != '.')) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(id.substring(0, end)));
    }

    private static boolean isLong(String s) {
        return !s.isEmpty() && s.length() <= 19 && s.chars().allMatch(Character::isDigit);
    }
}
