package dev.hpc.worker;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/** What the machine says about itself: host name, memory and load, from /proc where possible. Blocking. */
public final class NodeFacts {
    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path LOADAVG = Path.of("/proc/loadavg");
    private static final Path KERNEL_HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    private NodeFacts() {
    }

    /** The host name as the resolver knows it, else the kernel's, else {@code localhost}. */
    public static String hostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            if (!name.isBlank()) {
                return name;
            }
        } catch (UnknownHostException e) {
            // fall through to the kernel's name
        }
        try {
            String name = Files.readString(KERNEL_HOSTNAME, StandardCharsets.US_ASCII).trim();
            if (!name.isBlank()) {
                return name;
            }
        } catch (IOException e) {
            // fall through
        }
        return "localhost";
    }

    /** The host name up to its first dot, lower case: the default node name. */
    public static String shortHostName() {
        String name = hostName();
        int dot = name.indexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name).toLowerCase(Locale.ROOT);
    }

    /** MemTotal of /proc/meminfo in bytes, else what the JVM reports. */
    public static long totalMemory() {
        OptionalLong kb = meminfo("MemTotal");
        if (kb.isPresent()) {
            return kb.getAsLong() * 1024;
        }
        return osBean().map(OperatingSystemMXBean::getTotalMemorySize).orElse(0L);
    }

    /** MemAvailable of /proc/meminfo in bytes, else the JVM's free memory figure. */
    public static long availableMemory() {
        OptionalLong kb = meminfo("MemAvailable");
        if (kb.isPresent()) {
            return kb.getAsLong() * 1024;
        }
        return osBean().map(OperatingSystemMXBean::getFreeMemorySize).orElse(0L);
    }

    /** The one-minute load average; 0 when the system does not tell. */
    public static double loadAverage() {
        try {
            String line = Files.readString(LOADAVG, StandardCharsets.US_ASCII).trim();
            return Double.parseDouble(line.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return load < 0 ? 0 : load;
        }
    }

    static OptionalLong meminfo(String field) {
        try {
            List<String> lines = Files.readAllLines(MEMINFO, StandardCharsets.US_ASCII);
            for (String line : lines) {
                if (line.startsWith(field + ":")) {
                    String[] words = line.substring(field.length() + 1).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(words[0]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: the caller falls back
        }
        return OptionalLong.empty();
    }

    private static Optional<OperatingSystemMXBean> osBean() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean bean) {
            return Optional.of(bean);
        }
        return Optional.empty();
    }
}
