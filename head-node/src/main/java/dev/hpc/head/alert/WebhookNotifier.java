package dev.hpc.head.alert;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Posts every alert as a JSON object to a webhook:
 *
 * <pre>
 * {"kind": "NODE_DOWN", "subject": "node3", "message": "node node3 is down: no heartbeat for 5000 ms; ...",
 *  "time": "2026-11-24T10:00:05Z", "id": 17, "cluster": "c", "head": "head1",
 *  "text": "[c] NODE_DOWN node3: node node3 is down: ..."}
 * </pre>
 *
 * ({@code text} makes it readable by chat webhooks that show only that field.) {@link #alert} only
 * queues: the queue is bounded and a full queue drops the alert with a warning. One sender thread
 * takes alerts in order and posts them asynchronously, at most {@link #MAX_IN_FLIGHT} at a time, each
 * with the configured timeout; a failure (no answer, or a status other than 2xx) is logged and
 * counted, and the alert is not sent again.
 */
public final class WebhookNotifier extends QueuedNotifier<Alert> {
    private static final Logger LOG = Logger.getLogger(WebhookNotifier.class.getName());
    static final int MAX_IN_FLIGHT = 4;

    private final URI url;
    private final Duration timeout;
    private final String cluster;
    private final String head;
    private final HttpClient http;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

    public WebhookNotifier(URI url, Duration timeout, int queueCapacity, String cluster, String head) {
        super("alert-webhook", queueCapacity);
        this.url = url;
        this.timeout = timeout;
        this.cluster = cluster;
        this.head = head;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public static WebhookNotifier of(AlertSettings settings, String cluster, String head) {
        return new WebhookNotifier(settings.webhook().orElseThrow(), settings.timeout(), settings.queueCapacity(),
                cluster, head);
    }

    @Override
    public void changed(List<Job> jobs, List<NodeInfo> nodes) {
        // only alerts go to the webhook
    }

    /** Queues the alert; never blocks. */
    @Override
    public void alert(Alert alert) {
        long n = outbox.offer(alert);
        if (n > 0) {
            LOG.warning("alert webhook " + url + " is behind (" + outbox.waiting() + " waiting): dropped alert "
                    + alert.kind() + " " + alert.subject() + " (" + n + " dropped so far)");
        }
    }

    /** The JSON body posted for one alert. */
    public static String payload(Alert a, String cluster, String head) {
        Map<String, Object> m = new LinkedHashMap<>(Codec.toMap(a));
        m.put("cluster", cluster);
        m.put("head", head);
        m.put("text", "[" + cluster + "] " + a.kind() + " " + a.subject() + ": " + a.message());
        return Json.write(m);
    }

    /** Waits for one of the {@link #MAX_IN_FLIGHT} places, then posts without waiting for the answer. */
    @Override
    void send(Alert a) throws InterruptedException {
        inFlight.acquire();
        post(a);
    }

    private void post(Alert a) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "hpc-head/" + head)
                .POST(HttpRequest.BodyPublishers.ofString(payload(a, cluster, head), StandardCharsets.UTF_8))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            inFlight.release();
            if (error != null) {
                outbox.countFailed();
                LOG.warning("alert webhook " + url + ": " + a.kind() + " " + a.subject() + " not delivered: "
                        + error);
            } else if (response.statusCode() / 100 != 2) {
                outbox.countFailed();
                LOG.warning("alert webhook " + url + " answered HTTP " + response.statusCode() + " to " + a.kind()
                        + " " + a.subject());
            } else {
                outbox.countSent();
            }
        });
    }

    @Override
    void sendFailed(RuntimeException e) {
        inFlight.release();
        LOG.log(Level.WARNING, "alert webhook " + url + ": cannot send", e);
    }
}
