package dev.hpc.head.state;

import dev.hpc.api.EndReason;
import dev.hpc.api.WireMessage.LaunchOrder;

/** What the machinery must do after a change is durable: messages to workers. */
public sealed interface Effect {
    String node();

    record Launch(String node, LaunchOrder order) implements Effect {
    }

    record Kill(String node, long attemptId, EndReason reason) implements Effect {
    }

    /** Tell the worker its result is recorded, so it may forget it. */
    record Ack(String node, long attemptId) implements Effect {
    }
}
