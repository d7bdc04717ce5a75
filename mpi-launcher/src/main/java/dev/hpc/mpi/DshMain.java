package dev.hpc.mpi;

import java.util.Arrays;

/** {@code hpc-dsh} and {@code pbsdsh}: {@link Dsh} as a program of its own, quicker to start than {@code hpc}. */
public final class DshMain {
    private DshMain() {
    }

    public static void main(String[] args) {
        String tool = System.getProperty("hpc.tool", "hpc dsh");
        int code = new Dsh(tool, System.out, System.err).run(Arrays.asList(args), System.getenv());
        System.out.flush();
        System.exit(code);
    }
}
