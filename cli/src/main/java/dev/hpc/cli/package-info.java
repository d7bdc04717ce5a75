/**
 * {@code hpc}, the command line: the PBS-style commands ({@code qsub}, {@code qstat}, {@code qdel},
 * {@code qhold}, {@code qrls}, {@code pbsnodes}) over {@link dev.hpc.api.client.HeadClient}, and
 * {@code hpc local}.
 *
 * <p>Commands are thin: they find the heads ({@link dev.hpc.cli.ServerDiscovery}), make one or a few
 * REST calls and print with the formatting classes ({@link dev.hpc.cli.QstatFormat},
 * {@link dev.hpc.cli.QstatFullFormat}, {@link dev.hpc.cli.PbsnodesFormat}), which are pure functions
 * of the records and of {@code now}. The CLI never parses job directives: qsub sends the script and
 * its options as given, and the head parses both, so the REST API and the CLI accept the same input.
 * Every error is one line on standard error prefixed with the command's name, and the exit codes are
 * those of {@link dev.hpc.cli.ExitCodes}. The class path stays job-api, picocli and jackson-jr, for a
 * quick start.
 */
package dev.hpc.cli;

