/* The Computer Language Benchmarks Game binary-trees, single-threaded
   plain C: one malloc per node, every tree released with free (glibc
   malloc, no pool or arena). Usage: binary-trees [MAX_DEPTH] (default 18). */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *left, *right; };

static struct node *make(int d) {
    struct node *t = malloc(sizeof *t);
    if (!t) { perror("malloc"); exit(1); }
    if (d == 0) {
        t->left = t->right = NULL;
    } else {
        t->left = make(d - 1);
        t->right = make(d - 1);
    }
    return t;
}

static long check(const struct node *t) {
    if (!t->left) return 1;
    return 1 + check(t->left) + check(t->right);
}

static void release(struct node *t) {
    if (t->left) {
        release(t->left);
        release(t->right);
    }
    free(t);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 18;
    int min_depth = 4;
    int max_depth = min_depth + 2 > n ? min_depth + 2 : n;
    int stretch = max_depth + 1;

    struct node *t = make(stretch);
    printf("stretch tree of depth %d\t check: %ld\n", stretch, check(t));
    release(t);

    struct node *long_lived = make(max_depth);
    for (int d = min_depth; d <= max_depth; d += 2) {
        long iterations = 1L << (max_depth - d + min_depth);
        long sum = 0;
        for (long i = 0; i < iterations; i++) {
            struct node *a = make(d);
            sum += check(a);
            release(a);
        }
        printf("%ld\t trees of depth %d\t check: %ld\n", iterations, d, sum);
    }
    printf("long lived tree of depth %d\t check: %ld\n", max_depth, check(long_lived));
    release(long_lived);
    return 0;
}
