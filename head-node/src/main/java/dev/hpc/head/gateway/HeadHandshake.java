package dev.hpc.head.gateway;

import dev.hpc.api.wire.ClusterSecret;
import dev.hpc.api.wire.WireMessage;
import java.util.Optional;

/**
 * The head's half of proving the cluster secret on one worker link (one instance per connection):
 * it answers the worker's hello with its own nonce and proof, then accepts a registration only with
 * the worker's proof over both nonces and the node name. Until then nothing else from the link is
 * accepted. A head without a secret (an insecure cluster) still answers hellos, with an empty proof,
 * so that a worker that has a secret learns why it will not be obeyed.
 */
final class HeadHandshake {
    private final Optional<ClusterSecret> secret;
    private String workerNonce = "";
    private String headNonce = "";
    private boolean workerProved;
    private boolean failed;

    HeadHandshake(Optional<ClusterSecret> secret) {
        this.secret = secret;
    }

    /** The answer to a hello, or empty when one was already answered on this link. */
    Optional<WireMessage.Challenge> challenge(WireMessage.Hello hello, long epoch, String headName) {
        if (!headNonce.isEmpty()) {
            return Optional.empty();
        }
        workerNonce = hello.nonce();
        headNonce = ClusterSecret.nonce();
        String proof = secret.map(s -> s.headProof(workerNonce, headNonce, headName)).orElse("");
        return Optional.of(new WireMessage.Challenge(epoch, headName, headNonce, proof));
    }

    /** The link failed the handshake and is closing. */
    void fail() {
        failed = true;
    }

    boolean failed() {
        return failed;
    }

    /** A hello was answered but the worker never proved the secret, and the link was not refused by us. */
    boolean abandoned() {
        return secret.isPresent() && !headNonce.isEmpty() && !workerProved && !failed;
    }

    /** Whether the worker proved the secret on this link, or none is needed. */
    boolean proved() {
        return secret.isEmpty() || workerProved;
    }

    /**
     * Empty when the message may be handled; otherwise why the link must be closed. Every
     * registration is checked, so that one link cannot prove one node and then register another.
     */
    Optional<String> check(WireMessage.FromWorker message) {
        if (secret.isEmpty()) {
            return Optional.empty();
        }
        if (message instanceof WireMessage.Register r) {
            if (headNonce.isEmpty() || r.secretProof().isEmpty()
                    || !ClusterSecret.matches(secret.get().workerProof(headNonce, workerNonce, r.node()),
                    r.secretProof())) {
                return Optional.of("worker " + r.node() + " did not prove the cluster secret; check "
                        + "cluster-secret-file");
            }
            workerProved = true;
            return Optional.empty();
        }
        if (!workerProved) {
            return Optional.of("a worker sent " + message.getClass().getSimpleName() + " before proving the "
                    + "cluster secret; check cluster-secret-file");
        }
        return Optional.empty();
    }
}
