/*
 * Computes pi as the integral of 4/(1+x^2) over [0,1] by the midpoint rule: rank 0 broadcasts the
 * number of intervals, every rank sums its share, MPI_Reduce adds the shares up on rank 0, which
 * prints the result and fails (exit 2) if it is off by more than 1e-9.
 *
 *   mpicc -O2 -o pi pi.c
 *   hpc-mpirun ./pi [INTERVALS]        (inside a job; default 50,000,000)
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    long n = 50000000;
    if (rank == 0 && argc > 1) {
        n = atol(argv[1]);
    }
    MPI_Bcast(&n, 1, MPI_LONG, 0, MPI_COMM_WORLD);

    double h = 1.0 / (double) n, sum = 0.0;
    for (long i = rank; i < n; i += size) {
        double x = h * ((double) i + 0.5);
        sum += 4.0 / (1.0 + x * x);
    }
    double mine = h * sum, pi = 0.0;
    MPI_Reduce(&mine, &pi, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

    int status = 0;
    if (rank == 0) {
        double error = fabs(pi - 3.141592653589793238462643);
        printf("pi is %.16f with %ld intervals over %d ranks, error %.3e: %s\n", pi, n, size, error,
               error < 1e-9 ? "ok" : "TOO FAR OFF");
        status = error < 1e-9 ? 0 : 2;
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return status;
}
