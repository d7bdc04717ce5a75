/**
 * The worker simulator: many nodes in one process, for loading a head with thousands of nodes on
 * one machine. Each simulated node speaks the real worker link (register, heartbeat, results kept
 * until acknowledged, epoch fencing) but "runs" a task by waiting, not by starting a process.
 * A measuring tool, never part of a real cluster.
 */
package dev.hpc.worker.sim;
