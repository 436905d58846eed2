/* cmd_stats.c: `zhsearch stats`, counts over time and index figures.
 *
 * With TERMs (each a query), the documents matching each and the
 * occurrences of its strings (what kwic would print) per year, month or
 * source, over all matching documents (zhs_scan), as a table, CSV or
 * JSON, and optionally a line chart in SVG.  The rows are every year,
 * month or source the index has (zhs_db_groups), so periods without a
 * match show as zeros, plus "unknown" for documents without one.
 * Without terms, figures on the index: documents, terms, size on disk,
 * date range, sources.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

enum format { FMT_TABLE, FMT_CSV, FMT_JSON };

/* Counts of one term in one row. */
struct cell {
    unsigned docs;       /* matching documents */
    unsigned long occ;   /* occurrences in them */
};

struct table {
    zhs_group by;
    char **terms;        /* the TERM arguments (borrowed) */
    size_t nterms;
    zhs_bucket *rows;    /* the index's groups, ascending */
    size_t nrows;        /* rows[] plus one "unknown" row when nunknown */
    size_t nbuckets;     /* rows in rows[] */
    unsigned nunknown;   /* documents without a group in the index */
    struct cell *cells;  /* nrows x nterms, row-major */
    size_t term;         /* the term being scanned */
};

static const char *const by_names[] = {"year", "month", "source"};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zhsearch stats [--db DIR] [--by year|month|source]\n"
            "                      [--format table|csv|json] [--svg FILE]\n"
            "                      [--count docs|occurrences] [TERM...]\n"
            "With TERMs (each a query, e.g. 援疆 or '\"医疗 队\"'): for each,\n"
            "the number of matching documents and of occurrences of its\n"
            "strings per year, month or source, over all matching documents;\n"
            "documents without a date (or month, or source) count in the\n"
            "row 'unknown'.  Without TERMs: documents, distinct terms, size\n"
            "on disk, date range and sources of the index.\n\n"
            CLI_DB_HELP
            "  --allow-partial  read the shards that answer (a warning on\n"
            "                 stderr names the others)\n"
            "  --by KEY       year (default), month or source\n"
            "  --format F     table (default), csv (period,term,docs,\n"
            "                 occurrences; with TERMs only) or json\n"
            "  --svg FILE     also write a line chart of the counts to FILE\n"
            "                 (one line per TERM; not for 'unknown' dates)\n"
            "  --count WHAT   what the chart shows: docs (default) or\n"
            "                 occurrences\n"
            "  --help         this text\n\n%s",
            ZHS_EXIT_HELP);
}

/* ---- counting ----------------------------------------------------- */

/* The row of key (NULL: unknown), or (size_t)-1 if the index has none. */
static size_t row_of(const struct table *t, const char *key)
{
    size_t lo = 0, hi = t->nbuckets;

    if (key == NULL)
        return t->nrows > t->nbuckets ? t->nbuckets : (size_t)-1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(key, t->rows[mid].key);
        if (c == 0)
            return mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return (size_t)-1;
}

static int count_doc(const zhs_match_doc *d, void *arg)
{
    struct table *t = arg;
    const char *key = t->by == ZHS_BY_YEAR ? d->year
        : t->by == ZHS_BY_MONTH ? d->month : d->source;
    size_t r = row_of(t, key);

    /* a group the index did not have when the rows were read: a writer
     * committed meanwhile; its documents are not counted */
    if (r != (size_t)-1) {
        t->cells[r * t->nterms + t->term].docs++;
        t->cells[r * t->nterms + t->term].occ += d->nmatches;
    }
    return 0;
}

static zhs_status count_all(zhs_db *db, struct table *t, char **msg)
{
    zhs_status st = zhs_db_groups(db, t->by, &t->rows, &t->nbuckets,
                                  &t->nunknown, msg);
    if (st != ZHS_OK)
        return st;
    t->nrows = t->nbuckets + (t->nunknown > 0);
    t->cells = calloc(t->nrows * t->nterms + 1, sizeof *t->cells);
    if (t->cells == NULL)
        return ZHS_ENOMEM;
    for (t->term = 0; st == ZHS_OK && t->term < t->nterms; t->term++) {
        st = zhs_scan(db, t->terms[t->term], count_doc, t, msg);
        if (st != ZHS_OK && msg && *msg) {
            /* name the term: there may be several */
            size_t len = strlen(*msg) + strlen(t->terms[t->term]) + 16;
            char *m = malloc(len);
            if (m) {
                snprintf(m, len, "term '%s': %s", t->terms[t->term], *msg);
                free(*msg);
                *msg = m;
            }
        }
    }
    return st;
}

static const char *row_name(const struct table *t, size_t r)
{
    return r < t->nbuckets ? t->rows[r].key : "unknown";
}

/* ---- text output ---------------------------------------------------- */

/* Display width of UTF-8 text. */
static size_t width_of(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0;

    while (*p) {
        unsigned c = *p, len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        unsigned k;
        if (len > 1)
            c &= 0x3Fu >> (len - 1);
        for (k = 1; k < len && p[k]; k++)
            c = (c << 6) | (p[k] & 0x3Fu);
        w += (size_t)zhs_cp_width(c);
        p += k;
    }
    return w;
}

/* Prints s left-aligned in a field of w columns. */
static void print_left(const char *s, size_t w)
{
    size_t sw = width_of(s);
    fputs(s, stdout);
    while (sw++ < w)
        putchar(' ');
}

static void print_right(const char *s, size_t w)
{
    size_t sw = width_of(s);
    while (sw++ < w)
        putchar(' ');
    fputs(s, stdout);
}

#define DOCS_W 8   /* columns of the docs count */
#define OCC_W 13   /* columns of the occurrences count */

static void print_table(const struct table *t)
{
    size_t r, j, w0 = strlen(by_names[t->by]), *tw;
    char num[32];

    tw = calloc(t->nterms + 1, sizeof *tw);
    if (tw == NULL)
        return;
    for (r = 0; r < t->nrows; r++)
        if (width_of(row_name(t, r)) > w0)
            w0 = width_of(row_name(t, r));
    if (w0 < 5)
        w0 = 5;                         /* "total" */
    for (j = 0; j < t->nterms; j++) {
        tw[j] = width_of(t->terms[j]);
        if (tw[j] < DOCS_W + OCC_W)
            tw[j] = DOCS_W + OCC_W;
    }
    print_left(by_names[t->by], w0);
    for (j = 0; j < t->nterms; j++) {
        fputs("  ", stdout);
        print_right(t->terms[j], tw[j]);
    }
    putchar('\n');
    print_left("", w0);
    for (j = 0; j < t->nterms; j++) {
        fputs("  ", stdout);
        print_right("docs", tw[j] - OCC_W);
        print_right("occurrences", OCC_W);
    }
    putchar('\n');
    for (r = 0; r <= t->nrows; r++) {
        print_left(r < t->nrows ? row_name(t, r) : "total", w0);
        for (j = 0; j < t->nterms; j++) {
            unsigned long docs = 0, occ = 0;
            size_t k;
            for (k = 0; k < t->nrows; k++)
                if (k == r || r == t->nrows) {
                    docs += t->cells[k * t->nterms + j].docs;
                    occ += t->cells[k * t->nterms + j].occ;
                }
            fputs("  ", stdout);
            snprintf(num, sizeof num, "%lu", docs);
            print_right(num, tw[j] - OCC_W);
            snprintf(num, sizeof num, "%lu", occ);
            print_right(num, OCC_W);
        }
        putchar('\n');
    }
    free(tw);
}

/* A CSV field, quoted as RFC 4180 says when it needs to be. */
static void csv_field(const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void print_csv(const struct table *t)
{
    size_t r, j;

    fputs("period,term,docs,occurrences\r\n", stdout);
    for (r = 0; r < t->nrows; r++)
        for (j = 0; j < t->nterms; j++) {
            const struct cell *c = &t->cells[r * t->nterms + j];
            csv_field(row_name(t, r));
            putchar(',');
            csv_field(t->terms[j]);
            printf(",%u,%lu\r\n", c->docs, c->occ);
        }
}

static char *table_json(const struct table *t)
{
    cJSON *o = cJSON_CreateObject(), *terms, *rows, *row, *counts, *c;
    char *out = NULL;
    size_t r, j;

    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "by", by_names[t->by]);
    terms = cJSON_AddArrayToObject(o, "terms");
    for (j = 0; terms && j < t->nterms; j++)
        cJSON_AddItemToArray(terms, cJSON_CreateString(t->terms[j]));
    rows = cJSON_AddArrayToObject(o, "rows");
    for (r = 0; rows && r < t->nrows; r++) {
        if ((row = cJSON_CreateObject()) == NULL)
            goto out;
        cJSON_AddItemToArray(rows, row);
        if (r < t->nbuckets)
            cJSON_AddStringToObject(row, "period", t->rows[r].key);
        else
            cJSON_AddNullToObject(row, "period");
        counts = cJSON_AddArrayToObject(row, "counts");
        for (j = 0; counts && j < t->nterms; j++) {
            if ((c = cJSON_CreateObject()) == NULL)
                goto out;
            cJSON_AddItemToArray(counts, c);
            cJSON_AddStringToObject(c, "term", t->terms[j]);
            cJSON_AddNumberToObject(c, "docs",
                                    t->cells[r * t->nterms + j].docs);
            cJSON_AddNumberToObject(c, "occurrences",
                                    (double)t->cells[r * t->nterms + j].occ);
        }
    }
    out = cJSON_PrintUnformatted(o);
out:
    cJSON_Delete(o);
    return out;
}

/* ---- the chart -------------------------------------------------------- */

#define SVG_W 960
#define SVG_H 540
#define PLOT_L 80
#define PLOT_R 740
#define PLOT_T 60
#define PLOT_B 440

static const char *const colors[] = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A round step for about five ticks up to max. */
static double nice_step(double max)
{
    double raw = max / 5, mag, f;

    if (raw <= 1)
        return 1;
    mag = pow(10, floor(log10(raw)));
    f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static double cell_value(const struct table *t, size_t r, size_t j, int occ)
{
    const struct cell *c = &t->cells[r * t->nterms + j];
    return occ ? (double)c->occ : (double)c->docs;
}

static void svg_axes(FILE *f, const struct table *t, size_t np, double top,
                     double step, int occ)
{
    size_t i, every = np / 24 + 1;
    double v;

    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
               "stroke=\"#333\"/>\n", PLOT_L, PLOT_B, PLOT_R, PLOT_B);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
               "stroke=\"#333\"/>\n", PLOT_L, PLOT_T, PLOT_L, PLOT_B);
    for (v = 0; v <= top + step / 2; v += step) {
        double y = PLOT_B - v / top * (PLOT_B - PLOT_T);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                   "stroke=\"#ddd\"/>\n", PLOT_L, y, PLOT_R, y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
                   "font-size=\"12\">%.0f</text>\n", PLOT_L - 6, y + 4, v);
    }
    for (i = 0; i < np; i++) {
        double x = np == 1 ? (PLOT_L + PLOT_R) / 2.0
            : PLOT_L + (double)i * (PLOT_R - PLOT_L) / (double)(np - 1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                   "stroke=\"#333\"/>\n", x, PLOT_B, x, PLOT_B + 4);
        if (i % every != 0)
            continue;
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" "
                   "text-anchor=\"end\" transform=\"rotate(-45 %.1f %d)\">",
                x, PLOT_B + 16, x, PLOT_B + 16);
        xml_text(f, row_name(t, i));
        fputs("</text>\n", f);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
               "font-size=\"14\">%s</text>\n", (PLOT_L + PLOT_R) / 2,
            SVG_H - 20, by_names[t->by]);
    fprintf(f, "<text x=\"20\" y=\"%d\" text-anchor=\"middle\" "
               "font-size=\"14\" transform=\"rotate(-90 20 %d)\">%s</text>\n",
            (PLOT_T + PLOT_B) / 2, (PLOT_T + PLOT_B) / 2,
            occ ? "occurrences" : "documents");
}

static int write_svg(const struct table *t, const char *path, int occ)
{
    /* unknown dates have no place on a time axis */
    size_t np = t->by == ZHS_BY_SOURCE ? t->nrows : t->nbuckets, i, j;
    double max = 0, step, top;
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return -1;
    for (i = 0; i < np; i++)
        for (j = 0; j < t->nterms; j++)
            if (cell_value(t, i, j, occ) > max)
                max = cell_value(t, i, j, occ);
    step = nice_step(max);
    top = max > 0 ? ceil(max / step) * step : step;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"'Noto Sans "
               "CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', "
               "'Microsoft YaHei', 'PingFang SC', sans-serif\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"%d\" y=\"32\" text-anchor=\"middle\" "
               "font-size=\"18\">",
            SVG_W, SVG_H, SVG_W, SVG_H, SVG_W / 2);
    fprintf(f, "%s per %s: ", occ ? "Occurrences" : "Documents",
            by_names[t->by]);
    for (j = 0; j < t->nterms; j++) {
        if (j > 0)
            fputs(", ", f);
        xml_text(f, t->terms[j]);
    }
    fputs("</text>\n", f);
    svg_axes(f, t, np, top, step, occ);
    for (j = 0; j < t->nterms; j++) {
        const char *color = colors[j % (sizeof colors / sizeof colors[0])];
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                   "points=\"", color);
        for (i = 0; i < np; i++) {
            double x = np == 1 ? (PLOT_L + PLOT_R) / 2.0
                : PLOT_L + (double)i * (PLOT_R - PLOT_L) / (double)(np - 1);
            double y = PLOT_B - cell_value(t, i, j, occ) / top
                                    * (PLOT_B - PLOT_T);
            fprintf(f, "%s%.1f,%.1f", i ? " " : "", x, y);
        }
        fputs("\"/>\n", f);
        fprintf(f, "<rect x=\"%d\" y=\"%zu\" width=\"24\" height=\"4\" "
                   "fill=\"%s\"/>\n<text x=\"%d\" y=\"%zu\" "
                   "font-size=\"14\">", PLOT_R + 30, PLOT_T + 10 + j * 24,
                color, PLOT_R + 60, PLOT_T + 16 + j * 24);
        xml_text(f, t->terms[j]);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
    if (ferror(f)) {
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- without terms: the index ------------------------------------------ */

static void human_size(unsigned long long b, char *out, size_t n)
{
    const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int u = 0;

    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, n, "%llu bytes", b);
    else
        snprintf(out, n, "%.1f %s (%llu bytes)", v, units[u], b);
}

static int print_info(zhs_db *db, const char *path, int json)
{
    zhs_db_info info;
    zhs_bucket *src = NULL;
    size_t nsrc = 0, i;
    unsigned nosrc = 0, remote = 0;
    unsigned long long bytes = 0;
    char *msg = NULL, *out, size[64];
    int rc = 0;
    zhs_status st;

    st = zhs_db_info_get(db, &info, &msg);
    if (st == ZHS_OK)
        st = zhs_db_groups(db, ZHS_BY_SOURCE, &src, &nsrc, &nosrc, &msg);
    if (st == ZHS_OK)
        st = zhs_index_disk_size(path, &bytes, &remote, &msg);
    if (st != ZHS_OK) {
        rc = cli_fail(json, st, msg);
        goto out;
    }
    if (json) {
        cJSON *o = cJSON_CreateObject(), *a, *s;
        if (o == NULL) {
            rc = cli_fail(json, ZHS_ENOMEM, NULL);
            goto out;
        }
        cJSON_AddNumberToObject(o, "documents", info.docs);
        cJSON_AddNumberToObject(o, "terms", (double)info.terms);
        cJSON_AddNumberToObject(o, "words", (double)info.words);
        cJSON_AddNumberToObject(o, "size_bytes", (double)bytes);
        cJSON_AddBoolToObject(o, "size_complete", remote == 0);
        cJSON_AddNumberToObject(o, "remote_shards", remote);
        cJSON_AddNumberToObject(o, "dated_documents", info.dated);
        if (info.date_min[0]) {
            cJSON_AddStringToObject(o, "date_min", info.date_min);
            cJSON_AddStringToObject(o, "date_max", info.date_max);
        } else {
            cJSON_AddNullToObject(o, "date_min");
            cJSON_AddNullToObject(o, "date_max");
        }
        a = cJSON_AddArrayToObject(o, "sources");
        for (i = 0; a && i < nsrc; i++)
            if ((s = cJSON_CreateObject()) != NULL) {
                cJSON_AddStringToObject(s, "source", src[i].key);
                cJSON_AddNumberToObject(s, "docs", src[i].docs);
                cJSON_AddItemToArray(a, s);
            }
        cJSON_AddNumberToObject(o, "no_source", nosrc);
        out = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (out == NULL) {
            rc = cli_fail(json, ZHS_ENOMEM, NULL);
            goto out;
        }
        puts(out);
        free(out);
        goto out;
    }
    human_size(bytes, size, sizeof size);
    printf("documents     %u\n", info.docs);
    printf("terms         %llu (words %llu)\n", info.terms, info.words);
    if (remote > 0)
        printf("size on disk  %s in local shards; %u remote shard%s "
               "unknown\n", size, remote, remote == 1 ? "" : "s");
    else
        printf("size on disk  %s\n", size);
    if (info.date_min[0])
        printf("dates         %s .. %s (%u dated document%s)\n",
               info.date_min, info.date_max, info.dated,
               info.dated == 1 ? "" : "s");
    else
        printf("dates         none (no document has a date)\n");
    printf("sources       %zu", nsrc);
    if (nosrc > 0)
        printf(" (%u document%s without one)", nosrc, nosrc == 1 ? "" : "s");
    putchar('\n');
    for (i = 0; i < nsrc; i++) {
        char num[16];
        fputs("  ", stdout);
        print_left(src[i].key, 24);
        snprintf(num, sizeof num, "%u", src[i].docs);
        print_right(num, 8);
        putchar('\n');
    }
out:
    zhs_buckets_free(src, nsrc);
    free(msg);
    return rc;
}

/* ---- the command ---------------------------------------------------- */

int cmd_stats(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_DB_LONGOPTS,
        {"by", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'},
        {"svg", required_argument, NULL, 's'},
        {"count", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_db dbo = CLI_DB_INIT;
    struct table t;
    enum format fmt = FMT_TABLE;
    const char *svg = NULL;
    zhs_db *db = NULL;
    char *msg = NULL, *out;
    int json, c, rc = 0, taken, nopts, occ = 0;
    zhs_status st;

    memset(&t, 0, sizeof t);
    t.by = ZHS_BY_YEAR;
    nopts = cli_options_end(argc, argv);
    optind = 1;
    while ((c = getopt_long(nopts, argv, "+", longopts, NULL)) != -1) {
        json = fmt == FMT_JSON;
        if ((taken = cli_db_option(&dbo, c, optarg, json, &rc)) != 0) {
            if (taken < 0)
                return rc;
            continue;
        }
        switch (c) {
        case 'b':
            if (strcmp(optarg, "year") == 0)
                t.by = ZHS_BY_YEAR;
            else if (strcmp(optarg, "month") == 0)
                t.by = ZHS_BY_MONTH;
            else if (strcmp(optarg, "source") == 0)
                t.by = ZHS_BY_SOURCE;
            else
                return cli_fail(json, ZHS_EUSAGE, "--by takes year, month "
                                "or source");
            break;
        case 'f':
            if (strcmp(optarg, "table") == 0)
                fmt = FMT_TABLE;
            else if (strcmp(optarg, "csv") == 0)
                fmt = FMT_CSV;
            else if (strcmp(optarg, "json") == 0)
                fmt = FMT_JSON;
            else
                return cli_fail(json, ZHS_EUSAGE, "--format takes table, "
                                "csv or json");
            break;
        case 's': svg = optarg; break;
        case 'c':
            if (strcmp(optarg, "docs") && strcmp(optarg, "occurrences"))
                return cli_fail(json, ZHS_EUSAGE, "--count takes docs or "
                                "occurrences");
            occ = strcmp(optarg, "occurrences") == 0;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    json = fmt == FMT_JSON;
    t.terms = argv + optind;
    t.nterms = (size_t)(argc - optind);
    if (t.nterms == 0 && (svg != NULL || fmt == FMT_CSV))
        return cli_fail(json, ZHS_EUSAGE, "--svg and --format csv need "
                        "TERMs (try 'zhsearch stats --help')");
    st = cli_db_open(&dbo, &db, &msg);
    if (st != ZHS_OK) {
        rc = cli_fail(json, st, msg);
        goto out;
    }
    if (t.nterms == 0) {
        rc = print_info(db, dbo.path, json);
        goto out;
    }
    if ((st = count_all(db, &t, &msg)) != ZHS_OK) {
        rc = cli_fail(json, st, st == ZHS_ENOMEM && !msg ? NULL : msg);
        goto out;
    }
    if (svg != NULL && write_svg(&t, svg, occ) < 0) {
        cli_error("%s: cannot write the chart", svg);
        rc = zhs_status_exit_code(ZHS_EIO);
        goto out;
    }
    if (fmt == FMT_TABLE) {
        print_table(&t);
    } else if (fmt == FMT_CSV) {
        print_csv(&t);
    } else if ((out = table_json(&t)) != NULL) {
        puts(out);
        free(out);
    } else {
        rc = cli_fail(json, ZHS_ENOMEM, NULL);
        goto out;
    }
    if (fflush(stdout) != 0)
        rc = cli_fail(0, ZHS_EIO, "cannot write the counts");
out:
    zhs_buckets_free(t.rows, t.nbuckets);
    free(t.cells);
    zhs_db_close(db);
    free(msg);
    return rc;
}
