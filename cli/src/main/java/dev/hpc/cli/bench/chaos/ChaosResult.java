package dev.hpc.cli.bench.chaos;

import java.util.List;
import java.util.Optional;

/**
 * What a run of the fault suite found.
 *
 * @param settings the run's settings (the seed among them)
 * @param cluster  the cluster's name (the suffix of its job ids)
 * @param schedule the planned faults
 * @param faults   the faults injected, in order
 * @param exits    daemons that ended by themselves
 * @param account  the accounting of every submission
 * @param failure  why the run could not do everything it should (the schedule stopped, jobs never ended); empty
 *                 when it did
 * @param wallMs   how long the run took, from the cluster's start to the accounting
 */
public record ChaosResult(ChaosSettings settings, String cluster, List<Fault> schedule, List<FaultRecord> faults,
                          List<UnplannedExit> exits, ChaosAccount.Result account, Optional<String> failure,
                          long wallMs) {
    public ChaosResult {
        schedule = List.copyOf(schedule);
        faults = List.copyOf(faults);
        exits = List.copyOf(exits);
    }

    /** Every bad column 0, every fault injected, nothing left unfinished. */
    public boolean passed() {
        return account.total().clean() && failure.isEmpty() && faults.size() == schedule.size();
    }
}
