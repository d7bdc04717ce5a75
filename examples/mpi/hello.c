/*
 * MPI hello world with a ring: every rank says where it runs, then a token goes once around the
 * ring (rank 0 -> 1 -> ... -> 0), each rank adding its number, and rank 0 checks the sum.
 *
 *   mpicc -O2 -o hello hello.c
 *   hpc-mpirun ./hello [SECONDS]       (inside a job; SECONDS: stay that long before finishing)
 *
 * "node" is the worker the rank runs on ($HPC_WORKER_NODE, set by the worker that started it).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int rank, size, namelen;
    char host[MPI_MAX_PROCESSOR_NAME];
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &namelen);
    const char *node = getenv("HPC_WORKER_NODE");
    printf("hello from rank %d of %d on node %s (host %s, pid %d)\n", rank, size, node ? node : "?", host,
           (int) getpid());
    fflush(stdout);

    long token = 0;
    if (size > 1) {
        int next = (rank + 1) % size, prev = (rank + size - 1) % size;
        if (rank == 0) {
            MPI_Send(&token, 1, MPI_LONG, next, 0, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_LONG, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&token, 1, MPI_LONG, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            token += rank;
            MPI_Send(&token, 1, MPI_LONG, next, 0, MPI_COMM_WORLD);
        }
    }
    if (rank == 0) {
        long expected = (long) size * (size - 1) / 2;
        printf("ring of %d ranks: the token came back as %ld (expected %ld): %s\n", size, token, expected,
               token == expected ? "ok" : "WRONG");
        fflush(stdout);
        if (token != expected) {
            MPI_Abort(MPI_COMM_WORLD, 3);
        }
    }
    if (argc > 1) {
        sleep((unsigned) atoi(argv[1]));
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
