package dev.hpc.api.pbs;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.ContainerImage;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.WalltimeSignal;
import java.util.Locale;
import java.util.Set;

/**
 * qsub {@code -l name=value[,name=value...]}: each entry is read on its own and recorded with its
 * origin, so that a later {@code -l} replaces only the entries it names.
 *
 * <p>Applied: {@code walltime}, {@code nodes}, {@code select}, {@code ncpus}, {@code mem},
 * {@code pmem}, and Torque's {@code procs=N} (N cores anywhere), which asks for one node of N cores,
 * the closest layout this cluster places. Recorded and shown as {@code Resource_List.NAME}, and applied
 * by the worker as per-process limits ({@link ProcessLimits}): {@code vmem}, {@code pvmem}, {@code cput},
 * {@code pcput}, {@code file}; and Torque/Moab's {@code signal=SIG@SECONDS}, which the worker sends before the
 * walltime ends ({@link WalltimeSignal}). Applied as {@link NodeAccess}: {@code place=...:excl} and
 * {@code naccesspolicy} (nodes of the job's own), {@code host=NAME} (the job runs on that node); recorded
 * and shown besides. Recorded and shown, not applied: {@code software}, {@code nice}, and the arrangement
 * of {@code place} (every chunk gets a node of its own anyway). The values are checked as
 * Torque checks them, so a typo is still refused. Torque's {@code feature=ib&bigmem} asks for node
 * properties as Slurm's {@code --constraint} does. The few PBS resource names left in
 * {@link #UNSUPPORTED} are refused; any other name is a generic per-node resource when its value
 * is an amount ({@code gpus=2}, {@code scratch=100gb}) and else a string-valued host resource every
 * node must have ({@code host_type=skylake}; the head refuses names no node or site declared).
 */
final class ResourceLists {

    private static final Set<String> UNSUPPORTED = Set.of("hostlist", "arch", "opsys", "vnode", "tpn",
            "trl", "epilogue", "prologue", "other");
    private static final int MIN_NICE = -20;
    private static final int MAX_NICE = 19;

    private ResourceLists() {
    }

    static void apply(String list, Origin origin, SubmitDraft draft) {
        if (list.isEmpty()) {
            throw origin.error("-l", "resource list is empty; write it like walltime=01:00:00,nodes=1:ppn=4");
        }
        for (String entry : list.split(",", -1)) {
            String what = "-l " + entry;
            origin.within(what, () -> entry(entry, origin, what, draft));
        }
    }

    private static void entry(String entry, Origin origin, String what, SubmitDraft draft) {
        ResourceDraft resources = draft.resources();
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            throw new InvalidRequestException("a resource is written name=value, e.g. walltime=01:00:00");
        }
        String name = entry.substring(0, eq).toLowerCase(Locale.ROOT);
        String value = entry.substring(eq + 1);
        if (name.equals("nodes") || name.equals("select") || name.equals("ncpus")) {
            // a node request written after procs= replaces it, as it replaces an earlier nodes=
            draft.forget("Resource_List.procs");
        }
        switch (name) {
            case "walltime" -> resources.walltime(new ResourceDraft.Setting<>(Walltimes.parsePbs(value), origin, what));
            case "mem" -> resources.jobMemory(new ResourceDraft.Setting<>(Sizes.parsePbs(value), origin, what));
            case "pmem" -> resources.processMemory(new ResourceDraft.Setting<>(Sizes.parsePbs(value), origin, what));
            case "ncpus" -> resources.ncpus(new ResourceDraft.Setting<>(
                    Counts.parse(value, "ncpus", 1, SubmitParser.MAX_CORES_PER_NODE), origin, what));
            case "nodes" -> resources.shape(new ResourceDraft.Setting<>(NodeShape.parseNodes(value), origin, what));
            case "select" -> resources.shape(new ResourceDraft.Setting<>(NodeShape.parseSelect(value), origin, what));
            case "procs" -> {
                int cores = Counts.parse(value, "procs", 1, SubmitParser.MAX_CORES_PER_NODE);
                resources.shape(new ResourceDraft.Setting<>(NodeShape.parseNodes("1:ppn=" + cores), origin, what));
                draft.record("Resource_List.procs", Integer.toString(cores));
            }
            case "vmem", "pvmem", "file" -> draft.record("Resource_List." + name, Sizes.format(Sizes.parsePbs(value)));
            case "cput", "pcput" -> draft.record("Resource_List." + name,
                    Walltimes.format(Walltimes.parsePbs(value)));
            case "feature" -> resources.feature(new ResourceDraft.Setting<>(NodeConstraint.parseFeatures(value), origin,
                    what));
            case "container" -> draft.container(value, origin, what);
            case "nice" -> draft.record("Resource_List.nice", Integer.toString(nice(value)));
            case "signal" -> draft.record(WalltimeSignal.RECORDED, WalltimeSignal.parsePbs(value).text());
            case "place", "software", "host", "naccesspolicy" -> {
                if (value.isEmpty()) {
                    throw new InvalidRequestException(name + " needs a value, e.g. " + switch (name) {
                        case "place" -> "place=scatter";
                        case "software" -> "software=matlab";
                        case "host" -> "host=node01";
                        default -> "naccesspolicy=singlejob";
                    });
                }
                switch (name) {
                    case "place" -> resources.sharing(new ResourceDraft.Setting<>(place(value), origin, what));
                    case "naccesspolicy" -> resources.sharing(new ResourceDraft.Setting<>(accessPolicy(value), origin,
                            what));
                    case "host" -> resources.host(new ResourceDraft.Setting<>(
                            Set.of(NodeAccess.checkName(value, "host=")), origin, what));
                    default -> {
                    }
                }
                draft.record("Resource_List." + name, value);
            }
            default -> {
                if (UNSUPPORTED.contains(name)) {
                    throw new InvalidRequestException("resource '" + name + "' is not supported; supported are "
                            + "walltime, nodes, select, ncpus, procs, mem, pmem, vmem, pvmem, cput, pcput, file, "
                            + "signal, software, host, naccesspolicy, nice, place, feature, container, generic counts "
                            + "such as gpus=2 and host resources such as host_type=skylake");
                }
                String resource = GenericResources.name(name);
                if (GenericResources.isAmount(value) || resource.equals(GenericResources.GPU)) {
                    resources.generic(resource, GenericResources.amount(name, value));
                } else {
                    resources.hostValue(resource, NodeShape.hostResource(resource, value));
                }
            }
        }
    }

    /**
     * OpenPBS {@code place=[arrangement][:sharing][:group=RESOURCE]}: the arrangement (free, pack,
     * scatter, vscatter) changes nothing here, as every chunk gets a node of its own; the sharing
     * {@code excl} or {@code exclhost} gives the job its nodes alone, {@code shared} (the default) does not.
     */
    static NodeAccess.Sharing place(String value) {
        NodeAccess.Sharing sharing = NodeAccess.Sharing.SHARED;
        for (String word : value.split(":", -1)) {
            switch (word.toLowerCase(Locale.ROOT)) {
                case "free", "pack", "scatter", "vscatter", "shared" -> {
                }
                case "excl", "exclhost" -> sharing = NodeAccess.Sharing.EXCLUSIVE;
                default -> {
                    if (!word.toLowerCase(Locale.ROOT).startsWith("group=")) {
                        throw new InvalidRequestException("place=" + value + ": '" + word + "' is not a placement; "
                                + "write [free|pack|scatter|vscatter][:excl|exclhost|shared], e.g. place=scatter:excl");
                    }
                }
            }
        }
        return sharing;
    }

    /**
     * Torque's {@code naccesspolicy}: {@code singlejob} (and {@code singletask}, one task being the
     * whole job here) gives the job its nodes alone; {@code singleuser} shares them only with the
     * owner's jobs; {@code shared} is the default.
     */
    static NodeAccess.Sharing accessPolicy(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "shared" -> NodeAccess.Sharing.SHARED;
            case "singlejob", "singletask" -> NodeAccess.Sharing.EXCLUSIVE;
            case "singleuser" -> NodeAccess.Sharing.USER;
            default -> throw new InvalidRequestException("naccesspolicy=" + value + " is not supported; write "
                    + "singlejob (nodes of the job's own), singleuser (shared only with your jobs) or shared");
        };
    }

    /** Torque's {@code nice}: the priority the job's processes run at, -20 to 19. */
    private static int nice(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= MIN_NICE && n <= MAX_NICE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below says what is allowed
        }
        throw new InvalidRequestException("nice must be a whole number from " + MIN_NICE + " to " + MAX_NICE
                + ", got '" + value + "'");
    }
}
