package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The OCI image a job runs in (issue 19): PBS scripts' {@code -l container=IMAGE}, Slurm scripts'
 * {@code --container=IMAGE} and pyxis's {@code --container-image=IMAGE}. The worker runs the job's script in
 * it through the node's container runtime; a node without one is no candidate. The image is kept as written
 * in the job's recorded attributes ({@link #RECORDED}), where {@code qstat -f} shows it.
 *
 * <p>Which runtimes a job may use follows from how the image is named: an Apptainer image file
 * ({@code *.sif}) needs Apptainer, any other name (a registry reference, {@code docker://},
 * {@code oci-archive:}) runs under Podman or Apptainer. A worker declares the runtime it has as a node property
 * of the runtime's name, so the scheduler chooses nodes, explains a wait, and refuses a job no node could ever
 * run, as it does for any other property.
 */
public final class ContainerImage {
    /** The recorded attribute, as {@code qstat -f} shows it. */
    public static final String RECORDED = "container";
    /** The node property of a worker that runs images with rootless Podman. */
    public static final String PODMAN = "podman";
    /** The node property of a worker that runs images with Apptainer (or its older name, Singularity). */
    public static final String APPTAINER = "apptainer";
    public static final List<String> RUNTIMES = List.of(PODMAN, APPTAINER);
    public static final int MAX_LENGTH = 512;

    // a reference, a transport prefix or a path; never an option of the runtime nor a second word
    private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9_./][A-Za-z0-9_./:@+=~-]*");

    private ContainerImage() {
    }

    /** Checks an image as written; throws saying what to write otherwise. */
    public static String check(String image) {
        if (image.isEmpty()) {
            throw new InvalidRequestException("container needs an image, e.g. container=docker.io/library/rockylinux:9 "
                    + "or container=/shared/images/tools.sif");
        }
        if (image.length() > MAX_LENGTH || !IMAGE.matcher(image).matches()) {
            throw new InvalidRequestException("'" + image + "' is not a container image: write a registry reference "
                    + "(docker.io/library/rockylinux:9), a transport and path (oci-archive:/shared/img.tar) or an "
                    + "Apptainer image file (/shared/img.sif), at most " + MAX_LENGTH + " characters of letters, "
                    + "digits and _ . / : @ + = ~ -, not starting with -");
        }
        return image;
    }

    /** Whether only Apptainer can run it: an image file of Apptainer's own format. */
    public static boolean needsApptainer(String image) {
        return image.endsWith(".sif");
    }

    /** What every node of a job in this image must be: a node with a runtime that can run it. */
    public static NodeConstraint constraint(String image) {
        if (needsApptainer(image)) {
            return NodeConstraint.allOf(Set.of(APPTAINER));
        }
        return new NodeConstraint(List.of(new TreeSet<>(Set.of(PODMAN)),
                new TreeSet<>(Set.of(APPTAINER))), Map.of());
    }

    /** The image a submission recorded, empty when the job runs on the node itself. */
    public static String of(Map<String, String> recorded) {
        return recorded.getOrDefault(RECORDED, "");
    }
}
