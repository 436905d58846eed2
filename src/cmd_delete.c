/* cmd_delete.c: `zhsearch delete`, removing documents by id.
 *
 * The ids come from the command line or, with --stdin, one a line from
 * standard input.  Like an index run, the deletion is one transaction per
 * index directory (each shard of a sharded index commits in turn): readers
 * see all of it or none of it, and an interrupted run deletes nothing.
 * Ids that are not in the index are reported and counted; the others are
 * still deleted.  The HTTP API has no counterpart: it is read-only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The longest id zhs_writer_delete accepts, and a line of --stdin. */
#define MAX_ID 240

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zhsearch delete [--db DIR] [--wait[=SECONDS]] [--quiet]\n"
            "                       ID...\n"
            "       zhsearch delete [--db DIR] [OPTIONS] --stdin\n"
            "Delete the documents with these ids from the index at DIR\n"
            "(default '%s'), in one commit: readers see all of it or none of\n"
            "it.  With --stdin the ids are read from standard input, one a\n"
            "line (a carriage return before the newline is ignored; blank\n"
            "lines are skipped).  An id that is not in the index is reported\n"
            "('no such document: ID'); the others are deleted all the same,\n"
            "and the exit status is then 67.  The last line counts the\n"
            "documents deleted and the ids not found.\n\n"
            "  --db DIR        index directory (it must exist)\n"
            "  --stdin         read the ids from standard input\n"
            "  --wait[=SECS]   if another writer holds the index, wait for it\n"
            "                  (for at most SECS) instead of failing\n"
            "  --quiet         no summary line\n"
            "  --help          this text\n\n%s",
            ZHS_DEFAULT_DB, ZHS_EXIT_HELP);
}

struct del {
    zhs_writer **w;      /* one writer per index directory */
    unsigned n;          /* number of writers */
    unsigned long deleted, missing;
};

/* Deletes one id; -1 on an index error (reported, *rc set). */
static int delete_one(struct del *d, const char *id, int *rc)
{
    char *msg = NULL;
    int found = 0;
    zhs_status st;

    st = zhs_writer_delete(d->w[zhs_shard_of(id, d->n)], id, &found, &msg);
    if (st == ZHS_EUSAGE) {
        cli_error("id '%.60s%s': %s", id, strlen(id) > 60 ? "..." : "",
                  msg ? msg : zhs_strerror(st));
        d->missing++;
        free(msg);
        return 0;
    }
    if (st != ZHS_OK) {
        cli_error("%s", msg ? msg : zhs_strerror(st));
        free(msg);
        *rc = zhs_status_exit_code(st);
        return -1;
    }
    if (found) {
        d->deleted++;
    } else {
        cli_error("no such document: %s", id);
        d->missing++;
    }
    return 0;
}

/* Reads ids from standard input; -1 on an error (reported, *rc set). */
static int delete_stdin(struct del *d, int *rc)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    int r = 0;

    while (r == 0 && (len = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (strlen(line) != (size_t)len) {
            cli_error("-:%lu: NUL byte in an id", lineno);
            d->missing++;
            continue;
        }
        r = delete_one(d, line, rc);
    }
    if (r == 0 && ferror(stdin)) {
        cli_error("standard input: %s", strerror(errno));
        *rc = zhs_status_exit_code(ZHS_EIO);
        r = -1;
    }
    free(line);
    return r;
}

int cmd_delete(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"stdin", no_argument, NULL, 's'},
        {"wait", optional_argument, NULL, 'w'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = ZHS_DEFAULT_DB;
    struct del d = {NULL, 0, 0, 0};
    char **dirs = NULL, *msg = NULL;
    unsigned ndirs = 0, i, waitsecs = 0;
    int from_stdin = 0, quiet = 0, c, k, rc = 0, wait = 0;
    zhs_db *db = NULL;
    zhs_status st;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+d:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; break;
        case 's': from_stdin = 1; break;
        case 'q': quiet = 1; break;
        case 'w':
            wait = 1;
            waitsecs = 86400u * 365;
            if (optarg && cli_parse_uint(optarg, 86400 * 365, &waitsecs) < 0) {
                cli_error("--wait takes a number of seconds");
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (from_stdin ? optind != argc : optind == argc) {
        usage(stderr);
        return 2;
    }
    if (!zhs_is_sharded(db_path) && (rc = cli_refuse_shard(db_path)) != 0)
        return rc;
    /* Never create an index to delete from: it must be one already. */
    st = zhs_db_open(db_path, &db, &msg);
    zhs_db_close(db);
    if (st != ZHS_OK)
        goto fail;
    if (zhs_is_sharded(db_path)) {
        st = zhs_shards_local(db_path, &dirs, &ndirs, &msg);
    } else if ((dirs = calloc(1, sizeof *dirs)) == NULL
               || (dirs[0] = strdup(db_path)) == NULL) {
        st = ZHS_ENOMEM;
    } else {
        ndirs = 1;
    }
    if (st == ZHS_OK && (d.w = calloc(ndirs, sizeof *d.w)) == NULL)
        st = ZHS_ENOMEM;
    for (i = 0; st == ZHS_OK && i < ndirs; i++) {
        unsigned waited = 0;
        while ((st = zhs_writer_open(dirs[i], &d.w[i], &msg)) == ZHS_ELOCKED
               && wait && waited < waitsecs * 5) {
            if (waited == 0 && !quiet)
                cli_error("%s: index is locked by another writer; waiting",
                          dirs[i]);
            free(msg);
            msg = NULL;
            usleep(200 * 1000);
            waited++;
        }
        if (st == ZHS_OK)
            d.n++;
    }
    if (st != ZHS_OK)
        goto fail;

    if (from_stdin) {
        if (delete_stdin(&d, &rc) < 0)
            goto out;
    } else {
        for (k = optind; k < argc; k++)
            if (delete_one(&d, argv[k], &rc) < 0)
                goto out;
    }
    for (i = 0; i < d.n; i++)
        if ((st = zhs_writer_commit(d.w[i], &msg)) != ZHS_OK) {
            if (i > 0)
                cli_error("%s: %u of %u shards were committed; run again to "
                          "complete the deletion", db_path, i, d.n);
            goto fail;
        }
    if (!quiet)
        fprintf(stderr, "zhsearch: %s: deleted %lu, not found %lu\n",
                db_path, d.deleted, d.missing);
    rc = d.missing ? zhs_status_exit_code(ZHS_ENODOC) : 0;
    goto out;
fail:
    cli_error("%s", msg ? msg : zhs_strerror(st));
    rc = zhs_status_exit_code(st);
out:
    for (i = 0; i < d.n; i++)
        zhs_writer_close(d.w[i]);
    free(d.w);
    zhs_shards_free(dirs, ndirs);
    free(msg);
    return rc;
}
