package dev.hpc.api;

import java.util.Locale;
import java.util.Set;

/**
 * qsub {@code -l name=value[,name=value...]}: each entry is read on its own and recorded with its
 * origin, so that a later {@code -l} replaces only the entries it names.
 *
 * <p>Known names: {@code walltime}, {@code nodes}, {@code select}, {@code ncpus}, {@code mem},
 * {@code pmem}, and {@code place}, which is accepted and ignored (every chunk gets its own node
 * anyway). Names of PBS resources this cluster does not enforce are refused; any other name is a
 * generic per-node resource such as {@code gpus=2}.
 */
final class ResourceLists {

    private static final Set<String> UNSUPPORTED = Set.of("cput", "pcput", "file", "host", "hostlist", "arch",
            "software", "procs", "naccesspolicy", "nice", "feature", "opsys", "vnode", "tpn", "trl", "epilogue",
            "prologue", "other");

    private ResourceLists() {
    }

    static void apply(String list, Origin origin, ResourceDraft resources) {
        if (list.isEmpty()) {
            throw origin.error("-l", "resource list is empty; write it like walltime=01:00:00,nodes=1:ppn=4");
        }
        for (String entry : list.split(",", -1)) {
            String what = "-l " + entry;
            origin.within(what, () -> entry(entry, origin, what, resources));
        }
    }

    private static void entry(String entry, Origin origin, String what, ResourceDraft resources) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            throw new InvalidRequestException("a resource is written name=value, e.g. walltime=01:00:00");
        }
        String name = entry.substring(0, eq).toLowerCase(Locale.ROOT);
        String value = entry.substring(eq + 1);
        switch (name) {
            case "walltime" -> resources.walltime(new ResourceDraft.Setting<>(Walltimes.parsePbs(value), origin, what));
            case "mem" -> resources.jobMemory(new ResourceDraft.Setting<>(Sizes.parsePbs(value), origin, what));
            case "pmem" -> resources.processMemory(new ResourceDraft.Setting<>(Sizes.parsePbs(value), origin, what));
            case "ncpus" -> resources.ncpus(new ResourceDraft.Setting<>(
                    Counts.parse(value, "ncpus", 1, SubmitParser.MAX_CORES_PER_NODE), origin, what));
            case "nodes" -> resources.shape(new ResourceDraft.Setting<>(NodeShape.parseNodes(value), origin, what));
            case "select" -> resources.shape(new ResourceDraft.Setting<>(NodeShape.parseSelect(value), origin, what));
            case "place" -> {
                if (value.isEmpty()) {
                    throw new InvalidRequestException("place needs a value such as scatter");
                }
            }
            case "vmem", "pvmem" -> throw new InvalidRequestException("virtual memory limits are not supported; ask "
                    + "for memory with mem (whole job) or pmem (per process)");
            default -> {
                if (UNSUPPORTED.contains(name)) {
                    throw new InvalidRequestException("resource '" + name + "' is not supported; supported are "
                            + "walltime, nodes, select, ncpus, mem, pmem, place and generic counts such as gpus=2");
                }
                resources.generic(GenericResources.name(name), GenericResources.amount(name, value));
            }
        }
    }
}
