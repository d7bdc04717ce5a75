/**
 * The Java client of the REST API: {@link dev.hpc.api.client.HeadClient}'s endpoints over
 * {@link dev.hpc.api.client.HeadTransport}, which finds the active head and fails over between heads, with the
 * client's side of tokens and TLS.
 */
package dev.hpc.api.client;
