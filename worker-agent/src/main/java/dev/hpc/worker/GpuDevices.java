package dev.hpc.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPUs this node offers, by the ids its driver knows them by: {@code --gpus 0,1,2,3} (or {@code 1,3}, or
 * UUIDs), or what {@code nvidia-smi -L} lists. The head counts them and gives each attempt GPUs by position,
 * 0 to N-1, in {@code CUDA_VISIBLE_DEVICES} and its kin; the worker turns those positions into this node's ids,
 * so that a node whose usable GPUs are 1 and 3 gives a job exactly those.
 */
public record GpuDevices(List<String> ids, List<String> names) {
    public static final GpuDevices NONE = new GpuDevices(List.of(), List.of());
    /** The variables the head fills with GPU positions (ClusterState.GPU_VARIABLES). */
    static final List<String> VARIABLES = List.of("CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
            "GPU_DEVICE_ORDINAL");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9:_./-]*");
    private static final Pattern NVIDIA_SMI_LINE = Pattern.compile("^GPU (\\d+): (.*?)(?: \\(UUID: ([^)]+)\\))?$");

    public GpuDevices {
        ids = List.copyOf(ids);
        names = List.copyOf(names);
    }

    /**
     * {@code --gpus}: ids separated by commas ({@code 0,1,2,3}, {@code 1,3}, {@code GPU-5d2e...}), or
     * {@code none}; throws {@link WorkerConfigException} saying what to fix.
     */
    static GpuDevices parse(String value) {
        String v = value.strip();
        if (v.equalsIgnoreCase("none")) {
            return NONE;
        }
        List<String> ids = new ArrayList<>();
        for (String part : v.split(",", -1)) {
            String id = part.strip();
            if (!ID.matcher(id).matches()) {
                throw new WorkerConfigException("--gpus '" + value + "' must list GPU ids separated by commas, as "
                        + "CUDA_VISIBLE_DEVICES takes them (0,1,2,3 or a GPU's UUID), or be 'none'; '" + id
                        + "' is not one");
            }
            if (ids.contains(id)) {
                throw new WorkerConfigException("--gpus '" + value + "' lists GPU " + id + " twice; give each once");
            }
            ids.add(id);
        }
        return new GpuDevices(ids, List.of());
    }

    /** The GPUs that {@code nvidia-smi -L} printed: their indices, and their names for the log. */
    static GpuDevices fromNvidiaSmi(String listing) {
        List<String> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String line : listing.split("\n")) {
            Matcher m = NVIDIA_SMI_LINE.matcher(line.strip());
            if (m.matches() && !ids.contains(m.group(1))) {
                ids.add(m.group(1));
                names.add(m.group(2).strip());
            }
        }
        return new GpuDevices(ids, names);
    }

    /**
     * Runs {@code nvidia-smi -L} when it is on {@code path} (a PATH value) and lists GPUs; empty when it is
     * not there, fails, or lists none: a node without NVIDIA's driver has no GPUs to detect.
     */
    static Optional<GpuDevices> detect(String path) {
        Optional<Path> smi = onPath("nvidia-smi", path);
        if (smi.isEmpty()) {
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder(smi.get().toString(), "-L").redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            GpuDevices found = fromNvidiaSmi(out);
            return p.exitValue() == 0 && !found.ids().isEmpty() ? Optional.of(found) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static Optional<Path> onPath(String command, String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, command);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Whether the ids are the positions themselves (0 to N-1): then nothing needs turning. */
    boolean positional() {
        for (int i = 0; i < ids.size(); i++) {
            if (!ids.get(i).equals(Integer.toString(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code env} with the head's GPU positions in {@link #VARIABLES} turned into this node's ids. A value that
     * names a position this node does not have is left out, not guessed: the job then sees no GPU rather than
     * another job's.
     */
    Map<String, String> bind(Map<String, String> env) {
        if (positional() || VARIABLES.stream().noneMatch(env::containsKey)) {
            return env;
        }
        Map<String, String> bound = new LinkedHashMap<>(env);
        for (String name : VARIABLES) {
            String value = env.get(name);
            if (value == null) {
                continue;
            }
            List<String> out = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (String position : value.split(",")) {
                String p = position.strip();
                if (p.matches("\\d{1,6}") && Integer.parseInt(p) < ids.size() && seen.add(p)) {
                    out.add(ids.get(Integer.parseInt(p)));
                }
            }
            bound.put(name, String.join(",", out));
        }
        return bound;
    }
}
