/**
 * The worker gateway: the WebSocket end of the worker link. It answers registrations with the
 * head's epoch, passes heartbeats and results to the state, and carries effects (launch, kill,
 * acknowledge) to the worker they name. It decides nothing; a lost message is repaired by the
 * reconciliation at the next registration or heartbeat.
 */
package dev.hpc.head.gateway;
