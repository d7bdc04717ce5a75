package dev.hpc.api.wire;

import java.util.Optional;

/**
 * The worker's half of proving the cluster secret on one link (one instance per connection): it
 * opens with a {@link WireMessage.Hello}, checks the head's {@link WireMessage.Challenge}, and signs
 * its registrations. Until the head has proved the secret the worker must obey nothing it sends.
 * A worker without a secret (an insecure cluster) sends no hello and trusts the head at once.
 */
public final class WorkerHandshake {
    private final Optional<ClusterSecret> secret;
    private final String workerNonce = ClusterSecret.nonce();
    private String headNonce = "";
    private boolean headProved;
    private boolean failed;

    public WorkerHandshake(Optional<ClusterSecret> secret) {
        this.secret = secret;
    }

    /** The first message on the link; empty when this worker holds no secret and registers at once. */
    public Optional<WireMessage.Hello> hello() {
        return secret.map(s -> new WireMessage.Hello(workerNonce));
    }

    /** Marks the link as dropped: the head failed the handshake. */
    public void fail() {
        failed = true;
    }

    public boolean failed() {
        return failed;
    }

    /** Whether the head's messages may be obeyed: it proved the secret, or this worker holds none. */
    public boolean trusted() {
        return !failed && (secret.isEmpty() || headProved);
    }

    /** Checks the head's answer; empty when it proved the secret, else why the link must be dropped. */
    public Optional<String> check(WireMessage.Challenge c) {
        if (secret.isEmpty()) {
            return Optional.empty();
        }
        if (headProved) {
            return Optional.of("head " + c.headName() + " sent a second challenge on one link");
        }
        if (c.proof().isEmpty()) {
            return Optional.of("head " + c.headName() + " has no cluster secret but this worker has one; "
                    + "give both the same cluster-secret-file");
        }
        if (!ClusterSecret.matches(secret.get().headProof(workerNonce, c.nonce(), c.headName()), c.proof())) {
            return Optional.of("head " + c.headName() + " did not prove the cluster secret; check cluster-secret-file");
        }
        headNonce = c.nonce();
        headProved = true;
        return Optional.empty();
    }

    /** The registration signed for this link (unchanged when this worker holds no secret). */
    public WireMessage.Register prove(WireMessage.Register r) {
        return secret.filter(s -> headProved).map(s -> r.withSecretProof(s.workerProof(headNonce, workerNonce,
                r.node()))).orElse(r);
    }
}
