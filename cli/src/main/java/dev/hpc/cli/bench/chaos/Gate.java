package dev.hpc.cli.bench.chaos;

/**
 * Spreads the submissions over the fault schedule: submission i of N goes once {@code floor((i-1) * F / N)} of
 * the F faults have been injected, so that every fault meets submissions in flight, and none waits once the
 * schedule is over (or gave up).
 */
final class Gate {
    private final int jobs;
    private final int faults;
    private int injected;
    private boolean open;

    Gate(int jobs, int faults) {
        this.jobs = jobs;
        this.faults = faults;
        this.open = faults == 0;
    }

    synchronized void injected(int count) {
        injected = count;
        notifyAll();
    }

    synchronized void openFully() {
        open = true;
        notifyAll();
    }

    /** Waits until submission {@code index} (1-based) may go. */
    synchronized void await(int index) throws InterruptedException {
        long needed = (long) (index - 1) * faults / jobs;
        while (!open && injected < needed) {
            wait(1000);
        }
    }
}
