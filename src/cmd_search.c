/* cmd_search.c: `zhsearch search`, ranked hits with snippets.
 *
 * Text output is for people: highlights in colour on a terminal, between
 * 【 and 】 otherwise.  --json prints the object of doc/DESIGN.md through the
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
            "[--dict FILE]\n"
            "                       [--sort ORDER] [--facets LIST] "
            "[--no-collapse] [--strict]\n"
            "                       [--format FMT [--all] [--bom]] "
            "QUERY...\n"
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
            "                  never depends on word segmentation.\n"
            "                  Latin tokens are whole, with their\n"
            "                  punctuation (.deb, C++, C#, node.js, 3.14,\n"
            "                  /etc/fstab, --help; 120 does not match 1200,\n"
            "                  deb not debian); - and _ between letters and\n"
            "                  digits are optional (UTF-8 = UTF_8 = utf8);\n"
            "                  deb* is a prefix (matches debian)\n"
            "  \"some text\"     must occur exactly (after normalization)\n"
            "  a OR b          either (OR, AND, NOT in capitals; or, and,\n"
            "                  not are words)\n"
            "  -word, NOT word must not occur; a - is NOT before CJK, a\n"
            "                  quote, ( or a field (-援藏, -\"apt\"), text\n"
            "                  before ASCII (ls -l, --help, -5)\n"
            "  ( ... )         grouping\n"
            "  title:word      in the title (title:\"...\" for a phrase)\n"
            "  source:NAME     from that source;  id:ID  that document\n"
            "  author:NAME     by that author (one of a list: 杜甫、李白)\n"
            "  date:2024  date:2023-01..2025-06  date:2025-12-19  date:2024..\n"
            "Normalization: NFKC, case folding, traditional to simplified, and\n"
            "white space next to CJK characters ignored (ＥＣＭＯ = ecmo,\n"
            "醫院 = 医院, 门 诊 = 门诊).\n"
            "Snippets show the document's text; a line or paragraph break\n"
            "that is not a layout artefact shows as \" ⏎ \".\n"
            "A malformed query (unbalanced quotes or parentheses, a dangling\n"
            "operator, an unknown field such as titel:, an empty query, over\n"
            "1000 characters, invalid UTF-8)\n"
            "is an error with its position (exit status 2).\n\n"
            CLI_DB_HELP
            "  --json         print JSON (see zhsearch(1)); --format json\n"
            "  --format FMT   text (default), json, or one row per hit with\n"
            "                 every field, the best snippet and the text:\n"
            "                 jsonl (JSON Lines), csv (RFC 4180) or tsv\n"
            "                 (\\t \\n \\r \\\\ escaped); UTF-8\n"
            "  --all          with jsonl, csv or tsv: every match from\n"
            "                 --offset on, fetched --limit (default 1000)\n"
            "                 at a time\n"
            "  --bom          with csv or tsv: start with a UTF-8 byte\n"
            "                 order mark (for Excel)\n"
            "  --sort ORDER   relevance (default), newest or oldest (by\n"
            "                 date; undated documents last; equal dates by\n"
            "                 relevance)\n"
            "  --facets LIST  count the matching documents per source, year\n"
            "                 and/or month (comma-separated), printed after\n"
            "                 the hits or as \"facets\" in JSON\n"
            "  --no-collapse  show near-duplicates (the same article\n"
            "                 republished with small changes) as separate\n"
            "                 hits; by default the best-ranked one is shown\n"
            "                 with the number and ids of the others\n"
            "  --strict       never relax: only the strict matches (by\n"
            "                 default, when they are fewer than the page\n"
            "                 asks for, documents with at least half the\n"
            "                 words follow them, more words first, a string\n"
            "                 split where it joins least often: 组团式援疆 ->\n"
            "                 组团式 援疆; the output says \"no exact match for\n"
            "                 ...; showing ...\" and JSON \"relaxed\": true;\n"
            "                 quoted phrases, filters and NOT never relax;\n"
            "                 --all exports are always strict)\n"
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
            "Latin letter (zhsearch search -- -l ls).\n\n%s",
            ZHS_MAX_LIMIT, ZHS_EXIT_HELP);
}

/* Prints UTF-8 text with the code point spans hl marked by open/close,
 * its control characters escaped (cli_safe.c). */
static void print_marked(const char *text, const zhs_span *hl, size_t nhl,
                         const char *open, const char *close)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t cp = 0, h = 0;

    for (; *p; cp++) {
        if (h < nhl && hl[h].start == cp)
            fputs(open, stdout);
        /* one code point; a control character in its visible form */
        p += cli_safe_put_cp(stdout, (const char *)p, NULL, NULL);
        if (h < nhl && hl[h].end == cp + 1) {
            fputs(close, stdout);
            h++;
        }
    }
}

/* The output formats; JSON is the object of doc/DESIGN.md, the others are
 * rows (export.c). */
enum out_format { OUT_TEXT, OUT_JSON, OUT_JSONL, OUT_CSV, OUT_TSV };

static int parse_format(const char *s, enum out_format *f)
{
    static const char *const names[] = {"text", "json", "jsonl", "csv",
                                        "tsv"};
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0) {
            *f = (enum out_format)i;
            return 0;
        }
    return -1;
}

/* After the hits: "source: 新华社 12, 人民日报 5" per facet. */
static void print_facets(const zhs_results *r)
{
    size_t i, j;

    if (r->nfacets > 0)
        printf("\nFacets (matching documents):\n");
    for (i = 0; i < r->nfacets; i++) {
        const zhs_facet *f = &r->facets[i];
        printf("  %s:%s", f->name, f->nvalues ? "" : " (none)");
        for (j = 0; j < f->nvalues; j++) {
            printf("%s ", j ? "," : "");
            cli_safe_puts(stdout, f->values[j].value);
            printf(" %u", f->values[j].count);
        }
        putchar('\n');
    }
}

/* "+ 2 near-duplicates: a, b" under a hit that has them. */
static void print_duplicates(const zhs_hit *h)
{
    size_t i, shown = h->nduplicate_ids < 5 ? h->nduplicate_ids : 5;

    if (h->duplicates == 0)
        return;
    printf("   + %u near-duplicate%s:", h->duplicates,
           h->duplicates == 1 ? "" : "s");
    for (i = 0; i < shown; i++) {
        printf("%s ", i ? "," : "");
        cli_safe_puts(stdout, h->duplicate_ids[i]);
    }
    printf("%s\n", h->duplicates > shown ? ", ..." : "");
}

static void print_text(const zhs_results *r, int color)
{
    const char *open = color ? "\033[1;31m" : "【";
    const char *close = color ? "\033[0m" : "】";
    size_t i, j;

    printf("%s%u hit%s for ", r->total_exact ? "" : "about ", r->total,
           r->total == 1 ? "" : "s");
    cli_safe_puts(stdout, r->query);
    printf(" (%.2f ms)%s\n", r->took_ms,
           r->missing_shards ? " - partial: some shards did not answer" : "");
    if (r->relaxed) {
        cli_safe_puts(stdout, r->relaxed_message);
        putchar('\n');
    }
    /* Titles, ids, dates and sources are the indexed files' words: their
     * control characters are shown, never obeyed (cli_safe.c). */
    for (i = 0; i < r->nhits; i++) {
        const zhs_hit *h = &r->hits[i];
        printf("\n%u. %s", h->rank, color ? "\033[1m" : "");
        cli_safe_puts(stdout, h->title ? h->title : h->id);
        printf("%s\n   ", color ? "\033[0m" : "");
        cli_safe_puts(stdout, h->id);
        if (h->date) {
            fputs("  ", stdout);
            cli_safe_puts(stdout, h->date);
        }
        if (h->source) {
            fputs("  ", stdout);
            cli_safe_puts(stdout, h->source);
        }
        printf("  score %.2f\n", h->score);
        for (j = 0; j < h->nsnippets; j++) {
            const zhs_snippet *s = &h->snippets[j];
            printf("   L%-4u ", s->line);
            print_marked(s->text, s->highlights, s->nhighlights, open, close);
            putchar('\n');
        }
        print_duplicates(h);
    }
    print_facets(r);
}

/* Rows for --format jsonl, csv or tsv: the page asked for, or with all
 * every match, `page` hits (0: EXPORT_PAGE) at a time.  Returns the exit
 * status. */
#define EXPORT_PAGE 1000u
static int run_export(zhs_db *db, const char *query, zhs_search_opts o,
                      enum out_format f, int all, unsigned page, int bom)
{
    enum export_format ef = f == OUT_JSONL ? EXPORT_JSONL
                          : f == OUT_CSV ? EXPORT_CSV : EXPORT_TSV;
    zhs_results *res = NULL;
    char *msg = NULL;
    zhs_status st;
    int rc = 0;

    o.with_text = 1;
    if (all) {
        o.limit = page ? page : EXPORT_PAGE;
        o.no_relax = 1;                 /* every match, and only those */
    }
    export_header(stdout, ef, bom);
    for (;;) {
        st = zhs_search(db, query, &o, &res, &msg);
        if (st != ZHS_OK) {
            rc = cli_fail(f == OUT_JSONL, st, msg);
            break;
        }
        if (export_rows(stdout, ef, res) < 0) {
            rc = cli_fail(f == OUT_JSONL, ZHS_ENOMEM, NULL);
            break;
        }
        if (!all || res->nhits < o.limit)
            break;
        zhs_results_free(res);
        res = NULL;
        if (o.offset + o.limit > ZHS_MAX_OFFSET) {
            cli_error("--all stops at offset %u", ZHS_MAX_OFFSET);
            break;
        }
        o.offset += o.limit;
    }
    zhs_results_free(res);
    free(msg);
    if (fflush(stdout) != 0 && rc == 0)
        rc = cli_fail(0, ZHS_EIO, "cannot write the results");
    return rc;
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
        {"sort", required_argument, NULL, 'S'},
        {"facets", required_argument, NULL, 'F'},
        {"format", required_argument, NULL, 'f'},
        {"no-collapse", no_argument, NULL, 'N'},
        {"strict", no_argument, NULL, 'R'},
        {"all", no_argument, NULL, 'A'},
        {"bom", no_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *when = "auto", *dict = NULL, *batch = NULL;
    struct cli_db dbo = CLI_DB_INIT;
    zhs_search_opts opts = {.limit = 10, .max_snippets = 3};
    zhs_results *res = NULL;
    zhs_db *db = NULL;
    char *query = NULL, *msg = NULL, *out, *warning = NULL;
    enum out_format format = OUT_TEXT;
    int json = 0, color, c, rc, nopts, taken, all = 0, bom = 0;
    int limit_given = 0;
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
        case 'j': json = 1; format = OUT_JSON; break;
        case 'f':
            if (parse_format(optarg, &format) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--format takes text, "
                                "json, jsonl, csv or tsv");
            json = format == OUT_JSON || format == OUT_JSONL;
            break;
        case 'S':
            if (zhs_parse_sort(optarg, &opts.sort) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--sort takes relevance, "
                                "newest or oldest");
            break;
        case 'F':
            if (zhs_parse_facets(optarg, &opts.facets) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--facets takes a comma-"
                                "separated list of source, year and month");
            break;
        case 'N': opts.no_collapse = 1; break;
        case 'R': opts.no_relax = 1; break;
        case 'A': all = 1; break;
        case 'B': bom = 1; break;
        case 'l':
            if (cli_parse_uint(optarg, ZHS_MAX_LIMIT, &opts.limit) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--limit takes a number "
                                "from 0 to 10000");
            limit_given = 1;
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
    if (batch != NULL && format != OUT_JSON && format != OUT_TEXT)
        return cli_fail(json, ZHS_EUSAGE, "--batch prints JSON, one line a "
                        "query: --format must be json");
    if (all && format != OUT_JSONL && format != OUT_CSV && format != OUT_TSV)
        return cli_fail(json, ZHS_EUSAGE, "--all needs --format jsonl, csv "
                        "or tsv");
    if (bom && format != OUT_CSV && format != OUT_TSV)
        return cli_fail(json, ZHS_EUSAGE, "--bom needs --format csv or tsv");
    if (opts.facets && format != OUT_JSON && format != OUT_TEXT)
        return cli_fail(json, ZHS_EUSAGE, "--facets needs text or JSON "
                        "output, not rows");
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
    if (st == ZHS_OK && format != OUT_TEXT && format != OUT_JSON) {
        rc = run_export(db, query, opts, format, all,
                        limit_given ? opts.limit : 0, bom);
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
