/* cmd_suggest.c: `zhsearch suggest`, the completions a search box gets
 * for what is typed so far (the library call /api/suggest makes). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zhsearch suggest [--db DIR] [--json] [--limit N] PREFIX\n"
            "Completions for PREFIX, what a user has typed so far: indexed\n"
            "words that start with its last word, then words whose pinyin\n"
            "it matches (full yuanjiang or yuan jiang, prefix yuanj,\n"
            "initials yj, mixed 援j or yuan疆), then titles.  Each line:\n"
            "the completion, its kind (word or title), the documents\n"
            "holding the word or the title's document id, and the reading\n"
            "for a pinyin match, separated by tabs.\n\n"
            CLI_DB_HELP
            "  --json         the JSON object /api/suggest returns\n"
            "  --limit N      at most N completions, 1..%u (default 8)\n"
            "  --help         this text\n\n%s",
            ZHS_MAX_SUGGEST, ZHS_EXIT_HELP);
}

int cmd_suggest(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_DB_LONGOPTS,
        {"json", no_argument, NULL, 'j'},
        {"limit", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_db d = CLI_DB_INIT;
    const char *limit_arg = NULL;
    zhs_suggestions *s = NULL;
    zhs_db *db = NULL;
    char *msg = NULL, *out, *prefix = NULL;
    unsigned limit = 8;
    int json = 0, c, rc = 0, r, i;
    zhs_status st;
    size_t k;

    for (i = 1; i < argc; i++)          /* --json decides how errors look */
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--") == 0)
            break;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        if ((r = cli_db_option(&d, c, optarg, json, &rc)) != 0) {
            if (r < 0)
                return rc;
            continue;
        }
        switch (c) {
        case 'j': json = 1; break;
        case 'l': limit_arg = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (limit_arg && (cli_parse_uint(limit_arg, ZHS_MAX_SUGGEST, &limit) < 0
                      || limit == 0))
        return cli_fail(json, ZHS_EUSAGE, "--limit wants a number from 1 to "
                        "20");
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    if ((prefix = cli_join(argc, argv, optind)) == NULL)
        return cli_fail(json, ZHS_ENOMEM, NULL);
    st = cli_db_open(&d, &db, &msg);
    if (st == ZHS_OK)
        st = zhs_suggest(db, prefix, limit, &s, &msg);
    if (st != ZHS_OK) {
        rc = cli_fail(json, st, msg);
    } else if (json) {
        if ((out = zhs_suggestions_json(s)) != NULL)
            puts(out);
        else
            rc = zhs_status_exit_code(ZHS_ENOMEM);
        free(out);
    } else {
        for (k = 0; k < s->n; k++) {
            const zhs_suggestion *x = &s->items[k];
            cli_safe_puts(stdout, x->text);
            printf("\t%s\t", x->kind);
            if (x->id)
                cli_safe_puts(stdout, x->id);
            else
                printf("%u", x->docs);
            if (x->reading)
                printf("\t%s", x->reading);
            putchar('\n');
        }
    }
    zhs_suggestions_free(s);
    zhs_db_close(db);
    free(prefix);
    free(msg);
    return rc;
}
