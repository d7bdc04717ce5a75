package dev.hpc.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The commands Open OnDemand's PBS Pro adapter runs and the way it reads their output, rule for rule
 * (ood_core, {@code lib/ood_core/job/adapters/pbspro.rb}): each command is {@code PBS_EXEC/bin/NAME} run
 * with {@code PBS_DEFAULT} naming the server and {@code PBS_EXEC} the install prefix; a command that exits
 * non-zero is an error carrying its standard error. Issue 20: the portal most sites give their users must
 * work against our heads unchanged.
 */
final class OnDemandPbsPro {
    /** The adapter's {@code STATE_MAP}; {@code B} (an array's parent) is not mapped. */
    static final Map<String, String> STATES = Map.ofEntries(Map.entry("Q", "queued"), Map.entry("W", "queued"),
            Map.entry("H", "queued_held"), Map.entry("T", "queued_held"), Map.entry("M", "completed"),
            Map.entry("R", "running"), Map.entry("S", "suspended"), Map.entry("U", "suspended"),
            Map.entry("E", "running"), Map.entry("F", "completed"), Map.entry("X", "completed"));
    private static final Pattern JOB_ID = Pattern.compile("^Job Id: (.+)$");
    private static final Pattern ATTRIBUTE = Pattern.compile("^([^\\s]+) = (.+)$");
    private static final Pattern OWNER = Pattern.compile("^([\\w-]+)@(.+)$");
    /** Ruby's {@code Time.parse} of PBS's ctime form, e.g. {@code Sat Dec  5 13:10:24 2026}. */
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT);

    /** A command that exited non-zero: the adapter raises its standard error. */
    static final class Error extends RuntimeException {
        Error(String stderr) {
            super(stderr);
        }
    }

    /** The adapter's {@code Info}, with the fields it fills. */
    record Info(String id, String status, List<String> allocatedNodes, String submitHost, String jobName,
                String jobOwner, String accountingId, int procs, String queueName, Long wallclockTime,
                Long wallclockLimit, LocalDateTime submissionTime, LocalDateTime dispatchTime,
                Map<String, Object> nativeAttributes) {
    }

    private final String host;
    private final Path exec;
    private final Map<String, String> env;

    /**
     * @param host the cluster's {@code host:} setting (PBS_DEFAULT)
     * @param exec the cluster's {@code exec:} setting (PBS_EXEC): where {@code bin/qsub} and the rest are
     * @param env  what the web node's user environment adds (the token file, no config of its own)
     */
    OnDemandPbsPro(String host, Path exec, Map<String, String> env) {
        this.host = host;
        this.exec = exec;
        this.env = Map.copyOf(env);
    }

    // ---- Batch

    /** {@code qstat -f -t [id]}, parsed as {@code get_jobs} does; array parents ({@code []}) dropped. */
    List<Map<String, Object>> getJobs(String id) {
        List<String> args = new ArrayList<>(List.of("-f", "-t"));
        if (!id.isEmpty()) {
            args.add(id);
        }
        String out = call("qstat", args, "", Path.of(".")).replace("\n\t", "");
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (String raw : out.split("\n")) {
            String line = raw.strip();
            Matcher j = JOB_ID.matcher(line);
            Matcher a = ATTRIBUTE.matcher(line);
            if (j.matches()) {
                Map<String, Object> job = new LinkedHashMap<>();
                job.put("job_id", j.group(1));
                jobs.add(job);
            } else if (a.matches() && !jobs.isEmpty()) {
                Map<String, Object> job = jobs.get(jobs.size() - 1);
                String[] keys = a.group(1).split("\\.");
                if (keys.length > 1) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> sub = (Map<String, Object>) job.computeIfAbsent(keys[0],
                            k -> new LinkedHashMap<String, Object>());
                    sub.put(keys[1], a.group(2));
                } else {
                    job.put(keys[0], a.group(2));
                }
            }
        }
        jobs.removeIf(job -> ((String) job.get("job_id")).contains("[]"));
        return jobs;
    }

    List<String> selectJobs(List<String> args) {
        return call("qselect", args, "", Path.of(".")).lines().map(String::strip).toList();
    }

    void holdJob(String id) {
        call("qhold", List.of(id), "", Path.of("."));
    }

    void releaseJob(String id) {
        call("qrls", List.of(id), "", Path.of("."));
    }

    void deleteJob(String id) {
        call("qdel", List.of(id), "", Path.of("."));
    }

    /** {@code submit_string}: qsub with the script on standard input, run in {@code chdir}. */
    String submitString(String script, List<String> args, Path chdir) {
        return call("qsub", args, script, chdir).strip();
    }

    private String call(String cmd, List<String> args, String stdin, Path chdir) {
        List<String> command = new ArrayList<>();
        command.add(exec.resolve("bin").resolve(cmd).toString());
        command.addAll(args);
        try {
            Path in = Files.createTempFile("ood", ".in");
            Path out = Files.createTempFile("ood", ".out");
            Path err = Files.createTempFile("ood", ".err");
            try {
                Files.writeString(in, stdin, StandardCharsets.UTF_8);
                ProcessBuilder pb = new ProcessBuilder(command).directory(chdir.toFile())
                        .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
                Map<String, String> e = pb.environment();
                e.keySet().removeIf(k -> k.startsWith("HPC_") || k.startsWith("PBS_"));
                e.putAll(env);
                e.put("PBS_DEFAULT", host);
                e.put("PBS_EXEC", exec.toString());
                Process p = pb.start();
                if (!p.waitFor(90, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(command + " did not end within 90 s");
                }
                if (p.exitValue() != 0) {
                    throw new Error(Files.readString(err, StandardCharsets.UTF_8));
                }
                return Files.readString(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(in);
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- the adapter

    /** {@code info(id)}: an unknown or finished job is completed, any other error is raised. */
    Info info(String id) {
        try {
            List<Map<String, Object>> jobs = getJobs(id);
            return jobs.isEmpty() ? completed(id) : parse(jobs.get(0));
        } catch (Error e) {
            if (e.getMessage().matches("(?s).*(Unknown Job Id|Job has finished).*")) {
                return completed(id);
            }
            throw e;
        }
    }

    /** {@code info_where_owner}: qselect -u, then qstat -f -t of each id. */
    List<Info> infoWhereOwner(String owner) {
        List<Info> out = new ArrayList<>();
        for (String id : selectJobs(List.of("-u", owner))) {
            try {
                getJobs(id).forEach(v -> out.add(parse(v)));
            } catch (Error e) {
                if (!e.getMessage().matches("(?s).*(Unknown Job Id|Job has finished).*")) {
                    throw e;
                }
            }
        }
        return out;
    }

    List<Info> infoAll() {
        return getJobs("").stream().map(OnDemandPbsPro::parse).toList();
    }

    private static Info completed(String id) {
        return new Info(id, "completed", List.of(), null, null, null, null, 0, null, null, null, null, null, Map.of());
    }

    @SuppressWarnings("unchecked")
    static Info parse(Map<String, Object> v) {
        Matcher owner = OWNER.matcher(String.valueOf(v.getOrDefault("Job_Owner", "")));
        boolean owned = owner.matches();
        Map<String, Object> resources = (Map<String, Object>) v.getOrDefault("Resource_List", Map.of());
        Map<String, Object> used = (Map<String, Object>) v.getOrDefault("resources_used", Map.of());
        List<String> nodes = new ArrayList<>();
        int procs = 0;
        String execHost = (String) v.getOrDefault("exec_host", "");
        if (!execHost.isEmpty()) {
            // "hosta/J1+hostb/J2*P": P processors on the host, 1 when there is no *P
            for (String n : execHost.split("\\+")) {
                String[] parts = n.split("/");
                nodes.add(parts[0]);
                String[] counted = parts.length > 1 ? parts[1].split("\\*") : new String[0];
                procs += counted.length > 1 ? Integer.parseInt(counted[1]) : 1;
            }
        } else {
            int nodect = rubyToI((String) resources.get("nodect"));
            for (int i = 0; i < nodect; i++) {
                nodes.add(null);
            }
            procs = rubyToI((String) resources.get("ncpus"));
        }
        return new Info((String) v.get("job_id"), STATES.getOrDefault((String) v.get("job_state"), "undetermined"),
                nodes, owned ? owner.group(2) : null, (String) v.get("Job_Name"), owned ? owner.group(1) : null,
                (String) v.get("Account_Name"), procs, (String) v.get("queue"), seconds((String) used.get("walltime")),
                seconds((String) resources.get("walltime")), time((String) v.get("ctime")),
                time((String) v.get("stime")), v);
    }

    /** Ruby's {@code String#to_i}: the leading digits, 0 for none or nil. */
    private static int rubyToI(String s) {
        if (s == null) {
            return 0;
        }
        Matcher m = Pattern.compile("^\\s*(\\d+)").matcher(s);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** {@code duration_in_seconds}: "HH:MM:SS" (or fewer fields) as seconds; nil stays nil. */
    private static Long seconds(String duration) {
        if (duration == null) {
            return null;
        }
        long total = 0;
        for (String field : duration.split(":")) {
            total = total * 60 + rubyToI(field);
        }
        return total;
    }

    private static LocalDateTime time(String ctime) {
        return ctime == null ? null : LocalDateTime.parse(ctime.strip().replaceAll("\\s+", " "), CTIME);
    }
}
