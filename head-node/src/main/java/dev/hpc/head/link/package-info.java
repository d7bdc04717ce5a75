/**
 * What the worker gateway and the spawn relay share: the interface of the workers' links and the hooks the gateway
 * calls for spawned commands. Both edges depend on this package and never on each other.
 */
package dev.hpc.head.link;
