/* cmd_kwic.c: `zhsearch kwic`, a keyword-in-context concordance.
 *
 * Every occurrence of the strings a query highlights, in every matching
 * document (zhs_scan), one line each with a fixed number of characters of
 * context on both sides.  In text output the left context is right-aligned
 * by display width (wide characters take two columns) so that the matches
 * form one column, as concordancers print them.  The lines, their order
 * and their JSON are the library's (zhs_kwic, lib/kwic.c), which the
 * Python module's kwic() shares.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zhsearch kwic [--db DIR] [--width N] [--sort doc|left|"
            "right]\n"
            "                     [--limit N] [--json] QUERY...\n"
            "Keyword in context: every occurrence of the query's strings in\n"
            "every matching document, one line each, with N characters of\n"
            "context on each side and the matches aligned in one column.\n"
            "QUERY is the query language of 'zhsearch search' (quoted\n"
            "phrases, OR, NOT, title:, source:, author:, date:); the\n"
            "strings shown are those search highlights.\n\n"
            CLI_DB_HELP
            "  --allow-partial  read the shards that answer (a warning on\n"
            "                 stderr names the others)\n"
            "  --width N      characters of context on each side, 0..%u\n"
            "                 (default %u)\n"
            "  --sort KEY     doc: documents in rank order, occurrences in\n"
            "                 text order (default); left: by the left\n"
            "                 context read backwards from the match; right:\n"
            "                 by the right context\n"
            "  --limit N      print at most N lines (default all); a note on\n"
            "                 stderr says when lines were left out\n"
            "  --json         JSON Lines: one object per occurrence with id,\n"
            "                 rank, line, offset (code points into the\n"
            "                 displayed text), left, match, right; a line\n"
            "                 or paragraph break shows as \" ⏎ \"\n"
            "  --help         this text\n\n%s",
            ZHS_KWIC_MAX_WIDTH, ZHS_KWIC_DEFAULT_WIDTH, ZHS_EXIT_HELP);
}

/* Display width of UTF-8 text as cli_safe_puts prints it. */
static size_t str_width(const char *s)
{
    return cli_safe_width(s);
}

static void pad(size_t n)
{
    while (n-- > 0)
        putchar(' ');
}

/* "id:line" (or "id" when the line is unknown) and its display width. */
static size_t ref_width(const zhs_kwic_line *l)
{
    char num[16];
    size_t w = str_width(l->id);
    if (l->line > 0)
        w += (size_t)snprintf(num, sizeof num, ":%u", l->line);
    return w;
}

/* The left contexts right-aligned by display width, so that the matches
 * form one column. */
static void print_text(const zhs_kwic_lines *k, int color)
{
    const char *open = color ? "\033[1;31m" : "【";
    const char *close = color ? "\033[0m" : "】";
    size_t i, refw = 0, leftw = 0, w;

    for (i = 0; i < k->n; i++) {
        if ((w = ref_width(&k->lines[i])) > refw)
            refw = w;
        if ((w = str_width(k->lines[i].left)) > leftw)
            leftw = w;
    }
    for (i = 0; i < k->n; i++) {
        const zhs_kwic_line *l = &k->lines[i];
        cli_safe_puts(stdout, l->id);
        if (l->line > 0)
            printf(":%u", l->line);
        pad(refw - ref_width(l) + 2);
        pad(leftw - str_width(l->left));
        cli_safe_puts(stdout, l->left);
        fputs(open, stdout);
        cli_safe_puts(stdout, l->match);
        fputs(close, stdout);
        cli_safe_puts(stdout, l->right);
        putchar('\n');
    }
}

/* One JSON object per line (zhs_kwic_line_json); -1 when out of memory. */
static int print_json(const zhs_kwic_lines *k)
{
    size_t i;

    for (i = 0; i < k->n; i++) {
        char *out = zhs_kwic_line_json(&k->lines[i]);
        if (out == NULL)
            return -1;
        puts(out);
        free(out);
    }
    return 0;
}

int cmd_kwic(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_DB_LONGOPTS,
        {"width", required_argument, NULL, 'w'},
        {"sort", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_db dbo = CLI_DB_INIT;
    zhs_kwic_opts ko = {ZHS_KWIC_DEFAULT_WIDTH, ZHS_KWIC_DOC, ZHS_KWIC_ALL};
    zhs_kwic_lines *k = NULL;
    zhs_db *db = NULL;
    char *query = NULL, *msg = NULL;
    unsigned limit;
    int json = 0, c, rc = 0, taken, nopts;
    zhs_status st;

    nopts = cli_options_end(argc, argv);
    optind = 1;
    while ((c = getopt_long(nopts, argv, "+", longopts, NULL)) != -1) {
        if ((taken = cli_db_option(&dbo, c, optarg, json, &rc)) != 0) {
            if (taken < 0)
                return rc;
            continue;
        }
        switch (c) {
        case 'j': json = 1; break;
        case 'w':
            if (cli_parse_uint(optarg, ZHS_KWIC_MAX_WIDTH, &ko.width) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--width takes a number "
                                "from 0 to 500");
            break;
        case 'l':
            if (cli_parse_uint(optarg, 100000000, &limit) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--limit takes a number "
                                "from 0 to 100000000");
            ko.limit = limit;
            break;
        case 's':
            if (zhs_parse_kwic_sort(optarg, &ko.sort) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--sort takes doc, left "
                                "or right");
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc)
        return cli_fail(json, ZHS_EUSAGE, "no query given (try 'zhsearch "
                        "kwic --help')");
    if ((query = cli_join(argc, argv, optind)) == NULL)
        return cli_fail(json, ZHS_ENOMEM, NULL);
    st = cli_db_open(&dbo, &db, &msg);
    if (st == ZHS_OK)
        st = zhs_kwic(db, query, &ko, &k, &msg);
    if (st != ZHS_OK) {
        rc = cli_fail(json, st, st == ZHS_ENOMEM ? NULL : msg);
        goto out;
    }
    if (json) {
        if (print_json(k) < 0) {
            rc = cli_fail(0, ZHS_ENOMEM, NULL);
            goto out;
        }
    } else {
        print_text(k, isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL);
    }
    if (fflush(stdout) != 0) {
        rc = cli_fail(0, ZHS_EIO, "cannot write the lines");
        goto out;
    }
    if (k->n < k->total)
        cli_error("output cut at %zu of %zu lines (--limit)", k->n,
                  k->total);
out:
    zhs_kwic_free(k);
    zhs_db_close(db);
    free(msg);
    free(query);
    return rc;
}
