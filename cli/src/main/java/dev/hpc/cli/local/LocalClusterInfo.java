package dev.hpc.cli.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A local cluster as {@code local.json} records it: its name, directory, head addresses and daemons. */
public record LocalClusterInfo(String cluster, Path dir, List<String> heads, List<Daemon> daemons) {
    public LocalClusterInfo {
        heads = List.copyOf(heads);
        daemons = List.copyOf(daemons);
    }

    public Optional<Daemon> daemon(String name) {
        return daemons.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    public List<Daemon> daemons(Daemon.Role role) {
        return daemons.stream().filter(d -> d.role() == role).toList();
    }

    /** {@code http://127.0.0.1:8640/api/v1} of the first head. */
    public String apiUrl() {
        return "http://" + heads.get(0) + "/api/v1";
    }

    LocalClusterInfo with(Daemon changed) {
        return new LocalClusterInfo(cluster, dir, heads,
                daemons.stream().map(d -> d.name().equals(changed.name()) ? changed : d).toList());
    }

    LocalClusterInfo plus(Daemon added) {
        List<Daemon> all = new ArrayList<>(daemons);
        all.add(added);
        return new LocalClusterInfo(cluster, dir, heads, all);
    }
}
