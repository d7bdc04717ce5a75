/**
 * What heads and workers say to each other: the frames of the worker link ({@link dev.hpc.api.wire.WireMessage},
 * {@link dev.hpc.api.wire.WireCodec}), the proof of the cluster secret, and the spawn API of the MPI launcher.
 */
package dev.hpc.api.wire;
