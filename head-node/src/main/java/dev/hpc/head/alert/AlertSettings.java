package dev.hpc.head.alert;

import dev.hpc.api.InvalidRequestException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where alerts go besides the event log and the event stream: a webhook ({@code --alert-webhook URL},
 * config key {@code alert-webhook}), posted to with this timeout, with at most {@code queueCapacity}
 * alerts waiting to be sent (more are dropped and counted).
 */
public record AlertSettings(Optional<URI> webhook, Duration timeout, int queueCapacity) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_QUEUE = 1000;

    public AlertSettings {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidRequestException("the alert webhook timeout must be more than zero");
        }
        if (queueCapacity < 1) {
            throw new InvalidRequestException("the alert queue must hold at least one alert");
        }
    }

    public static AlertSettings none() {
        return new AlertSettings(Optional.empty(), DEFAULT_TIMEOUT, DEFAULT_QUEUE);
    }

    /** An http or https URL, or empty for none; anything else is refused with what to fix. */
    public static AlertSettings webhook(String url) {
        if (url == null || url.isBlank()) {
            return none();
        }
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("--alert-webhook '" + url + "' is not a URL: " + e.getMessage());
        }
        if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                || uri.getHost() == null) {
            throw new InvalidRequestException("--alert-webhook '" + url + "' must be an http:// or https:// URL "
                    + "with a host, such as https://hooks.example.org/hpc");
        }
        return new AlertSettings(Optional.of(uri), DEFAULT_TIMEOUT, DEFAULT_QUEUE);
    }
}
