/* cmd_kwic.c: `zhsearch kwic`, a keyword-in-context concordance.
 *
 * Every occurrence of the strings a query highlights, in every matching
 * document (zhs_scan), one line each with a fixed number of characters of
 * context on both sides.  In text output the left context is right-aligned
 * by display width (wide characters take two columns) so that the matches
 * form one column, as concordancers print them.  Lines are collected
 * before printing: the alignment and the context sorts need all of them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

#define DEFAULT_WIDTH 30u
#define MAX_WIDTH 500u

enum sort_by { SORT_DOC, SORT_LEFT, SORT_RIGHT };

/* A run of code points. */
struct cps {
    unsigned *v;         /* code points, malloc'd */
    size_t n;            /* how many */
};

/* One concordance line. */
struct kline {
    size_t doc;          /* index into kwic.ids */
    unsigned rank;       /* the document's rank in the results, from 1 */
    size_t seq;          /* position in document order, for stable sorts */
    unsigned line;       /* 1-based source line, 0 unknown */
    unsigned offset;     /* cp offset of the match in the displayed text */
    struct cps left, match, right;
};

struct kwic {
    unsigned width;      /* context code points on each side */
    enum sort_by sort;
    size_t limit;        /* lines to print, (size_t)-1 for all */
    struct kline *lines; /* collected lines */
    size_t n, cap;
    size_t total;        /* occurrences seen (also those not kept) */
    char **ids;          /* ids of the documents with kept lines */
    size_t nids, capids;
    int oom;
};

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
            MAX_WIDTH, DEFAULT_WIDTH, ZHS_EXIT_HELP);
}

/* Decodes valid UTF-8 (the library's output) into code points. */
static int decode(const char *s, struct cps *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0, cap = strlen(s) + 1;

    out->v = malloc(cap * sizeof *out->v);
    if (out->v == NULL)
        return -1;
    while (*p) {
        unsigned c = *p, len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        unsigned k;
        if (len > 1)
            c &= 0x3Fu >> (len - 1);
        for (k = 1; k < len && p[k]; k++)
            c = (c << 6) | (p[k] & 0x3Fu);
        out->v[n++] = c;
        p += k;
    }
    out->n = n;
    return 0;
}

/* Copies v[a, b), with the layout controls (newline, tab, CR, form
 * feed) as spaces; other control characters are kept, to be printed in
 * their visible form (cli_safe.c). */
static int slice(const unsigned *v, size_t a, size_t b, struct cps *out)
{
    size_t i;

    out->n = b - a;
    out->v = malloc((out->n + 1) * sizeof *out->v);
    if (out->v == NULL)
        return -1;
    for (i = a; i < b; i++)
        out->v[i - a] = v[i] == '\n' || v[i] == '\t' || v[i] == '\r'
                        || v[i] == '\f' || v[i] == '\v' ? ' ' : v[i];
    return 0;
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
    void *nv;
    size_t ncap = *cap ? *cap * 2 : 64;

    if (need <= *cap)
        return 0;
    nv = realloc(*v, ncap * size);
    if (nv == NULL)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

/* Whether lines are still kept: with --sort doc only the first --limit. */
static int keeping(const struct kwic *k)
{
    return k->sort != SORT_DOC || k->n < k->limit;
}

static int add_doc(const zhs_match_doc *d, void *arg)
{
    struct kwic *k = arg;
    struct cps text = {NULL, 0};
    size_t i, w = k->width;

    k->total += d->nmatches;
    if (d->nmatches == 0 || !keeping(k))
        return 0;
    if (decode(d->text, &text) < 0
        || grow((void **)&k->ids, &k->capids, k->nids + 1, sizeof *k->ids)
        || (k->ids[k->nids] = strdup(d->id)) == NULL)
        goto oom;
    k->nids++;
    for (i = 0; i < d->nmatches && keeping(k); i++) {
        size_t s = d->matches[i].start, e = d->matches[i].end;
        struct kline *l;
        if (grow((void **)&k->lines, &k->cap, k->n + 1, sizeof *k->lines))
            goto oom;
        l = &k->lines[k->n];
        memset(l, 0, sizeof *l);
        l->doc = k->nids - 1;
        l->rank = d->rank;
        l->seq = k->n;
        l->line = d->lines[i];
        l->offset = (unsigned)s;
        k->n++;
        if (slice(text.v, s > w ? s - w : 0, s, &l->left) < 0
            || slice(text.v, s, e, &l->match) < 0
            || slice(text.v, e, e + w < text.n ? e + w : text.n,
                     &l->right) < 0)
            goto oom;
    }
    free(text.v);
    return 0;
oom:
    free(text.v);
    k->oom = 1;
    return 1;
}

static int cmp_cps(const struct cps *a, const struct cps *b, int backwards)
{
    size_t i;

    for (i = 0; i < a->n && i < b->n; i++) {
        unsigned x = backwards ? a->v[a->n - 1 - i] : a->v[i];
        unsigned y = backwards ? b->v[b->n - 1 - i] : b->v[i];
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->n < b->n ? -1 : a->n > b->n;
}

static int by_left(const void *pa, const void *pb)
{
    const struct kline *a = pa, *b = pb;
    int c = cmp_cps(&a->left, &b->left, 1);
    if (c == 0)
        c = cmp_cps(&a->match, &b->match, 0);
    return c ? c : (a->seq < b->seq ? -1 : a->seq > b->seq);
}

static int by_right(const void *pa, const void *pb)
{
    const struct kline *a = pa, *b = pb;
    int c = cmp_cps(&a->right, &b->right, 0);
    if (c == 0)
        c = cmp_cps(&a->match, &b->match, 0);
    return c ? c : (a->seq < b->seq ? -1 : a->seq > b->seq);
}

static char *cps_utf8(const struct cps *c);

/* Prints c, its control characters in their visible form. */
static void print_cps(const struct cps *c)
{
    char *s = cps_utf8(c);
    if (s)
        cli_safe_puts(stdout, s);
    free(s);
}

/* The columns print_cps(c) takes. */
static size_t cps_width(const struct cps *c)
{
    char buf[CLI_ESC_MAX];
    const char *esc;
    size_t i, w = 0;
    for (i = 0; i < c->n; i++)
        w += (esc = cli_cp_escape(c->v[i], buf)) != NULL
             ? strlen(esc) : (size_t)zhs_cp_width(c->v[i]);
    return w;
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
static size_t ref_width(const struct kwic *k, const struct kline *l)
{
    char num[16];
    size_t w = str_width(k->ids[l->doc]);
    if (l->line > 0)
        w += (size_t)snprintf(num, sizeof num, ":%u", l->line);
    return w;
}

static void print_text(const struct kwic *k, size_t n, int color)
{
    const char *open = color ? "\033[1;31m" : "【";
    const char *close = color ? "\033[0m" : "】";
    size_t i, refw = 0, leftw = 0, w;

    for (i = 0; i < n; i++) {
        if ((w = ref_width(k, &k->lines[i])) > refw)
            refw = w;
        if ((w = cps_width(&k->lines[i].left)) > leftw)
            leftw = w;
    }
    for (i = 0; i < n; i++) {
        const struct kline *l = &k->lines[i];
        cli_safe_puts(stdout, k->ids[l->doc]);
        if (l->line > 0)
            printf(":%u", l->line);
        pad(refw - ref_width(k, l) + 2);
        pad(leftw - cps_width(&l->left));
        print_cps(&l->left);
        fputs(open, stdout);
        print_cps(&l->match);
        fputs(close, stdout);
        print_cps(&l->right);
        putchar('\n');
    }
}

/* c as UTF-8, malloc'd; NULL when out of memory. */
static char *cps_utf8(const struct cps *c)
{
    char *s = malloc(c->n * 4 + 1), *p = s;
    size_t i;

    if (s == NULL)
        return NULL;
    for (i = 0; i < c->n; i++) {
        unsigned x = c->v[i];
        if (x < 0x80) {
            *p++ = (char)x;
        } else if (x < 0x800) {
            *p++ = (char)(0xC0 | (x >> 6));
            *p++ = (char)(0x80 | (x & 0x3F));
        } else if (x < 0x10000) {
            *p++ = (char)(0xE0 | (x >> 12));
            *p++ = (char)(0x80 | ((x >> 6) & 0x3F));
            *p++ = (char)(0x80 | (x & 0x3F));
        } else {
            *p++ = (char)(0xF0 | (x >> 18));
            *p++ = (char)(0x80 | ((x >> 12) & 0x3F));
            *p++ = (char)(0x80 | ((x >> 6) & 0x3F));
            *p++ = (char)(0x80 | (x & 0x3F));
        }
    }
    *p = '\0';
    return s;
}

/* One JSON object per line; -1 when out of memory. */
static int print_json(const struct kwic *k, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const struct kline *l = &k->lines[i];
        cJSON *o = cJSON_CreateObject();
        char *left = cps_utf8(&l->left), *match = cps_utf8(&l->match);
        char *right = cps_utf8(&l->right), *out = NULL;
        if (o && left && match && right) {
            cJSON_AddStringToObject(o, "id", k->ids[l->doc]);
            cJSON_AddNumberToObject(o, "rank", l->rank);
            if (l->line > 0)
                cJSON_AddNumberToObject(o, "line", l->line);
            else
                cJSON_AddNullToObject(o, "line");
            cJSON_AddNumberToObject(o, "offset", l->offset);
            cJSON_AddStringToObject(o, "left", left);
            cJSON_AddStringToObject(o, "match", match);
            cJSON_AddStringToObject(o, "right", right);
            out = zhs_json_escape_controls(cJSON_PrintUnformatted(o));
        }
        if (out)
            puts(out);
        free(out);
        free(left);
        free(match);
        free(right);
        cJSON_Delete(o);
        if (out == NULL)
            return -1;
    }
    return 0;
}

static void kwic_free(struct kwic *k)
{
    size_t i;

    for (i = 0; i < k->n; i++) {
        free(k->lines[i].left.v);
        free(k->lines[i].match.v);
        free(k->lines[i].right.v);
    }
    for (i = 0; i < k->nids; i++)
        free(k->ids[i]);
    free(k->lines);
    free(k->ids);
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
    struct kwic k;
    zhs_db *db = NULL;
    char *query = NULL, *msg = NULL;
    unsigned limit;
    int json = 0, c, rc = 0, taken, nopts;
    size_t shown;
    zhs_status st;

    memset(&k, 0, sizeof k);
    k.width = DEFAULT_WIDTH;
    k.limit = (size_t)-1;
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
            if (cli_parse_uint(optarg, MAX_WIDTH, &k.width) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--width takes a number "
                                "from 0 to 500");
            break;
        case 'l':
            if (cli_parse_uint(optarg, 100000000, &limit) < 0)
                return cli_fail(json, ZHS_EUSAGE, "--limit takes a number "
                                "from 0 to 100000000");
            k.limit = limit;
            break;
        case 's':
            if (strcmp(optarg, "doc") == 0)
                k.sort = SORT_DOC;
            else if (strcmp(optarg, "left") == 0)
                k.sort = SORT_LEFT;
            else if (strcmp(optarg, "right") == 0)
                k.sort = SORT_RIGHT;
            else
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
        st = zhs_scan(db, query, add_doc, &k, &msg);
    if (st == ZHS_OK && k.oom)
        st = ZHS_ENOMEM;
    if (st != ZHS_OK) {
        rc = cli_fail(json, st, st == ZHS_ENOMEM ? NULL : msg);
        goto out;
    }
    if (k.sort != SORT_DOC && k.n > 1)
        qsort(k.lines, k.n, sizeof *k.lines,
              k.sort == SORT_LEFT ? by_left : by_right);
    shown = k.n < k.limit ? k.n : k.limit;
    if (json) {
        if (print_json(&k, shown) < 0) {
            rc = cli_fail(0, ZHS_ENOMEM, NULL);
            goto out;
        }
    } else {
        print_text(&k, shown, isatty(STDOUT_FILENO)
                                  && getenv("NO_COLOR") == NULL);
    }
    if (fflush(stdout) != 0) {
        rc = cli_fail(0, ZHS_EIO, "cannot write the lines");
        goto out;
    }
    if (shown < k.total)
        cli_error("output cut at %zu of %zu lines (--limit)", shown,
                  k.total);
out:
    kwic_free(&k);
    zhs_db_close(db);
    free(msg);
    free(query);
    return rc;
}
