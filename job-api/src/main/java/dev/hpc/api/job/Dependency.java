package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.List;

/** One {@code type:id[:id...]} clause of a dependency list. */
public record Dependency(DependencyType type, List<Long> jobNumbers) {
    public Dependency {
        jobNumbers = List.copyOf(jobNumbers);
        if (jobNumbers.isEmpty()) {
            throw new InvalidRequestException("dependency '" + type.pbsName() + "' names no job");
        }
    }
}
