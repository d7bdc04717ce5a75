package dev.hpc.cli.local;

/** A recorded daemon and whether its process is alive now. */
public record DaemonStatus(Daemon daemon, boolean alive) {
}
