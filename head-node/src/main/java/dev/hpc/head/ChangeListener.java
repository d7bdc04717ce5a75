package dev.hpc.head;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.NodeInfo;
import java.util.List;

/**
 * Told of every committed change, in commit order, on the store's writer thread: keep it quick and
 * hand real work to another thread. The event stream of the API listens here.
 */
public interface ChangeListener {
    void changed(List<Job> jobs, List<NodeInfo> nodes);

    /**
     * Told of every alert (node down, offline or back, task requeued or failed by a node failure) once
     * the change behind it is durable and recorded in the event log; on the head's alert thread, so keep it
     * quick.
     */
    default void alert(Alert alert) {
    }
}
