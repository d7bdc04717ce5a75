package dev.hpc.worker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The programs the agent runs by their full path, found among fixed places: no {@code PATH} is searched. */
final class Executables {
    private Executables() {
    }

    /** The first of {@code candidates} that is executable, if any. */
    static Optional<Path> first(String... candidates) {
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return Optional.of(Path.of(c));
            }
        }
        return Optional.empty();
    }
}
