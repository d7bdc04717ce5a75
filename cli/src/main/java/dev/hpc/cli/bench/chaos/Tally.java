package dev.hpc.cli.bench.chaos;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The accounting of a set of submissions. The first group counts what happened; the second is what must be 0
 * ({@link #bad()}).
 *
 * @param submitted              submissions sent
 * @param acknowledged           those the head acknowledged with a job id
 * @param unacknowledged         those that gave up (no head answered in time, or an error)
 * @param unacknowledgedButRan   of those, how many made a job anyway (shown, not a fault: the client gave up)
 * @param completed              acknowledged jobs whose body wrote an end line
 * @param completedTwiceNodeDied acknowledged jobs that wrote two end lines, the first on a node crashed or cut
 *                               from the active head after it started (its result died with the node, or could
 *                               not reach the head, so the run again is right)
 * @param lost                   acknowledged, no end line, and the head does not hold it queued or running
 * @param ranTwiceAtOnce         acknowledged jobs with two runs whose intervals overlap
 * @param completedTwice         acknowledged jobs that wrote two end lines though the node of the first was never
 *                               crashed after it started
 * @param submittedTwice         submissions for which more than one job exists (by name, key or marker lines)
 * @param notTerminal            acknowledged jobs the head still holds queued, held or running at the end
 * @param notCompleted           acknowledged jobs the head has ended otherwise than COMPLETED with status 0, or
 *                               does not know
 * @param missingFromHistory     acknowledged jobs the head knows by number but its full listing lacks
 * @param malformedLines         marker lines that could not be read (torn writes)
 * @param attributed             acknowledgements that named the head and epoch that gave them
 * @param outOfTurn              acknowledgements given out of turn ({@link AckOrder}): by a second head in one
 *                               epoch, or in an older epoch after a newer one had acknowledged
 */
public record Tally(int submitted, int acknowledged, int unacknowledged, int unacknowledgedButRan, int completed,
                    int completedTwiceNodeDied, int lost, int ranTwiceAtOnce, int completedTwice, int submittedTwice,
                    int notTerminal, int notCompleted, int missingFromHistory, int malformedLines, int attributed,
                    int outOfTurn) {

    public static Tally zero() {
        return new Tally(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    public Tally plus(Tally o) {
        return new Tally(submitted + o.submitted, acknowledged + o.acknowledged, unacknowledged + o.unacknowledged,
                unacknowledgedButRan + o.unacknowledgedButRan, completed + o.completed,
                completedTwiceNodeDied + o.completedTwiceNodeDied, lost + o.lost, ranTwiceAtOnce + o.ranTwiceAtOnce,
                completedTwice + o.completedTwice, submittedTwice + o.submittedTwice, notTerminal + o.notTerminal,
                notCompleted + o.notCompleted, missingFromHistory + o.missingFromHistory,
                malformedLines + o.malformedLines, attributed + o.attributed, outOfTurn + o.outOfTurn);
    }

    /** The counts that say what happened, by row label, in table order. */
    public Map<String, Integer> counts() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("submitted", submitted);
        m.put("acknowledged", acknowledged);
        m.put("  of which head and epoch known", attributed);
        m.put("unacknowledged (gave up)", unacknowledged);
        m.put("  of which made a job anyway", unacknowledgedButRan);
        m.put("completed (end line written)", completed);
        m.put("completed twice, node lost", completedTwiceNodeDied);
        m.put("unreadable marker lines", malformedLines);
        return m;
    }

    /** The counts that must all be 0, by row label, in table order. */
    public Map<String, Integer> bad() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("LOST", lost);
        m.put("RAN TWICE AT ONCE", ranTwiceAtOnce);
        m.put("COMPLETED TWICE, NODE ALIVE", completedTwice);
        m.put("SUBMITTED TWICE", submittedTwice);
        m.put("TWO HEADS ACKNOWLEDGING", outOfTurn);
        m.put("NOT TERMINAL (API)", notTerminal);
        m.put("NOT COMPLETED/0 (API)", notCompleted);
        m.put("MISSING FROM qstat -x (API)", missingFromHistory);
        return m;
    }

    public boolean clean() {
        return bad().values().stream().allMatch(v -> v == 0);
    }
}
