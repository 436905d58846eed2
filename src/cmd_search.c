/* cmd_search.c: `zhsearch search`, ranked hits with snippets.
 *
 * Text output is for people: highlights in colour on a terminal, between
 * 【 and 】 otherwise.  --json prints the object of DESIGN.md through the
 * library's printer, and errors as {"error": {...}}.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zhsearch search [--db DIR] [--json] [--limit N] "
            "[--offset N]\n"
            "                       [--snippets N] [--color WHEN] "
            "[--dict FILE] QUERY...\n"
            "       zhsearch search [OPTIONS] --batch FILE\n"
            "Search the index; the words of QUERY... form one query.  With\n"
            "--batch, FILE ('-': standard input) holds one query a line and\n"
            "each gets one line of JSON: its results or {\"error\": ...};\n"
            "the exit status is then 1 if any query failed.\n\n"
            "Query syntax:\n"
            "  words           every word must occur; ranked by BM25 over ICU\n"
            "                  words, title above body, whole phrases and\n"
            "                  nearby words higher.  A word matches as a\n"
            "                  substring of the normalized text, so recall\n"
            "                  never depends on word segmentation.  A word's\n"
            "                  letters and digits must start a token, and\n"
            "                  digits end one (120 does not match 1200, ai\n"
            "                  not main; ma matches main)\n"
            "  \"some text\"     must occur exactly (after normalization)\n"
            "  a OR b          either\n"
            "  -word, NOT word must not occur\n"
            "  ( ... )         grouping\n"
            "  title:word      in the title (title:\"...\" for a phrase)\n"
            "  source:NAME     from that source;  id:ID  that document\n"
            "  date:2024  date:2023-01..2025-06  date:2025-12-19  date:2024..\n"
            "Normalization: NFKC, case folding, traditional to simplified, and\n"
            "white space next to CJK characters ignored (ＥＣＭＯ = ecmo,\n"
            "醫院 = 医院, 门 诊 = 门诊).\n"
            "A malformed query (unbalanced quotes or parentheses, a dangling\n"
            "operator, an empty query, over 1000 characters, invalid UTF-8)\n"
            "is an error with its position (exit status 2).\n\n"
            CLI_DB_HELP
            "  --json         print JSON (see zhsearch(1))\n"
            "  --limit N      hits to print, 0..%u (default 10)\n"
            "  --offset N     hits to skip (default 0)\n"
            "  --snippets N   passages per hit, 1..3 (default 3)\n"
            "  --color WHEN   auto, always or never (default auto; NO_COLOR\n"
            "                 in the environment means never)\n"
            "  --dict FILE    segment the query with this user dictionary\n"
            "                 instead of the one the index recorded (warns\n"
            "                 if they differ)\n"
            "  --allow-partial  search the shards that answer; the JSON\n"
            "                 then has \"partial\": true and\n"
            "                 \"missing_shards\"\n"
            "  --help         this text\n"
            "Put -- before a query whose first word starts with '-' and a\n"
            "Latin letter (zhsearch search -- -word other).\n\n%s",
            ZHS_MAX_LIMIT, ZHS_EXIT_HELP);
}

/* Prints UTF-8 text with the code point spans hl marked by open/close. */
static void print_marked(const char *text, const zhs_span *hl, size_t nhl,
                         const char *open, const char *close)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t cp = 0, h = 0;

    for (; *p; cp++) {
        size_t len = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        if (h < nhl && hl[h].start == cp)
            fputs(open, stdout);
        fwrite(p, 1, len, stdout);
        p += len;
        if (h < nhl && hl[h].end == cp + 1) {
            fputs(close, stdout);
            h++;
        }
    }
}

static void print_text(const zhs_results *r, int color)
{
    const char *open = color ? "\033[1;31m" : "【";
    const char *close = color ? "\033[0m" : "】";
    size_t i, j;

    printf("%s%u hit%s for %s (%.2f ms)%s\n", r->total_exact ? "" : "about ",
           r->total, r->total == 1 ? "" : "s", r->query, r->took_ms,
           r->missing_shards ? " - partial: some shards did not answer" : "");
    for (i = 0; i < r->nhits; i++) {
        const zhs_hit *h = &r->hits[i];
        printf("\n%u. %s%s%s\n   %s  score %.2f\n", h->rank,
               color ? "\033[1m" : "", h->title ? h->title : h->id,
               color ? "\033[0m" : "", h->id, h->score);
        for (j = 0; j < h->nsnippets; j++) {
            const zhs_snippet *s = &h->snippets[j];
            printf("   L%-4u ", s->line);
            print_marked(s->text, s->highlights, s->nhighlights, open, close);
            putchar('\n');
        }
    }
}

/* One query a line from path; one JSON line each.  Returns the exit
 * status: 0, 1 if some query failed, or the status of an I/O error. */
static int run_batch(zhs_db *db, const char *path, const zhs_search_opts *o)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char *line = NULL, *msg, *out;
    size_t cap = 0;
    ssize_t n;
    int failed = 0;
    zhs_results *res;
    zhs_status st;

    if (in == NULL) {
        cli_error("%s: %s", path, strerror(errno));
        return zhs_status_exit_code(errno == ENOENT ? ZHS_ENOTFOUND
                                                    : ZHS_EIO);
    }
    while ((n = getline(&line, &cap, in)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        msg = NULL;
        res = NULL;
        st = zhs_search(db, line, o, &res, &msg);
        out = st == ZHS_OK ? zhs_results_json(res)
                           : zhs_error_json(st, msg);
        if (out == NULL) {
            cli_error("out of memory");
            failed = -1;
        } else {
            puts(out);
        }
        if (st != ZHS_OK && !failed)
            failed = 1;
        free(out);
        free(msg);
        zhs_results_free(res);
        if (failed < 0)
            break;
    }
    if (ferror(in)) {
        cli_error("%s: %s", path, strerror(errno));
        failed = -1;
    }
    free(line);
    if (in != stdin)
        fclose(in);
    if (fflush(stdout) != 0)
        failed = -1;
    return failed < 0 ? zhs_status_exit_code(ZHS_EIO) : failed;
}

int cmd_search(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_DB_LONGOPTS,
        {"json", no_argument, NULL, 'j'},
        {"limit", required_argument, NULL, 'l'},
        {"offset", required_argument, NULL, 'o'},
        {"snippets", required_argument, NULL, 's'},
        {"color", required_argument, NULL, 'c'},
        {"dict", required_argument, NULL, 'D'},
        {"batch", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *when = "auto", *dict = NULL, *batch = NULL;
    struct cli_db dbo = CLI_DB_INIT;
    zhs_search_opts opts = {0, 10, 3};
    zhs_results *res = NULL;
    zhs_db *db = NULL;
    char *query = NULL, *msg = NULL, *out, *warning = NULL;
    int json = 0, color, c, rc, nopts, taken;
    zhs_status st;

    nopts = cli_options_end(argc, argv);
    optind = 1;
    while ((c = getopt_long(nopts, argv, "+d:jl:o:s:c:h", longopts, NULL))
           != -1) {
        if ((taken = cli_db_option(&dbo, c, optarg, json, &rc)) != 0) {
            if (taken < 0)
                return rc;
            continue;
        }
        switch (c) {
        case 'D': dict = optarg; break;
        case 'b': batch = optarg; break;
        case 'j': json = 1; break;
        case 'l':
            if (cli_parse_uint(optarg, ZHS_MAX_LIMIT, &opts.limit) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--limit takes a number "
                                "from 0 to 10000");
            break;
        case 'o':
            if (cli_parse_uint(optarg, ZHS_MAX_OFFSET, &opts.offset) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--offset takes a number "
                                "from 0 to 1000000");
            break;
        case 's':
            if (cli_parse_uint(optarg, 3, &opts.max_snippets) < 0
                || opts.max_snippets == 0)
                return cli_fail(json, ZHS_EUSAGE,
                                "--snippets takes 1, 2 or 3");
            break;
        case 'c':
            if (strcmp(optarg, "auto") && strcmp(optarg, "always")
                && strcmp(optarg, "never"))
                return cli_fail(json, ZHS_EUSAGE, "--color takes auto, "
                                "always or never");
            when = optarg;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (batch != NULL && optind < argc)
        return cli_fail(json, ZHS_EUSAGE, "give queries either on the "
                        "command line or with --batch, not both");
    if (batch == NULL && optind >= argc)
        return cli_fail(json, ZHS_EUSAGE, "no query given (try 'zhsearch "
                        "search --help')");
    if ((query = cli_join(argc, argv, optind)) == NULL)
        return cli_fail(json, ZHS_ENOMEM, NULL);

    st = cli_db_open(&dbo, &db, &msg);
    if (st == ZHS_OK && dict != NULL)
        st = zhs_db_set_dict(db, dict, &warning, &msg);
    if (warning != NULL) {
        cli_error("warning: %s", warning);
        free(warning);
    }
    if (st == ZHS_OK && batch != NULL) {
        rc = run_batch(db, batch, &opts);
        goto out;
    }
    if (st == ZHS_OK)
        st = zhs_search(db, query, &opts, &res, &msg);
    if (st != ZHS_OK) {
        rc = cli_fail(json, st, msg);
        goto out;
    }
    if (json) {
        out = zhs_results_json(res);
        if (out == NULL) {
            rc = cli_fail(json, ZHS_ENOMEM, NULL);
            goto out;
        }
        puts(out);
        free(out);
    } else {
        color = strcmp(when, "always") == 0
            || (strcmp(when, "auto") == 0 && isatty(STDOUT_FILENO)
                && getenv("NO_COLOR") == NULL);
        print_text(res, color);
    }
    rc = 0;
    if (fflush(stdout) != 0)
        rc = cli_fail(0, ZHS_EIO, "cannot write the results");
out:
    zhs_results_free(res);
    zhs_db_close(db);
    free(msg);
    free(query);
    return rc;
}
