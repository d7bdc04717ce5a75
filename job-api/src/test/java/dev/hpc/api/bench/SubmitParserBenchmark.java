package dev.hpc.api.bench;

import dev.hpc.api.job.JobSpec;
import dev.hpc.api.pbs.SubmitDefaults;
import dev.hpc.api.pbs.SubmitParser;
import dev.hpc.api.pbs.SubmitRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the head spends to turn one submission into a job spec: {@link SubmitParser#parse} of a
 * request as qsub sends it, with its command-line options.
 * <ul>
 *   <li>{@code typical}: a 20-line PBS script with 9 directives (name, queue, nodes and ppn, memory,
 *   walltime, output joining, mail, a variable list, an array) and qsub options overriding two;</li>
 *   <li>{@code large}: the same directives, then a 1 MiB-minus-a-little body of 20,000 shell lines
 *   (the largest script the head accepts is 1 MiB): the parser must find where the directives end
 *   and check the whole script.</li>
 * </ul>
 * Not part of {@code mvn verify}; run as docs/performance.md says.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class SubmitParserBenchmark {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC);
    private static final String DIRECTIVES = """
            #!/bin/bash
            #PBS -N md-run
            #PBS -q batch
            #PBS -l nodes=2:ppn=8
            #PBS -l mem=16gb
            #PBS -l walltime=12:00:00
            #PBS -j oe
            #PBS -m abe
            #PBS -v INPUT=/data/in,STEPS=1000
            #PBS -t 1-100%10
            """;
    private static final String TYPICAL_BODY = """
            module load gromacs
            cd "$PBS_O_WORKDIR"
            echo "task $PBS_ARRAYID on $(hostname)"
            gmx mdrun -s topol.tpr -deffnm run.$PBS_ARRAYID -nsteps "$STEPS"
            status=$?
            if [ $status -ne 0 ]; then echo failed >&2; fi
            cp run.$PBS_ARRAYID.* /data/out/
            exit $status
            """;

    @Param({"typical", "large"})
    public String script;

    private SubmitRequest request;

    @Setup
    public void build() {
        StringBuilder body = new StringBuilder(DIRECTIVES).append(TYPICAL_BODY);
        if (script.equals("large")) {
            for (int i = 0; body.length() < 1_000_000; i++) {
                body.append("echo \"step ").append(i).append(" of the analysis\" >> \"$PBS_O_WORKDIR/log.txt\"\n");
            }
        }
        request = new SubmitRequest(body.toString(), List.of("-l", "walltime=06:00:00", "-N", "md-short"), "alice",
                "login1", "/home/alice/run", Map.of("HOME", "/home/alice", "PATH", "/usr/bin:/bin"));
    }

    @Benchmark
    public JobSpec parse() {
        return SubmitParser.parse(request, SubmitDefaults.STANDARD, CLOCK);
    }

    /** Without JMH: one parse's result and the mean of many, for a quick look. */
    public static void main(String[] args) {
        for (String kind : List.of("typical", "large")) {
            SubmitParserBenchmark b = new SubmitParserBenchmark();
            b.script = kind;
            b.build();
            System.out.println(kind + ": " + b.parse().name() + " " + b.parse().resources());
            int n = kind.equals("large") ? 200 : 20_000;
            for (int i = 0; i < n; i++) {
                b.parse();
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                b.parse();
            }
            System.out.printf("%s: %.1f us per parse%n", kind, (System.nanoTime() - t0) / 1e3 / n);
        }
    }
}
