/**
 * A whole cluster on one machine: {@link dev.hpc.cli.local.LocalCluster} starts heads and workers as
 * background processes from the built jars, records them in {@code local.json}, and stops, kills and
 * restarts them. Used by {@code hpc local} and by process tests that kill real daemons; it never exits
 * the JVM and takes every path and port as a parameter.
 */
package dev.hpc.cli.local;
