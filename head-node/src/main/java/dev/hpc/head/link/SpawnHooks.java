package dev.hpc.head.link;

import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.LaunchOrder;

/**
 * What the worker gateway tells the spawn relay (docs/mpi.md) and asks of it. Called on the
 * gateway's event loops: never block.
 */
public interface SpawnHooks {
    /** A worker registered; {@code host} is the machine it runs on. */
    void registered(String node, String host);

    /** A message about spawned commands: output, exit, or the list of those running. */
    void fromWorker(String node, FromWorker message);

    /** The link to a node's worker closed: the commands spawned through it can no longer be followed. */
    void linkClosed(String node);

    /** A launch about to go to a worker: the relay adds what the task needs to spawn (its token). */
    LaunchOrder launching(LaunchOrder order);

    /** No spawn support: launches go out as they are and spawn messages are dropped. */
    SpawnHooks NONE = new SpawnHooks() {
        @Override
        public void registered(String node, String host) {
        }

        @Override
        public void fromWorker(String node, FromWorker message) {
        }

        @Override
        public void linkClosed(String node) {
        }

        @Override
        public LaunchOrder launching(LaunchOrder order) {
            return order;
        }
    };
}
