package dev.hpc.head.state;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The live jobs by number, with what is kept up to date as they change so that no question about them scans
 * them all: the counts for {@code /metrics} ({@link JobTally}) and the jobs by their submission's idempotency key.
 */
final class JobTable {
    private final TreeMap<Long, JobEntry> byNumber = new TreeMap<>();
    private final JobTally tally = new JobTally();
    /** Live jobs by their owner's idempotency key of the submission ({@link #submitKey}). */
    private final Map<String, Long> bySubmitKey = new HashMap<>();
    private final JobRecordCache records = new JobRecordCache();

    /** The live job of this number; null when there is none. */
    JobEntry get(long number) {
        return byNumber.get(number);
    }

    /** In number order. */
    Collection<JobEntry> all() {
        return byNumber.values();
    }

    /** The record of the live job of this number, built now and kept for readers ({@link JobRecordCache}). */
    Optional<Job> record(long number) {
        JobEntry e = byNumber.get(number);
        if (e == null) {
            return Optional.empty();
        }
        Job record = e.toRecord();
        records.keep(record);
        return Optional.of(record);
    }

    /** The record a read on the state thread would build now, when one is kept; safe from any thread. */
    Optional<Job> keptRecord(long number) {
        return records.get(number);
    }

    /** The jobs are shown otherwise from now on: their kept records go. */
    void forgetRecords(List<JobEntry> changed) {
        for (JobEntry e : changed) {
            records.forget(e.id.number());
        }
    }

    /** A job loaded from the store or a replica; it replaces what was held under its number. */
    void restore(JobEntry e) {
        records.forget(e.id.number());
        JobEntry replaced = byNumber.put(e.id.number(), e);
        if (replaced != null) {
            tally.leave(replaced);
        }
        tally.enter(e, false);
        indexSubmitKey(e);
    }

    /** A job just submitted. */
    void admit(JobEntry e) {
        records.forget(e.id.number());
        byNumber.put(e.id.number(), e);
        tally.enter(e, true);
        indexSubmitKey(e);
    }

    /** Counts a job the command being applied changed as it is now. */
    void counted(JobEntry e) {
        tally.update(e);
    }

    /** Takes out the jobs that ended before {@code cutoff}; they are returned for what is kept of them. */
    List<JobEntry> expireEndedBefore(Instant cutoff) {
        List<JobEntry> expired = new ArrayList<>();
        Iterator<JobEntry> it = byNumber.values().iterator();
        while (it.hasNext()) {
            JobEntry e = it.next();
            if (e.state().isTerminal() && e.lastEnd().isBefore(cutoff)) {
                expired.add(e);
                it.remove();
                records.forget(e.id.number());
                tally.leave(e);
                if (!e.spec.submitKey().isEmpty()) {
                    bySubmitKey.remove(submitKey(e.spec.owner(), e.spec.submitKey()), e.id.number());
                }
            }
        }
        return expired;
    }

    /**
     * The live job its owner submitted with this idempotency key, if any. Keys are remembered as long as their
     * job is in memory (at least the keep time).
     */
    Optional<Long> numberBySubmitKey(String owner, String key) {
        return key.isEmpty() ? Optional.empty() : Optional.ofNullable(bySubmitKey.get(submitKey(owner, key)));
    }

    private void indexSubmitKey(JobEntry e) {
        if (!e.spec.submitKey().isEmpty()) {
            bySubmitKey.put(submitKey(e.spec.owner(), e.spec.submitKey()), e.id.number());
        }
    }

    /** Keys are the owner's own: one user's key never finds another user's job. */
    private static String submitKey(String owner, String key) {
        return owner + '\u0000' + key;
    }

    /**
     * Jobs in number order above {@code after}, filtered, at most {@code limit}; and the total that
     * matched. Only the jobs shown are built as records; the rest are counted from their entries.
     */
    ClusterState.Page page(JobFilter filter, long after, int limit) {
        NavigableMap<Long, JobEntry> later = byNumber.tailMap(after, false);
        List<Job> out = new ArrayList<>(Math.min(limit, 1024));
        int total = 0;
        long next = -1;
        boolean all = filter.isAll();
        for (JobEntry e : later.values()) {
            if (!all && !filter.matches(e)) {
                continue;
            }
            total++;
            if (out.size() < limit) {
                out.add(e.toRecord());
            } else if (next < 0) {
                next = out.get(out.size() - 1).id().number();
                if (all) {
                    total = later.size();
                    break;
                }
            }
        }
        return new ClusterState.Page(out, total, next);
    }

    Map<JobState, Integer> counts() {
        Map<JobState, Integer> counts = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            counts.put(s, 0);
        }
        for (JobEntry e : byNumber.values()) {
            counts.merge(e.state(), 1, Integer::sum);
        }
        return counts;
    }

    /** The job figures for {@code /metrics}, counted under these queue names. */
    JobFigures figures(Set<String> queues) {
        return tally.figures(queues);
    }
}
