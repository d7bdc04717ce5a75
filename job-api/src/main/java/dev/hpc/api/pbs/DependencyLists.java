package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.DependencyType;
import dev.hpc.api.job.JobId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Dependency lists as qsub {@code -W depend=} and sbatch {@code --dependency=} write them:
 * {@code afterok:42:43.cluster,afterany:44[]}, clauses in the order written. A job is named as users
 * type it ({@link JobId#parse}); only its number is kept.
 */
final class DependencyLists {

    private static final String TYPES = "after, afterok, afternotok or afterany";

    private DependencyLists() {
    }

    static List<Dependency> parse(String text) {
        if (text.isEmpty()) {
            throw new InvalidRequestException("dependency list is empty; write it like afterok:42[:43][,afterany:44]");
        }
        if (text.indexOf('?') >= 0) {
            throw new InvalidRequestException("'?' (any one of several dependencies) is not supported; "
                    + "separate clauses with ',' so that all must hold");
        }
        List<Dependency> clauses = new ArrayList<>();
        for (String clause : text.split(",", -1)) {
            clauses.add(clause(clause));
        }
        return List.copyOf(clauses);
    }

    private static Dependency clause(String clause) {
        String[] parts = clause.split(":", -1);
        DependencyType type = type(parts[0]);
        if (parts.length < 2) {
            throw new InvalidRequestException("dependency '" + clause + "' names no job; write it like "
                    + parts[0] + ":42");
        }
        List<Long> numbers = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            numbers.add(jobNumber(parts[i]));
        }
        return new Dependency(type, numbers);
    }

    static DependencyType type(String name) {
        for (DependencyType t : DependencyType.values()) {
            if (t.pbsName().equals(name.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new InvalidRequestException("dependency type '" + name + "' is not supported; use " + TYPES);
    }

    private static long jobNumber(String id) {
        if (id.isEmpty()) {
            throw new InvalidRequestException("empty job id in a dependency; write ids like 42 or 42.cluster");
        }
        JobId.JobRef ref = JobId.parse(id);
        if (ref.arrayIndex().isPresent()) {
            throw new InvalidRequestException("a dependency on one array task (" + id + ") is not supported; "
                    + "depend on the whole array job with " + ref.number() + "[]");
        }
        return ref.number();
    }
}
