/* cmd_rebuild.c: `zhsearch rebuild`, an index rebuilt from its own stored
 * documents (after a change of term scheme). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zhsearch rebuild [--db DIR] [--quiet]\n"
            "Index every document stored in DIR again, with this zhsearch's\n"
            "term scheme, from the index's own copy of it: the files it was\n"
            "indexed from are not needed.  This is what an index of an older\n"
            "scheme needs.  The old index stays searchable until the new one\n"
            "replaces it, at once; other indexers wait (or are refused) as\n"
            "for any writer.  A sharded index is rebuilt shard by shard.\n\n"
            "  --db DIR   index directory (default '%s')\n"
            "  --quiet    no summary line\n"
            "  --help     this text\n\n%s",
            ZHS_DEFAULT_DB, ZHS_EXIT_HELP);
}

static void rejected(const char *id, const char *why, void *arg)
{
    unsigned long *n = arg;
    (*n)++;
    cli_error("%s: left out: %s", id, why);
}

int cmd_rebuild(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = ZHS_DEFAULT_DB;
    char **dirs = NULL, *msg = NULL;
    unsigned ndirs = 1, i;
    unsigned long count = 0, total = 0, left_out = 0;
    int quiet = 0, c, rc = 0;
    zhs_status st = ZHS_OK;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+d:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (!zhs_is_sharded(db) && (rc = cli_refuse_shard(db)) != 0)
        return rc;
    if (zhs_is_sharded(db))
        st = zhs_shards_local(db, &dirs, &ndirs, &msg);
    for (i = 0; st == ZHS_OK && i < ndirs; i++) {
        st = zhs_rebuild(dirs ? dirs[i] : db, rejected, &left_out, &count,
                         &msg);
        total += count;
    }
    if (st != ZHS_OK) {
        cli_error("%s", msg ? msg : zhs_strerror(st));
        if (i > 1)
            cli_error("%s: %u of %u shards were rebuilt", db, i - 1, ndirs);
        rc = zhs_status_exit_code(st);
    } else if (!quiet) {
        fprintf(stderr, "zhsearch: %s: rebuilt %lu documents%s", db, total,
                left_out ? "" : "\n");
        if (left_out)
            fprintf(stderr, ", %lu left out (above)\n", left_out);
    }
    if (st == ZHS_OK && left_out)
        rc = zhs_status_exit_code(ZHS_EREJECTED);
    free(msg);
    if (dirs)
        zhs_shards_free(dirs, ndirs);
    return rc;
}
