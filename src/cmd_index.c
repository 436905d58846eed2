/* cmd_index.c: `zhsearch index`, adding files to an index.
 *
 * The whole run is one transaction: readers see all of it or none of it,
 * and a killed run leaves the index as it was.  A file that cannot be read
 * or is not UTF-8 is reported with its path and skipped; the batch goes
 * on and the exit status is then 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"

struct run {
    zhs_writer *w;
    unsigned indexed;    /* documents added or replaced */
    unsigned rejected;   /* inputs reported and skipped */
    zhs_status fatal;    /* an index error that stops the batch */
    char *fatal_msg;     /* its message */
};

static int index_one(const char *path, const char *id, zhs_status st,
                     const char *err, void *arg)
{
    struct run *r = arg;
    zhs_file_doc *fd = NULL;
    char *msg = NULL;
    int input_bad;

    if (st != ZHS_OK) {
        cli_error("%s", err ? err : zhs_strerror(st));
        r->rejected++;
        return 0;
    }
    /* Problems with the input reject the file; problems with the index
     * stop the batch. */
    st = zhs_doc_read_file(path, id, &fd, &msg);
    input_bad = st != ZHS_OK && st != ZHS_ENOMEM;
    if (st == ZHS_OK) {
        st = zhs_writer_put(r->w, &fd->doc, &msg);
        input_bad = st == ZHS_EENCODING || st == ZHS_EUSAGE;
    }
    zhs_file_doc_free(fd);
    if (st == ZHS_OK) {
        r->indexed++;
    } else if (input_bad) {
        cli_error("%s%s%s", st == ZHS_EUSAGE ? path : "",
                  st == ZHS_EUSAGE ? ": " : "", msg ? msg : zhs_strerror(st));
        r->rejected++;
    } else {
        r->fatal = st;
        r->fatal_msg = msg;
        return 1;
    }
    free(msg);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zhsearch index [--db DIR] [--dict FILE] [--quiet] [PATH...]\n"
            "Index .txt and .md files (UTF-8, with or without BOM) found in\n"
            "each PATH (default '%s') into the index at DIR (default '%s').\n"
            "A document's id is its path relative to the PATH it was found\n"
            "under; indexing it again replaces it.  The run is committed at\n"
            "once at the end: readers never see part of it.\n\n"
            "  --db DIR     index directory (created if missing)\n"
            "  --dict FILE  user dictionary, one word a line, used for word\n"
            "               segmentation (ranking) and recorded in the index\n"
            "               for searches; without it the index's recorded\n"
            "               dictionary, if any, is kept\n"
            "  --quiet      no summary line\n"
            "  --help       this text\n\n%s",
            ZHS_DEFAULT_CORPUS, ZHS_DEFAULT_DB, ZHS_EXIT_HELP);
}

int cmd_index(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"quiet", no_argument, NULL, 'q'},
        {"dict", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = ZHS_DEFAULT_DB, *dict = NULL;
    static char *default_paths[] = {ZHS_DEFAULT_CORPUS};
    char **paths = default_paths, *msg = NULL, *warning = NULL;
    struct run r = {0};
    struct timespec t0, t1;
    int npaths = 1, quiet = 0, c, i;
    zhs_status st;

    optind = 1;
    while ((c = getopt_long(argc, argv, "d:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'D': dict = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        paths = argv + optind;
        npaths = argc - optind;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    st = zhs_writer_open(db, &r.w, &msg);
    if (st == ZHS_OK && dict != NULL)
        st = zhs_writer_set_dict(r.w, dict, &warning, &msg);
    if (warning != NULL) {
        cli_error("warning: %s", warning);
        free(warning);
    }
    if (st != ZHS_OK) {
        cli_error("%s", msg ? msg : zhs_strerror(st));
        free(msg);
        zhs_writer_close(r.w);
        return zhs_status_exit_code(st);
    }
    for (i = 0; i < npaths && r.fatal == ZHS_OK; i++) {
        st = zhs_walk(paths[i], index_one, &r);
        if (st != ZHS_OK && st != ZHS_EREJECTED && r.fatal == ZHS_OK) {
            r.fatal = st;
            cli_error("%s: %s", paths[i], zhs_strerror(st));
        }
    }
    if (r.fatal != ZHS_OK) {
        if (r.fatal_msg)
            cli_error("%s", r.fatal_msg);
        cli_error("%s: nothing was committed; the index is unchanged", db);
        free(r.fatal_msg);
        zhs_writer_close(r.w);
        return zhs_status_exit_code(r.fatal);
    }
    st = zhs_writer_commit(r.w, &msg);
    zhs_writer_close(r.w);
    if (st != ZHS_OK) {
        cli_error("%s", msg ? msg : zhs_strerror(st));
        free(msg);
        return zhs_status_exit_code(st);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!quiet)
        fprintf(stderr, "zhsearch: indexed %u documents into %s, %u "
                "rejected, %.2f s\n", r.indexed, db, r.rejected,
                (double)(t1.tv_sec - t0.tv_sec)
                    + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return r.rejected ? zhs_status_exit_code(ZHS_EREJECTED) : 0;
}
