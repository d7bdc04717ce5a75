/**
 * Reading a submission: {@code #PBS} and {@code #SBATCH} directives and qsub options, in order, into a
 * {@link dev.hpc.api.job.JobSpec} ({@link dev.hpc.api.pbs.SubmitParser}), and the limits every submission is held
 * to however it came. Every error names the line or option to fix.
 */
package dev.hpc.api.pbs;

import dev.hpc.api.job.JobSpec;
