package dev.hpc.head.lease;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import dev.hpc.api.wire.ClusterSecret;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The lease's messages as JSON, and their proofs: with a cluster secret every request proves that a head
 * sent it and every answer that a voter gave it for that request, so that nobody who merely reaches a voter's
 * port can take the lease or make a head believe it holds one. Without a secret (an insecure cluster) the
 * proofs are empty and not checked.
 */
final class LeaseWire {
    static final String PATH = "/cluster/v1/lease";
    private static final Set<String> REQUEST_FIELDS = Set.of("head", "epoch", "durationMillis", "sentAt", "active",
            "soleCopy", "numbersUpTo", "bond", "proof");
    private static final Set<String> ANSWER_FIELDS = Set.of("granted", "epoch", "holder", "remainingMillis",
            "activeEpoch", "activeHead", "activeSole", "activeSoleAt", "numberedUpTo", "proof", "voter");

    /**
     * {@code active}: the head says it leads (or is about to) in {@code epoch}; {@code soleCopy}: the active head
     * says it may hold the only copy of changes it acknowledged; {@code numbersUpTo}: the job numbers the head
     * holding the lease reserves (0: none).
     */
    record Request(String head, long epoch, long durationMillis, long sentAt, boolean active, boolean soleCopy,
                   long numbersUpTo, String bond, String proof) {
        Duration duration() {
            return Duration.ofMillis(durationMillis);
        }

        /** A request for no time at all: the head gives back what its failed bid for {@code epoch} got. */
        boolean withdrawal() {
            return durationMillis == 0;
        }
    }

    private LeaseWire() {
    }

    /** {@code bond}: the id of the head's open bond with the voter asked, to which the grant is bound; "" for none. */
    static Request request(Optional<ClusterSecret> secret, String head, long epoch, Duration duration, long sentAt,
                           boolean active, boolean soleCopy, long numbersUpTo, String bond) {
        String proof = secret.map(s -> s.leaseRequestProof(head, epoch, duration.toMillis(), sentAt, active,
                soleCopy, numbersUpTo, bond)).orElse("");
        return new Request(head, epoch, duration.toMillis(), sentAt, active, soleCopy, numbersUpTo, bond, proof);
    }

    static Request request(Optional<ClusterSecret> secret, String head, long epoch, Duration duration, long sentAt,
                           boolean active, boolean soleCopy, long numbersUpTo) {
        return request(secret, head, epoch, duration, sentAt, active, soleCopy, numbersUpTo, "");
    }

    static String write(Request r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("head", r.head());
        m.put("epoch", r.epoch());
        m.put("durationMillis", r.durationMillis());
        m.put("sentAt", r.sentAt());
        m.put("active", r.active());
        m.put("soleCopy", r.soleCopy());
        m.put("numbersUpTo", r.numbersUpTo());
        if (!r.bond().isEmpty()) {
            m.put("bond", r.bond()); // only then: a voter that predates bonds reads the request as before
        }
        m.put("proof", r.proof());
        return Json.write(m);
    }

    /** Reads and checks a request; throws {@link IllegalArgumentException} saying what is wrong. */
    static Request readRequest(String body, Optional<ClusterSecret> secret) {
        JsonFields f = Json.readObject(body).allowOnly(REQUEST_FIELDS);
        Request r = new Request(f.string("head"), f.longValue("epoch"), f.longValue("durationMillis"),
                f.longValue("sentAt"), f.bool("active", false), f.bool("soleCopy", false),
                f.longValue("numbersUpTo", 0), f.string("bond", ""), f.string("proof", ""));
        if (r.head().isBlank() || r.epoch() < 1 || r.durationMillis() < 0) {
            throw new IllegalArgumentException("a lease request needs a head name, an epoch of at least 1 and a "
                    + "duration of at least 0 ms (0: the head withdraws its bid for that epoch)");
        }
        if (secret.isPresent() && !ClusterSecret.matches(secret.get().leaseRequestProof(r.head(), r.epoch(),
                r.durationMillis(), r.sentAt(), r.active(), r.soleCopy(), r.numbersUpTo(), r.bond()), r.proof())) {
            throw new SecurityException("the lease request of '" + r.head() + "' does not prove the cluster secret");
        }
        return r;
    }

    static String write(LeaseVoter.Answer a, Request answered, String voter, Optional<ClusterSecret> secret) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("voter", voter);
        m.put("granted", a.granted());
        m.put("epoch", a.epoch());
        m.put("holder", a.holder());
        m.put("remainingMillis", a.remainingMillis());
        m.put("activeEpoch", a.activeEpoch());
        m.put("activeHead", a.activeHead());
        m.put("activeSole", a.activeSole());
        m.put("activeSoleAt", a.activeSoleAt());
        m.put("numberedUpTo", a.numberedUpTo());
        m.put("proof", secret.map(s -> s.leaseAnswerProof(answered.proof(), a.granted(), a.epoch(), a.holder(),
                a.remainingMillis(), a.activeEpoch(), a.activeHead(), a.activeSole(), a.activeSoleAt(),
                a.numberedUpTo())).orElse(""));
        return Json.write(m);
    }

    /** Reads an answer to {@code asked}; one whose proof does not match counts as no answer (empty). */
    static Optional<LeaseVoter.Answer> readAnswer(String body, Request asked, Optional<ClusterSecret> secret) {
        JsonFields f = Json.readObject(body).allowOnly(ANSWER_FIELDS);
        LeaseVoter.Answer a = new LeaseVoter.Answer(f.bool("granted", false), f.longValue("epoch"),
                f.string("holder", ""), f.longValue("remainingMillis", 0), f.longValue("activeEpoch", 0),
                f.string("activeHead", ""), f.bool("activeSole", false), f.longValue("activeSoleAt", 0),
                f.longValue("numberedUpTo", 0));
        if (secret.isPresent() && !ClusterSecret.matches(secret.get().leaseAnswerProof(asked.proof(), a.granted(),
                a.epoch(), a.holder(), a.remainingMillis(), a.activeEpoch(), a.activeHead(), a.activeSole(),
                a.activeSoleAt(), a.numberedUpTo()), f.string("proof", ""))) {
            return Optional.empty();
        }
        return Optional.of(a);
    }
}
