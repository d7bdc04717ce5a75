package dev.hpc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, end to end on real processes: a Torque-style and a Slurm-style script, each with
 * directives this cluster used to refuse, are accepted unchanged by qsub, run, and leave what their
 * directives ask for: {@code -F} arguments reach the script, Slurm's {@code %x}/{@code %j} name the
 * output file, and {@code qstat -f} shows what is recorded under the Torque/OpenPBS names. Node
 * properties and string-valued host resources that workers declare place jobs on their nodes only.
 * {@code -l pcput}, {@code file} and {@code vmem} are enforced as per-process limits.
 */
class SiteDirectivesIT {

    @TempDir
    Path work;

    @Test
    void torqueAndSlurmScriptsRunUnchanged() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        try (RealCluster cluster = RealCluster.start(work.resolve("c"), 1, 2,
                spec -> spec.withWorkerArgs(List.of("--properties", "skylake")))) {
            Cli cli = cluster.cli();
            Path torque = Files.writeString(submitDir.resolve("torque.pbs"), """
                    #!/bin/bash
                    #PBS -N torque_style
                    #PBS -l procs=2,walltime=10:00:60,vmem=1g,cput=1:00:00
                    #PBS -P climate
                    #PBS -W umask=022
                    #PBS -k oe
                    echo "args=$#:$1:$2"
                    """);
            Path slurm = Files.writeString(submitDir.resolve("slurm.sbatch"), """
                    #!/bin/bash
                    #SBATCH -J slurm_style
                    #SBATCH -t 0-0:5
                    #SBATCH -o logs-%x-%j.out
                    #SBATCH --qos=debug
                    #SBATCH --constraint=skylake
                    echo "ran as $SLURM_JOB_NAME$PBS_JOBNAME"
                    echo "to stderr" >&2
                    """);
            Path errorOnly = Files.writeString(submitDir.resolve("error-only.sbatch"), """
                    #!/bin/bash
                    #SBATCH -J error_only
                    #SBATCH -e only-%j.err
                    echo "to stdout"
                    echo "to stderr" >&2
                    """);
            Cli.Result t = cli.qsubIn(submitDir, "-F", "first 'second word'", torque.toString());
            assertEquals(0, t.exitCode(), t.describe());
            Cli.Result s = cli.qsubIn(submitDir, slurm.toString());
            assertEquals(0, s.exitCode(), s.describe());
            Cli.Result e = cli.qsubIn(submitDir, errorOnly.toString());
            assertEquals(0, e.exitCode(), e.describe());
            String torqueId = t.line();
            String slurmId = s.line();
            String errorOnlyId = e.line();

            Poll.until("the jobs complete", Poll.TIMEOUT, () -> {
                Map<String, Map<String, String>> shown = QstatFull.parse(cli.run("qstat", "-f", "-x", torqueId,
                        slurmId, errorOnlyId).out());
                // with -x a finished job shows OpenPBS's F
                return shown.size() == 3 && shown.values().stream().allMatch(a -> "F".equals(a.get("job_state")));
            }, () -> cli.run("qstat", "-f", "-x", torqueId, slurmId, errorOnlyId).describe());
            Map<String, Map<String, String>> shown = QstatFull.parse(cli.run("qstat", "-f", "-1", "-x", torqueId,
                    slurmId, errorOnlyId).out());

            Map<String, String> a = shown.get(torqueId);
            assertEquals("0", a.get("exit_status"), a.toString());
            String number = torqueId.substring(0, torqueId.indexOf('.'));
            assertEquals("args=2:first:second word\n",
                    Files.readString(submitDir.resolve("torque_style.o" + number)));
            assertEquals("10:01:00", a.get("Resource_List.walltime"), a.toString());
            assertEquals("1:ppn=2", a.get("Resource_List.nodes"), a.toString());
            assertEquals("2", a.get("Resource_List.procs"), a.toString());
            assertEquals("1gb", a.get("Resource_List.vmem"), a.toString());
            assertEquals("01:00:00", a.get("Resource_List.cput"), a.toString());
            assertEquals("climate", a.get("project"), a.toString());
            assertEquals("022", a.get("umask"), a.toString());
            assertEquals("first 'second word'", a.get("job_arguments"), a.toString());

            Map<String, String> b = shown.get(slurmId);
            assertEquals("0", b.get("exit_status"), b.toString());
            String slurmNumber = slurmId.substring(0, slurmId.indexOf('.'));
            Path log = submitDir.resolve("logs-slurm_style-" + slurmNumber + ".out");
            assertEquals("ran as slurm_style\nto stderr\n", Files.readString(log),
                    "#SBATCH -o without -e: both streams in the -o file, as in Slurm");
            assertEquals("oe", b.get("Join_Path"), b.toString());
            assertTrue(b.get("Output_Path").endsWith(":" + log), b.toString());
            assertEquals("00:05:00", b.get("Resource_List.walltime"), b.toString());
            assertEquals("debug", b.get("sbatch.qos"), b.toString());
            assertEquals("1:ppn=1:skylake", b.get("Resource_List.nodes"), b.toString());
            assertEquals("logs-%x-%j.out", b.get("sbatch.output"), b.toString());

            String errorOnlyNumber = number(errorOnlyId);
            assertEquals("to stdout\n", Files.readString(submitDir.resolve("slurm-" + errorOnlyNumber + ".out")),
                    "#SBATCH -e alone: the output goes to Slurm's slurm-%j.out");
            assertEquals("to stderr\n", Files.readString(submitDir.resolve("only-" + errorOnlyNumber + ".err")));
        }
    }

    /**
     * Two workers of two kinds ({@code --properties ib,rackN --resource gpu_model=mN}, one GPU each): Torque
     * properties, PBS Pro host resources, Slurm constraints and Slurm GPU types ({@code --gres=gpu:m2:1},
     * {@code --gpus=m1:1}) each start the job on the node of its kind only; a property or GPU type no
     * node has is refused at submission, naming the properties there; an undeclared host
     * resource is refused at qsub, naming the known ones; pbsnodes shows what each node declared.
     */
    @Test
    void nodePropertiesAndHostResourcesPlaceJobs() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("kinds"));
        try (RealCluster cluster = RealCluster.start(work.resolve("k"), 2, 2, spec -> spec.withWorkerArgs(
                // no container runtime: the node property it adds where Podman is installed is not this test's
                List.of("--properties", "ib,rack{index}", "--resource", "gpu_model=m{index}", "--generic",
                "gpu=1", "--container-runtime", "none")))) {
            Cli cli = cluster.cli();
            Map<String, String> scripts = new java.util.LinkedHashMap<>();
            scripts.put("torque", "#PBS -l nodes=1:ppn=1:rack2\n");
            scripts.put("pbspro", "#PBS -l select=1:ncpus=1:gpu_model=m1\n");
            scripts.put("slurm_and", "#SBATCH -C rack1&ib\n");
            scripts.put("slurm_or", "#SBATCH --constraint=rack9|rack2\n");
            scripts.put("both", "#PBS -l nodes=2:ppn=1:ib\n");
            scripts.put("gres_typed", "#SBATCH --gres=gpu:m2:1\n");
            scripts.put("gpus_typed", "#SBATCH --gpus=m1:1\n");
            Map<String, String> ids = new java.util.LinkedHashMap<>();
            submitEach(cli, submitDir, scripts, ids,
                    (name, body) -> "#!/bin/bash\n#PBS -N " + name + "\n" + body + "true\n");
            Path nowhere = Files.writeString(submitDir.resolve("nowhere.sh"),
                    "#!/bin/bash\n#PBS -l nodes=1:ppn=1:bigmem\ntrue\n");
            Cli.Result nowhereRefused = cli.qsubIn(submitDir, nowhere.toString());
            assertTrue(nowhereRefused.exitCode() != 0 && nowhereRefused.err().contains("no node has property bigmem")
                    && nowhereRefused.err().contains("properties there: ib, rack1, rack2"),
                    "a kind of node the cluster does not have would never run: " + nowhereRefused.describe());
            Path noModel = Files.writeString(submitDir.resolve("nomodel.sh"),
                    "#!/bin/bash\n#SBATCH --gres=gpu:v100:1\ntrue\n");
            Cli.Result noModelRefused = cli.qsubIn(submitDir, noModel.toString());
            assertTrue(noModelRefused.exitCode() != 0
                    && noModelRefused.err().contains("the job asks for gpu_model=v100 but no node has gpu_model=v100"),
                    "a GPU type no node has would never run: " + noModelRefused.describe());
            Path typo = Files.writeString(submitDir.resolve("typo.sh"),
                    "#!/bin/bash\n#PBS -l select=1:ncpus=1:gpu_modle=m1\ntrue\n");
            Cli.Result refused = cli.qsubIn(submitDir, typo.toString());
            assertTrue(refused.exitCode() != 0 && refused.err().contains("gpu_modle")
                    && refused.err().contains("known are gpu_model"), refused.describe());

            Map<String, Map<String, String>> shown = awaitFinished(cli, ids.values(),
                    "the jobs of each kind complete");
            Map<String, String> where = new java.util.TreeMap<>();
            ids.forEach((name, id) -> where.put(name, String.join("+", new java.util.TreeSet<>(List.of(
                    shown.get(id).get("exec_host").replaceAll("/[0-9-]+", "").split("\\+"))))));
            assertEquals(Map.of("torque", "node2", "pbspro", "node1", "slurm_and", "node1", "slurm_or", "node2",
                    "both", "node1+node2", "gres_typed", "node2", "gpus_typed", "node1"), where, shown.toString());
            assertEquals("m2", shown.get(ids.get("gres_typed")).get("Resource_List.gpu_model"));
            assertEquals("1:ppn=1:rack2", shown.get(ids.get("torque")).get("Resource_List.nodes"));
            assertEquals("m1", shown.get(ids.get("pbspro")).get("Resource_List.gpu_model"));

            Cli.Result nodes = cli.run("pbsnodes", "-a");
            assertTrue(nodes.out().contains("node1\n") && nodes.out().contains("     properties = ib,rack1\n")
                    && nodes.out().contains("     properties = ib,rack2\n")
                    && nodes.out().contains("     resources_available.gpu_model = m2\n"), nodes.describe());
            Cli.Result json = cli.run("pbsnodes", "-a", "-F", "json");
            assertTrue(java.util.regex.Pattern.compile("\"properties\":\\s*\"ib,rack1\"").matcher(json.out()).find(),
                    json.describe());
        }
    }

    /**
     * The interpreter line and {@code -S}: a {@code #!/usr/bin/env python3} script runs under
     * python, {@code -S} runs the script with the shell it names over the {@code #!} line, and a
     * shell missing on the node fails the job with a comment that names it.
     */
    @Test
    void theInterpreterLineAndMinusSChooseWhatRunsTheScript() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("shells"));
        try (RealCluster cluster = RealCluster.start(work.resolve("s"), 1, 2)) {
            Cli cli = cluster.cli();
            Map<String, String> scripts = new java.util.LinkedHashMap<>();
            scripts.put("hashbang", "#!/usr/bin/env python3\n#PBS -N hashbang\nimport sys\nprint('python', "
                    + "sys.version_info[0])\n");
            scripts.put("minus_s", "#!/bin/bash\n#PBS -N minus_s\n#PBS -S /usr/bin/python3\nprint('via -S')\n");
            scripts.put("missing", "#!/bin/bash\n#PBS -N missing\n#PBS -S /no/such/tcsh\necho never\n");
            Map<String, String> ids = new java.util.LinkedHashMap<>();
            submitEach(cli, submitDir, scripts, ids, (name, body) -> body);
            Map<String, Map<String, String>> shown = awaitFinished(cli, ids.values(), "the three jobs end");
            String hashbang = ids.get("hashbang");
            String minusS = ids.get("minus_s");
            assertEquals("python 3\n", Files.readString(submitDir.resolve("hashbang.o" + number(hashbang))));
            assertEquals("via -S\n", Files.readString(submitDir.resolve("minus_s.o" + number(minusS))));
            assertEquals("/usr/bin/python3", shown.get(minusS).get("Shell_Path_List"), shown.get(minusS).toString());
            Map<String, String> missing = shown.get(ids.get("missing"));
            assertTrue(!"0".equals(missing.get("exit_status"))
                    && String.valueOf(missing.get("comment")).contains("the shell /no/such/tcsh that -S names is not "
                    + "an executable file on node node1"), missing.toString());
            assertTrue(Files.readString(submitDir.resolve("missing.e" + number(ids.get("missing"))))
                    .contains("/no/such/tcsh"), "the job's error file says it too");
        }
    }

    /**
     * {@code -l pcput}, {@code file} and {@code vmem} are per-process limits on the node: a script past its CPU
     * time ends with 152 (128 + SIGXCPU), one writing past its file size with 153 (128 + SIGXFSZ), each with a
     * comment naming the limit in {@code qstat -f} and {@code tracejob}; an allocation past the address space
     * fails inside the job, which ends as its program chooses.
     */
    @Test
    void cpuTimeFileSizeAndAddressSpaceLimitsEndJobsAsPbsDoes() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("limits"));
        try (RealCluster cluster = RealCluster.start(work.resolve("l"), 1, 2)) {
            Cli cli = cluster.cli();
            Map<String, String> scripts = new java.util.LinkedHashMap<>();
            scripts.put("cpu", "#PBS -l pcput=1,walltime=00:10:00\nwhile :; do :; done\n");
            scripts.put("file", "#PBS -l file=64kb\nhead -c 1000000 /dev/zero > big.dat\n");
            scripts.put("vmem", "#PBS -l vmem=32mb\ndd if=/dev/zero of=/dev/null bs=64M count=1\n");
            Map<String, String> ids = new java.util.LinkedHashMap<>();
            submitEach(cli, submitDir, scripts, ids,
                    (name, body) -> "#!/bin/bash\n#PBS -N " + name + "\n" + body);
            Map<String, Map<String, String>> shown = awaitFinished(cli, ids.values(), "the three jobs end");

            Map<String, String> cpu = shown.get(ids.get("cpu"));
            assertEquals("152", cpu.get("exit_status"), cpu.toString());
            assertTrue(String.valueOf(cpu.get("comment")).contains("SIGXCPU")
                    && cpu.get("comment").contains("00:00:01"), cpu.toString());
            assertEquals("00:00:01", cpu.get("Resource_List.pcput"), cpu.toString());

            Map<String, String> file = shown.get(ids.get("file"));
            assertEquals("153", file.get("exit_status"), file.toString());
            assertTrue(String.valueOf(file.get("comment")).contains("SIGXFSZ"), file.toString());
            assertEquals(64 * 1024, Files.size(submitDir.resolve("big.dat")), "the file stops at the limit");

            Map<String, String> vmem = shown.get(ids.get("vmem"));
            assertEquals("1", vmem.get("exit_status"), vmem.toString());
            assertTrue(Files.readString(submitDir.resolve("vmem.e" + number(ids.get("vmem"))))
                    .contains("memory exhausted"), "dd says it could not allocate its block");

            String trace = cli.process(submitDir, "tracejob", ids.get("cpu")).out();
            assertTrue(trace.contains("Exit_status=152") && trace.contains("SIGXCPU"), trace);
        }
    }

    /**
     * {@code -m abe -M} and Slurm's {@code --mail-type}/{@code --mail-user} send mail through the head's
     * {@code mail-command}: here a script that records what it read, as a real sendmail would get it.
     */
    @Test
    void mailGoesThroughTheHeadsMailCommandAtBeginEndAndAbort() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("mail"));
        Path mails = work.resolve("mails.txt");
        Path sendmail = work.resolve("sendmail");
        Files.writeString(sendmail, "#!/bin/sh\n{ echo \"ARGS $*\"; cat; echo '-- end'; } >> '" + mails + "'\n");
        Files.setPosixFilePermissions(sendmail, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path config = Files.writeString(work.resolve("head.properties"), "mail-command=" + sendmail + " -t\n");
        try (RealCluster cluster = RealCluster.start(work.resolve("m"), 1, 2,
                spec -> spec.withHeadArgs(List.of("--config", config.toString())))) {
            Cli cli = cluster.cli();
            Path pbs = Files.writeString(submitDir.resolve("pbs.sh"),
                    "#!/bin/bash\n#PBS -N pbs_mail\n#PBS -m abe\n#PBS -M alice@example.org\ntrue\n");
            Path slurm = Files.writeString(submitDir.resolve("slurm.sh"), "#!/bin/bash\n#SBATCH -J slurm_mail\n"
                    + "#SBATCH -t 0:01\n#SBATCH --mail-type=FAIL\n#SBATCH --mail-user=bob@example.org\nsleep 30\n");
            Cli.Result a = cli.qsubIn(submitDir, pbs.toString());
            assertEquals(0, a.exitCode(), a.describe());
            Cli.Result b = cli.qsubIn(submitDir, slurm.toString());
            assertEquals(0, b.exitCode(), b.describe());
            String pbsId = a.line();
            String slurmId = b.line();
            Poll.until("three mails: begin and end of one job, the walltime abort of the other", Poll.TIMEOUT,
                    () -> Files.exists(mails) && read(mails).split("-- end\n", -1).length - 1 >= 3,
                    () -> mails + ": " + (Files.exists(mails) ? read(mails) : "none"));
            String text = Files.readString(mails);
            assertTrue(text.contains("ARGS -t\nTo: alice@example.org\nSubject: PBS JOB " + pbsId + "\n\nPBS Job Id: "
                    + pbsId + "\nJob Name:   pbs_mail\n"), text);
            assertTrue(text.contains("Begun execution\n") && text.contains("Execution terminated\nExit_status=0\n"),
                    text);
            assertTrue(text.contains("To: bob@example.org\nSubject: PBS JOB " + slurmId + "\n")
                    && text.contains("Aborted by the batch system: killed after exceeding its walltime limit"), text);
            assertEquals(3, text.split("-- end\n", -1).length - 1, "one mail each, no more: " + text);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static String number(String jobId) {
        return jobId.substring(0, jobId.indexOf('.'));
    }

    /** Submits each script under its name (a file NAME.sh holding what {@code text} makes of it), noting its id. */
    private static void submitEach(Cli cli, Path submitDir, Map<String, String> scripts, Map<String, String> ids,
                                   java.util.function.BinaryOperator<String> text) throws java.io.IOException {
        for (Map.Entry<String, String> e : scripts.entrySet()) {
            Path script = Files.writeString(submitDir.resolve(e.getKey() + ".sh"), text.apply(e.getKey(),
                    e.getValue()));
            Cli.Result r = cli.qsubIn(submitDir, script.toString());
            assertEquals(0, r.exitCode(), r.describe());
            ids.put(e.getKey(), r.line());
        }
    }

    /** Waits until {@code qstat -f -x} shows every job finished (F), and gives its attributes by job id. */
    private static Map<String, Map<String, String>> awaitFinished(Cli cli, java.util.Collection<String> jobIds,
                                                                  String what) {
        List<String> full = new java.util.ArrayList<>(List.of("-f", "-1", "-x"));
        full.addAll(jobIds);
        String[] all = full.toArray(new String[0]);
        Poll.until(what, Poll.TIMEOUT, () -> {
            Map<String, Map<String, String>> shown = QstatFull.parse(cli.run("qstat", all).out());
            return shown.size() == jobIds.size() && shown.values().stream()
                    .allMatch(a -> "F".equals(a.get("job_state")));
        }, () -> cli.run("qstat", all).describe());
        return QstatFull.parse(cli.run("qstat", all).out());
    }
}
