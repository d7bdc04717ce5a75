package dev.hpc.api.wire;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.FileModes;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeTraits;
import dev.hpc.api.job.ProcessLimits;
import dev.hpc.api.job.WalltimeSignal;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.JobCodec;
import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.wire.WireMessage.FromHead;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.Heartbeat;
import dev.hpc.api.wire.WireMessage.Kill;
import dev.hpc.api.wire.WireMessage.Launch;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.api.wire.WireMessage.Refused;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.ResultAck;
import dev.hpc.api.wire.WireMessage.RunningTask;
import dev.hpc.api.wire.WireMessage.TaskFinished;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.api.wire.WireMessage.TaskStarted;
import dev.hpc.api.wire.WireMessage.Welcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The JSON text frames of the worker link: {@code {"type": "...", ...}}. */
public final class WireCodec {
    /** Where a worker opens its link on a head: the worker, the simulated nodes and the head share this one. */
    public static final String LINK_PATH = "/api/v1/workers/link";

    private WireCodec() {
    }

    public static String encode(WireMessage message) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (message instanceof Register r) {
            m.put("type", "register");
            m.put("node", r.node());
            m.put("host", r.host());
            m.put("cores", r.cores());
            m.put("memory", r.memory());
            m.put("generic", new LinkedHashMap<>(r.generic()));
            m.put("secretProof", r.secretProof());
            List<Object> running = new ArrayList<>();
            for (RunningTask t : r.running()) {
                Map<String, Object> tm = new LinkedHashMap<>();
                tm.put("attemptId", t.attemptId());
                tm.put("taskName", t.taskName());
                tm.put("pid", t.pid());
                running.add(tm);
            }
            m.put("running", running);
            List<Object> finished = new ArrayList<>();
            for (TaskResult t : r.finished()) {
                finished.add(result(t));
            }
            m.put("finished", finished);
            m.put("health", Codec.toMap(r.health()));
            if (!r.traits().isEmpty()) {
                m.put("properties", new ArrayList<>(r.traits().properties()));
                m.put("hostResources", new LinkedHashMap<>(r.traits().resources()));
            }
        } else if (message instanceof WireMessage.Hello h) {
            m.put("type", "hello");
            m.put("nonce", h.nonce());
        } else if (message instanceof WireMessage.Challenge c) {
            m.put("type", "challenge");
            m.put("epoch", c.epoch());
            m.put("headName", c.headName());
            m.put("nonce", c.nonce());
            m.put("proof", c.proof());
        } else if (message instanceof Heartbeat h) {
            m.put("type", "heartbeat");
            m.put("health", Codec.toMap(h.health()));
            m.put("running", h.runningAttempts());
            m.put("activeHead", h.activeHead());
        } else if (message instanceof TaskStarted s) {
            m.put("type", "started");
            m.put("attemptId", s.attemptId());
            m.put("pid", s.pid());
        } else if (message instanceof TaskFinished f) {
            m.put("type", "finished");
            m.put("result", result(f.result()));
        } else if (message instanceof Welcome w) {
            m.put("type", "welcome");
            m.put("epoch", w.epoch());
            m.put("headName", w.headName());
            m.put("heartbeatMillis", w.heartbeatInterval().toMillis());
        } else if (message instanceof Refused r) {
            m.put("type", "refused");
            m.put("epoch", r.epoch());
            m.put("message", r.message());
        } else if (message instanceof Launch l) {
            m.put("type", "launch");
            m.put("epoch", l.epoch());
            m.put("order", order(l.order()));
        } else if (message instanceof Kill k) {
            m.put("type", "kill");
            m.put("epoch", k.epoch());
            m.put("attemptId", k.attemptId());
            m.put("reason", k.reason().name());
        } else if (message instanceof WireMessage.Signal sg) {
            m.put("type", "signal");
            m.put("epoch", sg.epoch());
            m.put("attemptId", sg.attemptId());
            m.put("signal", sg.signal());
        } else if (message instanceof WireMessage.AppendOutput ao) {
            m.put("type", "appendOutput");
            m.put("epoch", ao.epoch());
            m.put("attemptId", ao.attemptId());
            m.put("stream", ao.stream());
            m.put("text", ao.text());
        } else if (message instanceof ResultAck a) {
            m.put("type", "ack");
            m.put("epoch", a.epoch());
            m.put("attemptId", a.attemptId());
        } else if (message instanceof WireMessage.Shutdown s) {
            m.put("type", "shutdown");
            m.put("epoch", s.epoch());
            m.put("reason", s.reason());
        } else if (message instanceof WireMessage.ReadOutput r) {
            m.put("type", "readOutput");
            m.put("epoch", r.epoch());
            m.put("requestId", r.requestId());
            m.put("attemptId", r.attemptId());
            m.put("stream", r.stream());
            m.put("offset", r.offset());
            m.put("maxBytes", r.maxBytes());
        } else if (message instanceof WireMessage.OutputChunk c) {
            m.put("type", "outputChunk");
            m.put("requestId", c.requestId());
            m.put("offset", c.offset());
            m.put("data", Base64.getEncoder().encodeToString(c.data()));
            m.put("size", c.size());
            m.put("path", c.path());
            m.put("error", c.error());
        } else {
            encodeSpawn(message, m);
        }
        return Json.write(m);
    }

    /** The messages of spawned commands (MPI's remote launch, {@code hpc dsh}); see {@link WireMessage.Spawn}. */
    private static void encodeSpawn(WireMessage message, Map<String, Object> m) {
        if (message instanceof WireMessage.Spawn s) {
            m.put("type", "spawn");
            m.put("epoch", s.epoch());
            m.put("attemptId", s.attemptId());
            m.put("spawnId", s.spawnId());
            m.put("argv", s.argv());
            m.put("environment", new LinkedHashMap<>(s.environment()));
            m.put("workDir", s.workDir());
            m.put("owner", s.owner());
            if (s.resume()) {
                m.put("resume", true);
            }
            if (s.limits().any()) {
                // only then, as in a launch order
                m.put("addressSpaceLimit", s.limits().addressSpace());
                m.put("cpuSecondsLimit", s.limits().cpuSeconds());
                m.put("fileSizeLimit", s.limits().fileSize());
            }
        } else if (message instanceof WireMessage.OpenSession o) {
            m.put("type", "openSession");
            m.put("epoch", o.epoch());
            m.put("attemptId", o.attemptId());
            m.put("spawnId", o.spawnId());
            m.put("tty", o.tty());
            m.put("rows", o.rows());
            m.put("cols", o.cols());
            m.put("term", o.term());
        } else if (message instanceof WireMessage.SessionInput i) {
            m.put("type", "sessionInput");
            m.put("epoch", i.epoch());
            m.put("spawnId", i.spawnId());
            m.put("data", Base64.getEncoder().encodeToString(i.data()));
            m.put("end", i.end());
        } else if (message instanceof WireMessage.SessionResize r) {
            m.put("type", "sessionResize");
            m.put("epoch", r.epoch());
            m.put("spawnId", r.spawnId());
            m.put("rows", r.rows());
            m.put("cols", r.cols());
        } else if (message instanceof WireMessage.KillSpawn k) {
            m.put("type", "killSpawn");
            m.put("epoch", k.epoch());
            m.put("spawnId", k.spawnId());
        } else if (message instanceof WireMessage.SpawnOutput o) {
            m.put("type", "spawnOutput");
            m.put("spawnId", o.spawnId());
            m.put("stream", o.stream());
            m.put("data", Base64.getEncoder().encodeToString(o.data()));
        } else if (message instanceof WireMessage.SpawnExited x) {
            m.put("type", "spawnExited");
            m.put("spawnId", x.spawnId());
            m.put("exitStatus", x.exitStatus());
            m.put("message", x.message());
        } else if (message instanceof WireMessage.NewerEpoch e) {
            m.put("type", "newerEpoch");
            m.put("epoch", e.epoch());
        } else if (message instanceof WireMessage.SpawnsRunning r) {
            m.put("type", "spawnsRunning");
            List<Object> spawns = new ArrayList<>();
            for (WireMessage.SpawnRef ref : r.spawns()) {
                Map<String, Object> rm = new LinkedHashMap<>();
                rm.put("spawnId", ref.spawnId());
                rm.put("attemptId", ref.attemptId());
                spawns.add(rm);
            }
            m.put("spawns", spawns);
        } else {
            throw new IllegalStateException("should never happen: no encoding for " + message.getClass().getName());
        }
    }

    private static byte[] base64(JsonFields f, String field) {
        try {
            return Base64.getDecoder().decode(f.string(field));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("field '" + field + "' must be base64: " + e.getMessage());
        }
    }

    private static Map<String, Object> result(TaskResult t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attemptId", t.attemptId());
        m.put("taskName", t.taskName());
        m.put("exitStatus", t.exitStatus());
        m.put("reason", t.reason().name());
        m.put("end", Codec.instant(t.end()));
        m.put("detail", t.detail());
        return m;
    }

    private static TaskResult readResult(JsonFields f) {
        return new TaskResult(f.longValue("attemptId"), f.string("taskName"), f.intValue("exitStatus"),
                f.enumValue("reason", EndReason.class), Codec.instant(f, "end"), f.string("detail", ""));
    }

    private static Map<String, Object> order(LaunchOrder o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attemptId", o.attemptId());
        m.put("jobId", o.jobId());
        m.put("taskName", o.taskName());
        m.put("arrayIndex", o.arrayIndex());
        m.put("jobName", o.jobName());
        m.put("owner", o.owner());
        m.put("script", o.script());
        m.put("workDir", o.workDir());
        m.put("submitDir", o.submitDir());
        m.put("submitHost", o.submitHost());
        m.put("queue", o.queue());
        m.put("environment", new LinkedHashMap<>(o.environment()));
        m.put("stdoutPath", o.stdoutPath());
        m.put("stderrPath", o.stderrPath());
        m.put("join", o.join().name());
        m.put("nodes", JobCodec.slots(o.nodes()));
        m.put("coresPerNode", o.coresPerNode());
        m.put("mpiprocsPerNode", o.mpiprocsPerNode());
        m.put("memoryPerNode", o.memoryPerNode());
        m.put("walltimeSeconds", o.walltime().toSeconds());
        if (!o.shells().isEmpty()) {
            m.put("shells", o.shells());
        }
        if (!o.group().isEmpty()) {
            m.put("group", o.group());
        }
        if (o.files().umask().isPresent()) {
            // only then, as the arguments below: an older worker reads the same order
            m.put("umask", o.files().umaskText());
        }
        if (o.files().appendOutput()) {
            m.put("openMode", "append");
        }
        if (o.files().privateSandbox()) {
            m.put("sandbox", "PRIVATE");
        }
        if (!o.container().isEmpty()) {
            m.put("container", o.container());
        }
        if (o.limits().any()) {
            // only then, as the arguments below
            m.put("addressSpaceLimit", o.limits().addressSpace());
            m.put("cpuSecondsLimit", o.limits().cpuSeconds());
            m.put("fileSizeLimit", o.limits().fileSize());
        }
        if (o.warning().any()) {
            // only then, as the limits above
            m.put("warningSignal", o.warning().text());
        }
        if (!o.arguments().isEmpty()) {
            // only then: an order without it reads the same on a worker that predates -F
            m.put("arguments", o.arguments());
        }
        return m;
    }

    private static ProcessLimits limits(JsonFields f) {
        return new ProcessLimits(f.longValue("addressSpaceLimit", 0), f.longValue("cpuSecondsLimit", 0),
                f.longValue("fileSizeLimit", 0));
    }

    private static LaunchOrder readOrder(JsonFields f) {
        return new LaunchOrder(f.longValue("attemptId"), f.string("jobId"), f.string("taskName"),
                f.intValue("arrayIndex"), f.string("jobName"), f.string("owner"), f.string("script"),
                f.string("workDir"), f.string("submitDir"), f.string("submitHost"), f.string("queue"),
                f.stringMap("environment"), f.string("stdoutPath"), f.string("stderrPath"),
                f.enumValue("join", JoinMode.class), JobCodec.readSlots(f, "nodes"), f.intValue("coresPerNode"),
                f.intValue("mpiprocsPerNode"), f.longValue("memoryPerNode"),
                Duration.ofSeconds(f.longValue("walltimeSeconds")), f.strings("arguments"), f.string("shells", ""),
                limits(f),
                f.has("warningSignal") ? WalltimeSignal.parsePbs(f.string("warningSignal")) : WalltimeSignal.NONE,
                f.string("group", ""),
                new FileModes(FileModes.parseUmask(f.string("umask", "")), "append".equals(f.string("openMode", "")),
                        "PRIVATE".equals(f.string("sandbox", ""))),
                f.string("container", ""));
    }

    public static FromWorker decodeFromWorker(String text) {
        JsonFields f = Json.readObject(text);
        String type = f.string("type");
        return switch (type) {
            case "register" -> {
                List<RunningTask> running = new ArrayList<>();
                for (JsonFields t : f.objects("running")) {
                    running.add(new RunningTask(t.longValue("attemptId"), t.string("taskName"), t.longValue("pid")));
                }
                List<TaskResult> finished = new ArrayList<>();
                for (JsonFields t : f.objects("finished")) {
                    finished.add(readResult(t));
                }
                yield new Register(f.string("node"), f.string("host"), f.intValue("cores"), f.longValue("memory"),
                        f.longMap("generic"), f.string("secretProof", ""), running, finished,
                        f.has("health") ? Codec.readHealth(f.object("health")) : Health.UNKNOWN,
                        new NodeTraits(new TreeSet<>(f.strings("properties")),
                                f.stringMap("hostResources")));
            }
            case "hello" -> new WireMessage.Hello(f.string("nonce"));
            case "heartbeat" -> new Heartbeat(Codec.readHealth(f.object("health")), f.longs("running"),
                    f.string("activeHead", ""));
            case "started" -> new TaskStarted(f.longValue("attemptId"), f.longValue("pid"));
            case "finished" -> new TaskFinished(readResult(f.object("result")));
            case "spawnOutput" -> new WireMessage.SpawnOutput(f.string("spawnId"), f.intValue("stream"),
                    base64(f, "data"));
            case "spawnExited" -> new WireMessage.SpawnExited(f.string("spawnId"), f.intValue("exitStatus"),
                    f.string("message", ""));
            case "outputChunk" -> new WireMessage.OutputChunk(f.string("requestId"), f.longValue("offset"),
                    base64(f, "data"), f.longValue("size"), f.string("path", ""), f.string("error", ""));
            case "newerEpoch" -> new WireMessage.NewerEpoch(f.longValue("epoch"));
            case "spawnsRunning" -> {
                List<WireMessage.SpawnRef> spawns = new ArrayList<>();
                for (JsonFields r : f.objects("spawns")) {
                    spawns.add(new WireMessage.SpawnRef(r.string("spawnId"), r.longValue("attemptId")));
                }
                yield new WireMessage.SpawnsRunning(spawns);
            }
            default -> throw new InvalidRequestException("unknown worker message type '" + type + "'");
        };
    }

    public static FromHead decodeFromHead(String text) {
        JsonFields f = Json.readObject(text);
        String type = f.string("type");
        return switch (type) {
            case "welcome" -> new Welcome(f.longValue("epoch"), f.string("headName"),
                    Duration.ofMillis(f.longValue("heartbeatMillis")));
            case "challenge" -> new WireMessage.Challenge(f.longValue("epoch"), f.string("headName"),
                    f.string("nonce"), f.string("proof", ""));
            case "refused" -> new Refused(f.longValue("epoch"), f.string("message"));
            case "launch" -> new Launch(f.longValue("epoch"), readOrder(f.object("order")));
            case "kill" -> new Kill(f.longValue("epoch"), f.longValue("attemptId"),
                    f.enumValue("reason", EndReason.class));
            case "ack" -> new ResultAck(f.longValue("epoch"), f.longValue("attemptId"));
            case "signal" -> new WireMessage.Signal(f.longValue("epoch"), f.longValue("attemptId"), f.string("signal"));
            case "appendOutput" -> new WireMessage.AppendOutput(f.longValue("epoch"), f.longValue("attemptId"),
                    f.string("stream"), f.string("text"));
            case "shutdown" -> new WireMessage.Shutdown(f.longValue("epoch"), f.string("reason", ""));
            case "spawn" -> new WireMessage.Spawn(f.longValue("epoch"), f.longValue("attemptId"), f.string("spawnId"),
                    f.strings("argv"), f.stringMap("environment"), f.string("workDir", ""), f.string("owner", ""),
                    f.bool("resume", false), limits(f));
            case "killSpawn" -> new WireMessage.KillSpawn(f.longValue("epoch"), f.string("spawnId"));
            case "openSession" -> new WireMessage.OpenSession(f.longValue("epoch"), f.longValue("attemptId"),
                    f.string("spawnId"), f.bool("tty", false), f.intValue("rows"), f.intValue("cols"),
                    f.string("term", ""));
            case "sessionInput" -> new WireMessage.SessionInput(f.longValue("epoch"), f.string("spawnId"),
                    base64(f, "data"), f.bool("end", false));
            case "sessionResize" -> new WireMessage.SessionResize(f.longValue("epoch"), f.string("spawnId"),
                    f.intValue("rows"), f.intValue("cols"));
            case "readOutput" -> new WireMessage.ReadOutput(f.longValue("epoch"), f.string("requestId"),
                    f.longValue("attemptId"), f.string("stream"), f.longValue("offset"), f.intValue("maxBytes"));
            default -> throw new InvalidRequestException("unknown head message type '" + type + "'");
        };
    }
}
