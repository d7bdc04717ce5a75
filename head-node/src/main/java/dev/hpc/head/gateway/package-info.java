/**
 * The worker gateway: the WebSocket end of the worker link. It answers registrations with the
 * head's epoch, passes heartbeats and results to the state, and carries effects (launch, kill,
 * acknowledge) to the worker they name. It decides nothing; a lost message is repaired by the
 * reconciliation at the next registration or heartbeat. With a cluster secret, nothing a link sends
 * is looked at until its worker has proved the secret ({@link dev.hpc.head.gateway.HeadHandshake});
 * a link that fails is refused, closed, and never becomes a node, and so is one that has not
 * registered within the link handshake timeout ({@link dev.hpc.head.edge.EdgeSettings}).
 */
package dev.hpc.head.gateway;
