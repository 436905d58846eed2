/* microbench.c: in-process figures for the engine on a corpus.
 *
 * Usage: tools/microbench [--rounds N] [--queries N] [CORPUS_DIR]
 *
 * Prints, for the .txt/.md files under CORPUS_DIR (default corpus/):
 *  - normalization and ICU segmentation throughput (MB/s of UTF-8 input);
 *  - index build time (best of N rounds) and the index size on disk;
 *  - search latency with snippets over a loop of queries: mean, p50, p99.
 * Nothing here is a test: the numbers vary with the machine's load.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zhs-int.h"

struct docs {
    zhs_file_doc **d;
    size_t n, cap, bytes;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(const char *path, const char *id, zhs_status st,
                const char *err, void *arg)
{
    struct docs *ds = arg;
    zhs_file_doc *fd;

    if (st != ZHS_OK || zhs_doc_read_file(path, id, NULL, &fd, NULL) != ZHS_OK) {
        fprintf(stderr, "microbench: skipping %s %s\n", path, err ? err : "");
        return 0;
    }
    if (ds->n == ds->cap) {
        ds->cap = ds->cap ? ds->cap * 2 : 64;
        ds->d = realloc(ds->d, ds->cap * sizeof *ds->d);
        if (ds->d == NULL)
            abort();
    }
    ds->d[ds->n++] = fd;
    ds->bytes += fd->doc.text_len;
    return 0;
}

static int count_word(size_t a, size_t b, void *arg)
{
    (void)a;
    (void)b;
    (*(size_t *)arg)++;
    return 0;
}

static long long du(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    long long total = 0;
    char p[4200];
    struct stat sb;

    if (d == NULL)
        return -1;
    while ((de = readdir(d)) != NULL) {
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (de->d_name[0] != '.' && stat(p, &sb) == 0)
            total += (long long)sb.st_size;
    }
    closedir(d);
    return total;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const char *queries[] = {
    "援疆 医疗队", "阿克苏", "\"组团式\"", "陈刚", "医院", "ECMO", "PET-CT",
    "5G", "门诊总量", "\"集中力量\"", "疆", "区域医疗中心", "党建引领",
    "人才培养", "胸痛中心", "喀什二院", "托管", "石河子", "克拉玛依 专家",
    "心血管", "急诊急救", "医联体", "维持生命", "疗中",
};

int main(int argc, char **argv)
{
    const char *corpus = "corpus";
    int rounds = 5, nq = 2000, i;
    struct docs ds = {0};
    zhsi_segmenter *seg;
    char tmpl[] = "/tmp/zhs-bench-XXXXXX", cmd[256];
    double t0, best = 1e9, *lat;
    size_t k, words = 0;
    zhs_db *db;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc)
            nq = atoi(argv[++i]);
        else
            corpus = argv[i];
    }
    if (rounds < 1 || nq < 1 || zhs_walk(corpus, load, &ds) != ZHS_OK
        || ds.n == 0) {
        fprintf(stderr, "usage: microbench [--rounds N] [--queries N] "
                        "[CORPUS_DIR]\n");
        return 2;
    }
    printf("corpus: %zu documents, %.1f KB of UTF-8\n", ds.n,
           (double)ds.bytes / 1024);

    /* Normalization alone, then normalization + segmentation. */
    {
        double tn = 1e9, ts = 1e9;
        int r;
        if (zhsi_segmenter_new(&seg, NULL) != ZHS_OK)
            return 1;
        for (r = 0; r < rounds; r++) {
            double a = now(), b, c;
            zhsi_text t;
            for (k = 0; k < ds.n; k++) {
                zhsi_text_build(ds.d[k]->doc.text, ds.d[k]->doc.text_len,
                                ZHSI_TEXT_DOC, &t,
                                NULL);
                zhsi_text_free(&t);
            }
            b = now();
            words = 0;
            for (k = 0; k < ds.n; k++) {
                zhsi_text_build(ds.d[k]->doc.text, ds.d[k]->doc.text_len,
                                ZHSI_TEXT_DOC, &t,
                                NULL);
                zhsi_segment(seg, t.norm, t.nnorm, count_word, &words, NULL);
                zhsi_text_free(&t);
            }
            c = now();
            if (b - a < tn)
                tn = b - a;
            if (c - b - (b - a) < ts)
                ts = c - b - (b - a);
        }
        zhsi_segmenter_free(seg);
        printf("normalize: %.1f MB/s; ICU segmentation: %.1f MB/s "
               "(%zu words), best of %d\n", (double)ds.bytes / tn / 1e6,
               (double)ds.bytes / (ts > 0 ? ts : 1e-9) / 1e6, words, rounds);
    }

    /* Index builds into a fresh directory each round. */
    if (mkdtemp(tmpl) == NULL)
        return 1;
    for (i = 0; i < rounds; i++) {
        zhs_writer *w;
        snprintf(cmd, sizeof cmd, "rm -rf %s/*", tmpl);
        if (system(cmd) != 0)
            return 1;
        t0 = now();
        if (zhs_writer_open(tmpl, &w, NULL) != ZHS_OK)
            return 1;
        for (k = 0; k < ds.n; k++)
            zhs_writer_put(w, &ds.d[k]->doc, NULL, NULL);
        zhs_writer_commit(w, NULL);
        zhs_writer_close(w);
        if (now() - t0 < best)
            best = now() - t0;
    }
    printf("index: %.1f ms per build (%.2f MB/s, %.0f docs/s), best of %d; "
           "size %.1f KB\n", best * 1e3, (double)ds.bytes / best / 1e6,
           (double)ds.n / best, rounds, (double)du(tmpl) / 1024);

    /* Search latency, snippets included. */
    if (zhs_db_open(tmpl, &db, NULL) != ZHS_OK)
        return 1;
    lat = malloc((size_t)nq * sizeof *lat);
    for (i = 0; i < nq; i++) {
        zhs_search_opts o = {.limit = 10, .max_snippets = 3};
        zhs_results *r;
        double a = now();
        if (zhs_search(db, queries[i % (sizeof queries / sizeof *queries)],
                       &o, &r, NULL) != ZHS_OK)
            return 1;
        lat[i] = (now() - a) * 1e3;
        zhs_results_free(r);
    }
    {
        double sum = 0;
        for (i = 0; i < nq; i++)
            sum += lat[i];
        qsort(lat, (size_t)nq, sizeof *lat, cmp_double);
        printf("search (limit 10, 3 snippets): %d queries, mean %.3f ms, "
               "p50 %.3f ms, p99 %.3f ms\n", nq, sum / nq,
               lat[nq / 2], lat[(size_t)((double)nq * 0.99)]);
    }
    free(lat);
    zhs_db_close(db);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
    if (system(cmd) != 0)
        return 1;
    for (k = 0; k < ds.n; k++)
        zhs_file_doc_free(ds.d[k]);
    free(ds.d);
    return 0;
}
