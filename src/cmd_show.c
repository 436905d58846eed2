/* cmd_show.c: `zhsearch show`, one stored document with its metadata. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zhsearch show [--db DIR] [--json] ID\n"
            "Print the stored document ID: its metadata, then its text as\n"
            "indexed.\n\n"
            "  --db DIR   index directory or stub file (default '%s')\n"
            "  --json     one JSON object with every field and the text\n"
            "  --help     this text\n\n%s",
            ZHS_DEFAULT_DB, ZHS_EXIT_HELP);
}

int cmd_show(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_path = ZHS_DEFAULT_DB;
    zhs_file_doc *fd = NULL;
    zhs_db *db = NULL;
    char *msg = NULL, *out;
    int json = 0, c, rc = 0;
    zhs_status st;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return 2;
    }
    st = zhs_db_open(db_path, &db, &msg);
    if (st == ZHS_OK) {
        st = zhs_db_get(db, argv[optind], &fd, &msg);
        if (st == ZHS_ENOTFOUND)        /* the index is there, the id not */
            st = ZHS_ENODOC;
    }
    if (st != ZHS_OK) {
        if (json) {
            out = zhs_error_json(st, msg);
            if (out)
                puts(out);
            free(out);
        } else {
            cli_error("%s", msg ? msg : zhs_strerror(st));
        }
        rc = zhs_status_exit_code(st);
    } else if (json) {
        out = zhs_doc_json(&fd->doc);
        if (out)
            puts(out);
        else
            rc = zhs_status_exit_code(ZHS_ENOMEM);
        free(out);
    } else {
        /* The indexed files' words: control characters are shown, never
         * obeyed (cli_safe.c); the text keeps its lines and tabs. */
        const zhs_doc *d = &fd->doc;
        const char *names[] = {"id:     ", "title:  ", "date:   ",
                               "source: ", "author: ", "url:    ",
                               "path:   "};
        const char *vals[] = {d->id, d->title, d->date, d->source,
                              d->author, d->url, d->path};
        size_t k;
        for (k = 0; k < sizeof vals / sizeof vals[0]; k++)
            if (vals[k]) {
                fputs(names[k], stdout);
                cli_safe_puts(stdout, vals[k]);
                putchar('\n');
            }
        putchar('\n');
        cli_safe_write(stdout, d->text ? d->text : "", "\n\t");
        if (!(d->text_len && d->text[d->text_len - 1] == '\n'))
            putchar('\n');
    }
    zhs_file_doc_free(fd);
    zhs_db_close(db);
    free(msg);
    return rc;
}
