/* The Computer Language Benchmarks Game spectral-norm, plain scalar C.
   Usage: spectral-norm [N] (default 2000). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double A(long i, long j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void mul_Av(long n, const double *v, double *out) {
    for (long i = 0; i < n; i++) {
        double sum = 0;
        for (long j = 0; j < n; j++) sum += A(i, j) * v[j];
        out[i] = sum;
    }
}

static void mul_Atv(long n, const double *v, double *out) {
    for (long i = 0; i < n; i++) {
        double sum = 0;
        for (long j = 0; j < n; j++) sum += A(j, i) * v[j];
        out[i] = sum;
    }
}

static void mul_AtAv(long n, const double *v, double *tmp, double *out) {
    mul_Av(n, v, tmp);
    mul_Atv(n, tmp, out);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000;
    double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *tmp = malloc(n * sizeof *tmp);
    for (long i = 0; i < n; i++) u[i] = 1;
    for (int i = 0; i < 10; i++) {
        mul_AtAv(n, u, tmp, v);
        mul_AtAv(n, v, tmp, u);
    }
    double vBv = 0, vv = 0;
    for (long i = 0; i < n; i++) {
        vBv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    printf("%.9f\n", sqrt(vBv / vv));
    free(u);
    free(v);
    free(tmp);
    return 0;
}
