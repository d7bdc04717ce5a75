/**
 * The head's HTTP port as a stranger meets it: what every connection must do, and how soon, to be
 * served, and the answer to a request that is not valid HTTP. Invariants (issue #15): every malformed
 * request gets a 4xx whose message names the fault, never a 5xx and never a hang, and its connection
 * is closed after the answer, so no byte after it is read as another request; a connection that sends
 * no whole request head in time, no body in time, or nothing at all for a while, is closed; a worker
 * link that does not complete its handshake in time is closed. The limits are {@link
 * dev.hpc.head.edge.EdgeSettings}, part of the head's configuration.
 */
package dev.hpc.head.edge;
