package dev.hpc.cli;

/** The version the CLI reports ({@code hpc --version}, {@code pbs_version} of {@code qstat -F json}). */
public final class Version {
    public static final String NUMBER = "0.1.0";
    public static final String TEXT = "hpc " + NUMBER;

    private Version() {
    }
}
