package dev.hpc.head.state;

import dev.hpc.api.job.Job;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The records of live jobs as reads on the state thread last built them, so that a read of one job that asks
 * again is answered on its own thread (issue 21): at 10,000 nodes a scheduling cycle holds the state thread for
 * tens of milliseconds, and the record of an array of a thousand tasks is costly to build.
 *
 * <p>Kept and forgotten only on the state thread, the jobs' one writer; looked up from any thread. A record kept
 * here is the job as the state holds it: every change of what a reader sees of a job is noted in {@link
 * ChangedJobs}, and {@link ClusterState#apply} forgets the records of the jobs noted there before the command's
 * step on the state thread ends, that is before its commit is even queued, so before its caller is answered or a
 * worker hears of it. Whoever learned of a change therefore finds no record from before it, and a lookup that
 * races with a command finds the job as it was before that command, as a read queued on the state thread just
 * ahead of it would. Records are immutable, so a reader shares them without copying.
 */
final class JobRecordCache {
    /** Records kept at most: far more jobs than people watch at once, a bound on what a scan of reads can hold. */
    static final int CAPACITY = 1024;

    private final ConcurrentHashMap<Long, Job> records = new ConcurrentHashMap<>();

    /** Safe from any thread. */
    Optional<Job> get(long number) {
        return Optional.ofNullable(records.get(number));
    }

    /** On the state thread only, with the record just built from the job as it is. */
    void keep(Job record) {
        long number = record.id().number();
        if (records.size() >= CAPACITY && !records.containsKey(number)) {
            // any one makes room: a job read again is kept again by that read
            Iterator<Long> any = records.keySet().iterator();
            any.next();
            any.remove();
        }
        records.put(number, record);
    }

    /** On the state thread only, as the job changes or leaves the state. */
    void forget(long number) {
        records.remove(number);
    }

    int size() {
        return records.size();
    }
}
