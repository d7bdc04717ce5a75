package dev.hpc.head;

import dev.hpc.api.Job;
import dev.hpc.api.NodeInfo;
import java.util.List;

/**
 * Told of every committed change, in commit order, on the store's writer thread: keep it quick and
 * hand real work to another thread. The event stream of the API listens here.
 */
public interface ChangeListener {
    void changed(List<Job> jobs, List<NodeInfo> nodes);
}
