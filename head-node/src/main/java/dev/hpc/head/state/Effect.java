package dev.hpc.head.state;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.wire.WireMessage.LaunchOrder;

/** What the machinery must do after a change is durable: messages to workers. */
public sealed interface Effect {
    String node();

    record Launch(String node, LaunchOrder order) implements Effect {
    }

    record Kill(String node, long attemptId, EndReason reason) implements Effect {
    }

    /** Send a signal to the processes of an attempt on the node ({@code qsig}). */
    record Signal(String node, long attemptId, String signal) implements Effect {
    }

    /** Append a line to an attempt's output file on the node ({@code qmsg}). */
    record AppendOutput(String node, long attemptId, JobOutput.Stream stream, String text)
            implements Effect {
    }

    /** Tell the worker its result is recorded, so it may forget it. */
    record Ack(String node, long attemptId) implements Effect {
    }

    /** Tell the worker to stop: it kills what still runs and exits (a stop by an administrator). */
    record Shutdown(String node, String reason) implements Effect {
    }

    /**
     * Ask the worker to register again: it was marked down and still talks (a worker back from a
     * freeze or a network cut), so its tasks must be reconciled before it takes work again.
     */
    record Reregister(String node, String message) implements Effect {
    }
}
