package dev.hpc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the worker simulator of the worker's jar as a child process in the foreground ({@code hpc worker
 * --simulate N}). A separate JVM keeps the CLI's class path free of the network framework the
 * simulator needs; the child is stopped with the CLI (Ctrl-C, SIGTERM).
 */
final class SimulatorLauncher {
    static final String MAIN = "dev.hpc.worker.sim.SimulatorMain";

    private SimulatorLauncher() {
    }

    /** The simulator's command line: this JVM's java, the worker jar, then the simulator's own flags. */
    static List<String> command(Path hpcHome, List<String> jvmOptions, List<String> simulatorArgs) {
        Path jar = hpcHome.resolve("worker-agent").resolve("target").resolve("hpc-worker.jar");
        if (!Files.isRegularFile(jar)) {
            throw new UsageException(jar + " is missing; build it first: (cd " + hpcHome
                    + " && mvn -q -DskipTests package)");
        }
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(jvmOptions);
        c.add("-cp");
        c.add(jar.toString());
        c.add(MAIN);
        c.addAll(simulatorArgs);
        return c;
    }

    /** Runs the command with this terminal's input and output; returns its exit code. */
    static int run(List<String> command) {
        Process child;
        try {
            child = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            throw new UsageException("cannot start the worker simulator: " + e.getMessage());
        }
        Thread stopChild = new Thread(child::destroy, "stop-simulator");
        Runtime.getRuntime().addShutdownHook(stopChild);
        try {
            return child.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            child.destroy();
            return ExitCodes.ERROR;
        }
    }
}
