package dev.hpc.cli.bench.chaos;

/**
 * Spreads the submissions over the fault schedule: submission i of N goes as fault {@code floor((i-1) * F / N) + 1}
 * of the F faults begins, so that every fault meets a batch of submissions in flight (a batch sent between
 * faults was all answered, on a fast machine, before the next fault came), and none waits once the schedule is
 * over (or gave up).
 */
final class Gate {
    private final int jobs;
    private final int faults;
    private int begun;
    private boolean open;

    Gate(int jobs, int faults) {
        this.jobs = jobs;
        this.faults = faults;
        this.open = faults == 0;
    }

    /** Fault {@code number} (1-based) is about to be injected. */
    synchronized void begun(int number) {
        begun = number;
        notifyAll();
    }

    synchronized void openFully() {
        open = true;
        notifyAll();
    }

    /** Waits until submission {@code index} (1-based) may go. */
    synchronized void await(int index) throws InterruptedException {
        long needed = (long) (index - 1) * faults / jobs + 1;
        while (!open && begun < needed) {
            wait(1000);
        }
    }
}
