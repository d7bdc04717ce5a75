package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import java.util.Locale;

/**
 * Names and amounts of generic per-node resources ({@code gpus=2}, {@code scratch=100gb}).
 * {@code gpu}, {@code gpus} and {@code ngpus} all mean {@link #GPU}; other names are kept in lower
 * case. An amount is a count, or a PBS size in bytes when it has a unit.
 */
final class GenericResources {

    static final String GPU = "gpu";
    /**
     * The string-valued host resource a GPU type is matched against: Slurm's {@code gpu:v100:2} asks
     * for what PBS Pro's {@code ngpus=2:gpu_model=v100} does, on nodes declared {@code --resource gpu_model=v100}.
     */
    static final String GPU_MODEL = "gpu_model";
    static final long MAX_COUNT = 100_000;

    private GenericResources() {
    }

    static String name(String written) {
        String name = written.toLowerCase(Locale.ROOT);
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new InvalidRequestException("'" + written + "' is not a resource name; names are letters, "
                    + "digits and _, starting with a letter");
        }
        return switch (name) {
            case "gpu", "gpus", "ngpus" -> GPU;
            default -> name;
        };
    }

    /**
     * Whether a value is an amount (a count, or a size with a unit PBS knows) rather than a string
     * such as {@code v100} or {@code 2080ti}, which asks for a host resource of that value.
     */
    static boolean isAmount(String value) {
        if (value.matches("\\d+")) {
            return true;
        }
        return Sizes.isPbsSize(value);
    }

    static long amount(String name, String value) {
        if (value.matches("\\d+")) {
            return Counts.parse(value, name, 0, (int) MAX_COUNT);
        }
        if (value.matches("\\d+[A-Za-z]+")) {
            return Sizes.parsePbs(value);
        }
        throw new InvalidRequestException(name + " must be a count from 0 to " + MAX_COUNT + " or a size such as "
                + "100gb, got '" + value + "'");
    }
}
