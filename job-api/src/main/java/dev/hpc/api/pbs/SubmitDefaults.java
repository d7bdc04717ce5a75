package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;

/**
 * What a submission gets when it does not say: the queue ({@code -q}) and whether the job may be
 * run again after a node failure ({@code -r}).
 */
public record SubmitDefaults(String defaultQueue, boolean defaultRerunnable) {

    /** PBS's own defaults: queue {@code batch}, rerunnable. */
    public static final SubmitDefaults STANDARD = new SubmitDefaults("batch", true);

    public SubmitDefaults {
        if (defaultQueue.isBlank()) {
            throw new InvalidRequestException("the default queue needs a name");
        }
    }
}
