package dev.hpc.head.link;

import dev.hpc.api.wire.WireMessage;

/**
 * The workers' links as the parts of the head beside the gateway use them: to send a node's worker a message, and
 * to be told what happens to the commands spawned through the links. The gateway implements it; the spawn relay
 * knows only this, so neither edge reaches into the other.
 */
public interface WorkerLinks {
    /** Sends a message to a node's worker; false when it has no link to this head. */
    boolean send(String node, WireMessage.FromHead message);

    /** Who handles spawned commands: their messages, lost links, and what a launch carries for them. */
    void spawnHooks(SpawnHooks hooks);
}
