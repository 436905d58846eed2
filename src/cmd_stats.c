/* cmd_stats.c: `zhsearch stats`, counts over time and index figures.
 *
 * With TERMs (each a query), the documents matching each and the
 * occurrences of its strings (what kwic would print) per year, month or
 * source, over all matching documents (zhs_scan), as a table, CSV or
 * JSON, and optionally a chart in SVG (lines over time, bars by source).  The rows are every year,
 * month or source the index has (zhs_db_groups), so periods without a
 * match show as zeros, plus "unknown" for documents without one.
 * Without terms, figures on the index: documents, terms, size on disk,
 * date range, sources.  The counts and both JSON objects are the
 * library's (zhs_count_terms, zhs_index_stats_get; lib/counts.c), which
 * the Python module's stats() shares; the table, CSV and chart are here.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

enum format { FMT_TABLE, FMT_CSV, FMT_JSON };

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
            "  --svg FILE     also write a chart of the counts to FILE: a line\n"
            "                 per TERM over time (every period, proportional;\n"
            "                 undated matches left out), bars --by source;\n"
            "                 exit status 1 with a warning when nothing has a\n"
            "                 place on the axis\n"
            "  --count WHAT   what the chart shows: docs (default) or\n"
            "                 occurrences\n"
            "  --help         this text\n\n%s",
            ZHS_EXIT_HELP);
}

static const char *row_name(const zhs_counts *t, size_t r)
{
    return r < t->nbuckets ? t->rows[r].key : "unknown";
}

/* ---- text output ---------------------------------------------------- */

/* Display width of UTF-8 text as print_left prints it. */
static size_t width_of(const char *s)
{
    return cli_safe_width(s);
}

/* Prints s left-aligned in a field of w columns; sources and terms come
 * from the index and the user, so control characters are shown in their
 * visible form (cli_safe.c). */
static void print_left(const char *s, size_t w)
{
    size_t sw = cli_safe_width(s);
    cli_safe_puts(stdout, s);
    while (sw++ < w)
        putchar(' ');
}

static void print_right(const char *s, size_t w)
{
    size_t sw = cli_safe_width(s);
    while (sw++ < w)
        putchar(' ');
    cli_safe_puts(stdout, s);
}

#define DOCS_W 8   /* columns of the docs count */
#define OCC_W 13   /* columns of the occurrences count */

static void print_table(const zhs_counts *t)
{
    size_t r, j, w0 = strlen(zhs_group_name(t->by)), *tw;
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
    print_left(zhs_group_name(t->by), w0);
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
                    occ += t->cells[k * t->nterms + j].occurrences;
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

static void print_csv(const zhs_counts *t)
{
    size_t r, j;

    fputs("period,term,docs,occurrences\r\n", stdout);
    for (r = 0; r < t->nrows; r++)
        for (j = 0; j < t->nterms; j++) {
            const zhs_count *c = &t->cells[r * t->nterms + j];
            csv_field(row_name(t, r));
            putchar(',');
            csv_field(t->terms[j]);
            printf(",%u,%lu\r\n", c->docs, c->occurrences);
        }
}

/* ---- the chart -------------------------------------------------------- */

/* The chart: a line per TERM over a time axis (--by year or month), where
 * every period from the first to the last the index has gets an equal
 * slot, so the axis is proportional to time and a period without a match
 * is a zero; or grouped bars per source (--by source).  Text that would
 * not fit (legend entries, source names, the caption) is wrapped or cut
 * with "…", its whole in a <title> tooltip.  Points and bars carry a
 * <title> with their period and count. */

#define SVG_W 960
#define SVG_H 540
#define PLOT_L 80
#define PLOT_R 720
#define PLOT_T 60
#define PLOT_B 400
#define LEGEND_X 744             /* the legend's swatches */
#define LEGEND_TEXT_X 774
#define LEGEND_W (SVG_W - LEGEND_TEXT_X - 10)
#define LEGEND_FONT 13
#define TICK_FONT 12
#define CAPTION_FONT 12
#define SOURCE_LABEL_W 96        /* a source name, rotated */
#define MAX_POINTS 1200          /* periods that get a marker each */

static const char *const colors[] = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

static void xml_text_n(FILE *f, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            /* XML has no C0 controls (but tab and newlines): a source
             * holding one is shown, as on a terminal (cli_safe.c) */
            if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n'
                && s[i] != '\r')
                fprintf(f, "\\x%02x", (unsigned char)s[i]);
            else
                fputc(s[i], f);
        }
    }
}

static void xml_text(FILE *f, const char *s)
{
    xml_text_n(f, s, (size_t)-1);
}

/* The code point at s (UTF-8 from the index or the command line, so
 * valid), and its byte length in *len. */
static unsigned cp_at(const char *s, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) { *len = 1; return u[0]; }
    if (u[0] < 0xE0 && u[1]) { *len = 2; return (u[0] & 0x1Fu) << 6 | (u[1] & 0x3Fu); }
    if (u[0] < 0xF0 && u[1] && u[2]) {
        *len = 3;
        return (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu);
    }
    if (u[1] && u[2] && u[3]) {
        *len = 4;
        return (u[0] & 0x07u) << 18 | (u[1] & 0x3Fu) << 12
               | (u[2] & 0x3Fu) << 6 | (u[3] & 0x3Fu);
    }
    *len = 1;
    return u[0];
}

/* The width of one code point at a font size, a generous estimate (no
 * font metrics here): CJK and full-width forms are one em, ASCII capitals
 * and digits .68 em, other ASCII .58 em, anything else .75 em. */
static double cp_width(unsigned c, double size)
{
    if (c >= 0x2E80 && c <= 0xFFEF)
        return size;
    if (c >= 0x20000)
        return size;
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == 'm'
        || c == 'w' || c == '@')
        return .68 * size;
    if (c < 0x80)
        return .58 * size;
    return .75 * size;
}

static double text_width(const char *s, double size)
{
    double w = 0;
    size_t l;
    while (*s) {
        w += cp_width(cp_at(s, &l), size);
        s += l;
    }
    return w;
}

/* The bytes of s that fit in width w (whole code points). */
static size_t fit_bytes(const char *s, double w, double size)
{
    size_t n = 0, l;
    double x = 0;
    while (s[n]) {
        double cw = cp_width(cp_at(s + n, &l), size);
        if (x + cw > w)
            break;
        x += cw;
        n += l;
    }
    return n;
}

/* Writes s as up to max_lines <tspan> lines of width w from x (the text
 * element is open); the last line ends in "…" when s does not fit.
 * Returns the lines written; *cut is set when text was left out. */
static int text_lines(FILE *f, const char *s, double x, double w,
                      double size, int max_lines, int *cut)
{
    int line = 0;

    *cut = 0;
    while (*s && line < max_lines) {
        size_t n = fit_bytes(s, w, size), k;
        if (n == 0)
            n = 1;
        if (s[n] && line == max_lines - 1) {     /* cut, with an ellipsis */
            n = fit_bytes(s, w - cp_width(0x2026, size), size);
            *cut = 1;
        } else if (s[n] && s[n] != ' ' && (unsigned char)s[n] < 0x80) {
            /* inside a Latin word: break at the last space, if any */
            for (k = n; k > 0 && s[k - 1] != ' '; k--)
                ;
            if (k > 0)
                n = k - 1;
        }
        fprintf(f, "<tspan x=\"%.1f\" dy=\"%s\">", x, line ? "1.2em" : "0");
        xml_text_n(f, s, n);
        fputs(*cut ? "\xe2\x80\xa6</tspan>" : "</tspan>", f);
        s += n;
        while (*s == ' ')
            s++;
        line++;
    }
    return line;
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

static double cell_value(const zhs_counts *t, size_t r, size_t j, int occ)
{
    const zhs_count *c = &t->cells[r * t->nterms + j];
    return occ ? (double)c->occurrences : (double)c->docs;
}

/* A period key as a number of years or months since year 0; -1 if it is
 * not one. */
static long period_number(const char *key, zhs_group by)
{
    int y, m, n = 0;

    if (by == ZHS_BY_YEAR)
        return sscanf(key, "%4d%n", &y, &n) == 1 && key[n] == '\0' ? y : -1;
    if (sscanf(key, "%4d-%2d%n", &y, &m, &n) == 2 && key[n] == '\0' && m >= 1
        && m <= 12)
        return (long)y * 12 + m - 1;
    return -1;
}

/* The axis: its categories (periods or sources) and, for each, the row of
 * the table that counts it, or -1 for a period without documents. */
struct axis {
    size_t n;            /* categories */
    long *row;           /* row index or -1, n of them */
    long first;          /* time: period_number of the first category */
    int time;            /* 1: a time axis */
};

static int build_axis(const zhs_counts *t, struct axis *ax)
{
    size_t i;

    memset(ax, 0, sizeof *ax);
    ax->time = t->by != ZHS_BY_SOURCE;
    if (!ax->time) {                    /* every source, unknown included */
        ax->n = t->nrows;
        if ((ax->row = calloc(ax->n + 1, sizeof *ax->row)) == NULL)
            return -1;
        for (i = 0; i < ax->n; i++)
            ax->row[i] = (long)i;
        return 0;
    }
    {
        long lo = -1, hi = -1, p;
        for (i = 0; i < t->nbuckets; i++) {
            if ((p = period_number(t->rows[i].key, t->by)) < 0)
                continue;
            if (lo < 0 || p < lo)
                lo = p;
            if (p > hi)
                hi = p;
        }
        if (lo < 0)
            return 0;                   /* nothing dated */
        ax->first = lo;
        ax->n = (size_t)(hi - lo + 1);
        if ((ax->row = malloc((ax->n + 1) * sizeof *ax->row)) == NULL)
            return -1;
        for (i = 0; i < ax->n; i++)
            ax->row[i] = -1;
        for (i = 0; i < t->nbuckets; i++)
            if ((p = period_number(t->rows[i].key, t->by)) >= 0)
                ax->row[p - lo] = (long)i;
    }
    return 0;
}

static void period_name(const struct axis *ax, const zhs_counts *t,
                        size_t i, char *buf, size_t size)
{
    long p = ax->first + (long)i;

    if (!ax->time)
        snprintf(buf, size, "%s", row_name(t, i));
    else if (t->by == ZHS_BY_YEAR)
        snprintf(buf, size, "%04ld", p);
    else
        snprintf(buf, size, "%04ld-%02ld", p / 12, p % 12 + 1);
}

static double value_at(const zhs_counts *t, const struct axis *ax,
                       size_t i, size_t j, int occ)
{
    return ax->row[i] < 0 ? 0 : cell_value(t, (size_t)ax->row[i], j, occ);
}

/* The centre of category i's slot. */
static double slot_x(const struct axis *ax, size_t i)
{
    return PLOT_L + ((double)i + .5) * (PLOT_R - PLOT_L) / (double)ax->n;
}

/* Which categories get a label: every one when there is room, else every
 * k-th, k a round number of periods (for months: 2, 3, 6 or 12, then
 * whole years, starting in January).  0 for none; 2 for a month axis
 * labelled by years (the label is then the year alone). */
static int labelled(const struct axis *ax, const zhs_counts *t, size_t i)
{
    static const unsigned years[] = {1, 2, 5, 10, 20, 50, 100, 200, 500,
                                     1000};
    static const unsigned months[] = {1, 2, 3, 6, 12, 24, 60, 120, 240,
                                      600, 1200};
    double slot = (double)(PLOT_R - PLOT_L) / (double)ax->n;
    const unsigned *ks = t->by == ZHS_BY_MONTH ? months : years;
    size_t nk = t->by == ZHS_BY_MONTH ? 11 : 10, k;

    if (!ax->time)
        return slot >= TICK_FONT * .9 || i % (size_t)ceil(TICK_FONT * .9 / slot) == 0;
    for (k = 0; k < nk - 1 && slot * ks[k] < TICK_FONT * 1.6; k++)
        ;
    if ((ax->first + (long)i) % (long)ks[k] != 0 && ax->n > 1)
        return 0;
    return t->by == ZHS_BY_MONTH && ks[k] >= 12 ? 2 : 1;
}

static void svg_axes(FILE *f, const zhs_counts *t, const struct axis *ax,
                     double top, double step, int occ)
{
    static const char *const xnames[] = {"Year", "Month", "Source"};
    char name[64];
    size_t i;
    double v;

    fprintf(f, "<g class=\"y-axis\">\n");
    for (v = 0; v <= top + step / 2; v += step) {
        double y = PLOT_B - v / top * (PLOT_B - PLOT_T);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                   "stroke=\"#ddd\"/>\n", PLOT_L, y, PLOT_R, y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
                   "font-size=\"%d\">%.0f</text>\n", PLOT_L - 6, y + 4,
                TICK_FONT, v);
    }
    fprintf(f, "</g>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
               "stroke=\"#333\"/>\n", PLOT_L, PLOT_B, PLOT_R, PLOT_B);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
               "stroke=\"#333\"/>\n", PLOT_L, PLOT_T, PLOT_L, PLOT_B);
    fprintf(f, "<g class=\"x-axis\">\n");
    for (i = 0; i < ax->n; i++) {
        double x = slot_x(ax, i);
        int lab = labelled(ax, t, i), cut = 0;
        if (!lab && (PLOT_R - PLOT_L) / (double)ax->n < 2)
            continue;                   /* ticks closer than 2 px: a smear */
        fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
                   "y2=\"%d\" stroke=\"#333\"/>\n", x, PLOT_B, x,
                PLOT_B + (lab ? 5 : 2));
        if (!lab)
            continue;
        period_name(ax, t, i, name, sizeof name);
        if (lab == 2)
            name[4] = '\0';            /* YYYY-01 as YYYY */
        fprintf(f, "<text class=\"tick-label\" x=\"%.1f\" y=\"%d\" "
                   "font-size=\"%d\" text-anchor=\"end\" "
                   "transform=\"rotate(-45 %.1f %d)\">", x + 4,
                PLOT_B + 16, TICK_FONT, x + 4, PLOT_B + 16);
        if (ax->time) {
            xml_text(f, name);
        } else {
            const char *full = row_name(t, i);
            size_t n = text_width(full, TICK_FONT) > SOURCE_LABEL_W
                ? fit_bytes(full, SOURCE_LABEL_W - TICK_FONT, TICK_FONT)
                : strlen(full);
            cut = full[n] != '\0';
            if (cut) {
                fputs("<title>", f);
                xml_text(f, full);
                fputs("</title>", f);
            }
            xml_text_n(f, full, n);
            if (cut)
                fputs("\xe2\x80\xa6", f);
        }
        fputs("</text>\n", f);
    }
    fprintf(f, "</g>\n<text class=\"axis-label\" x=\"%d\" y=\"%d\" "
               "text-anchor=\"middle\" font-size=\"14\">%s</text>\n",
            (PLOT_L + PLOT_R) / 2, SVG_H - 48, xnames[t->by]);
    fprintf(f, "<text class=\"axis-label\" x=\"22\" y=\"%d\" "
               "text-anchor=\"middle\" font-size=\"14\" "
               "transform=\"rotate(-90 22 %d)\">%s</text>\n",
            (PLOT_T + PLOT_B) / 2, (PLOT_T + PLOT_B) / 2,
            occ ? "Occurrences" : "Documents");
}

/* The legend, down the right of the plot; entries that would run below
 * it are one last line "+N more" whose tooltip names them. */
static void svg_legend(FILE *f, const zhs_counts *t)
{
    double y = PLOT_T + 4;
    size_t j, k;

    for (j = 0; j < t->nterms; j++) {
        const char *color = colors[j % (sizeof colors / sizeof colors[0])];
        int lines, cut;
        double need = 10 + (text_width(t->terms[j], LEGEND_FONT) > LEGEND_W
                            ? 2 : 1) * LEGEND_FONT * 1.2;
        if (j + 1 < t->nterms && y + need + 10 + LEGEND_FONT * 1.2 > PLOT_B)
            break;                      /* room for "+N more" only */
        fprintf(f, "<g class=\"legend\"><title>");
        xml_text(f, t->terms[j]);
        fprintf(f, "</title><rect x=\"%d\" y=\"%.1f\" width=\"22\" "
                   "height=\"6\" fill=\"%s\"/><text x=\"%d\" y=\"%.1f\" "
                   "font-size=\"%d\">", LEGEND_X, y, color, LEGEND_TEXT_X,
                y + 8, LEGEND_FONT);
        lines = text_lines(f, t->terms[j], LEGEND_TEXT_X, LEGEND_W,
                           LEGEND_FONT, 2, &cut);
        fputs("</text></g>\n", f);
        y += 10 + lines * LEGEND_FONT * 1.2;
    }
    if (j < t->nterms) {
        fprintf(f, "<g class=\"legend-more\"><title>");
        for (k = j; k < t->nterms; k++) {
            fputs(k > j ? "\n" : "", f);
            xml_text(f, t->terms[k]);
        }
        fprintf(f, "</title><text x=\"%d\" y=\"%.1f\" font-size=\"%d\" "
                   "fill=\"#444\">+%zu more</text></g>\n", LEGEND_X, y + 8,
                LEGEND_FONT, t->nterms - j);
    }
}

/* The caption: the terms, the span of the axis and what it leaves out. */
static void svg_caption(FILE *f, const zhs_counts *t,
                        const struct axis *ax, unsigned long unplaced,
                        int occ)
{
    char buf[1024], a[32], b[32];
    size_t j, n = 0;
    int cut;

    n += (size_t)snprintf(buf + n, sizeof buf - n, "Terms: ");
    for (j = 0; j < t->nterms && n < sizeof buf - 1; j++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s",
                              j ? " \xc2\xb7 " : "", t->terms[j]);
    if (n < sizeof buf - 1 && ax->time && ax->n > 0) {
        period_name(ax, t, 0, a, sizeof a);
        period_name(ax, t, ax->n - 1, b, sizeof b);
        n += (size_t)snprintf(buf + n, sizeof buf - n, ". %s to %s, %zu "
                              "%s", a, b, ax->n, t->by == ZHS_BY_YEAR
                              ? (ax->n == 1 ? "year" : "years")
                              : (ax->n == 1 ? "month" : "months"));
    }
    if (n < sizeof buf - 1 && unplaced > 0) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "; not shown, "
                              "without a %s: ", zhs_group_name(t->by));
        for (j = 0; j < t->nterms && n < sizeof buf - 1; j++)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%.0f",
                                  j ? " \xc2\xb7 " : "",
                                  cell_value(t, t->nbuckets, j, occ));
        if (n < sizeof buf - 1)
            n += (size_t)snprintf(buf + n, sizeof buf - n, " %s",
                                  occ ? "occurrences" : "documents");
    }
    if (n < sizeof buf - 1)
        snprintf(buf + n, sizeof buf - n, ".");
    fprintf(f, "<g class=\"caption\"><title>");
    xml_text(f, buf);
    fprintf(f, "</title><text x=\"%d\" y=\"%d\" font-size=\"%d\" "
               "fill=\"#444\">", PLOT_L, SVG_H - 26, CAPTION_FONT);
    text_lines(f, buf, PLOT_L, SVG_W - PLOT_L - 10, CAPTION_FONT, 2, &cut);
    fputs("</text></g>\n", f);
}

/* Writes the chart to path; *placed is 0 when nothing could be put on its
 * axis (no period, or every match without one).  -1 if it cannot be
 * written. */
static int write_svg(const zhs_counts *t, const char *path, int occ,
                     int *placed)
{
    struct axis ax;
    size_t i, j;
    double max = 0, step, top, onaxis = 0;
    unsigned long unplaced = 0;
    FILE *f;
    char name[64];

    if (build_axis(t, &ax) < 0)
        return -1;
    for (i = 0; i < ax.n; i++)
        for (j = 0; j < t->nterms; j++) {
            double v = value_at(t, &ax, i, j, occ);
            onaxis += v;
            if (v > max)
                max = v;
        }
    if (ax.time && t->nrows > t->nbuckets)      /* the unknown row */
        for (j = 0; j < t->nterms; j++)
            unplaced += (unsigned long)cell_value(t, t->nbuckets, j, occ);
    *placed = ax.n > 0 && (onaxis > 0 || unplaced == 0);
    if ((f = fopen(path, "w")) == NULL) {
        free(ax.row);
        return -1;
    }
    step = nice_step(max);
    top = max > 0 ? ceil(max / step) * step : step;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"'Noto Sans "
               "CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', "
               "'Microsoft YaHei', 'PingFang SC', sans-serif\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            SVG_W, SVG_H, SVG_W, SVG_H);
    fprintf(f, "<text class=\"title\" x=\"%d\" y=\"32\" "
               "text-anchor=\"middle\" font-size=\"18\">%s per %s</text>\n",
            SVG_W / 2, occ ? "Occurrences" : "Documents", zhs_group_name(t->by));
    svg_axes(f, t, &ax, top, step, occ);
    if (!*placed)
        fprintf(f, "<text class=\"notice\" x=\"%d\" y=\"%d\" "
                   "text-anchor=\"middle\" font-size=\"16\" fill=\"#b00020\">"
                   "Nothing to place on the axis: no matching document has "
                   "a %s</text>\n", (PLOT_L + PLOT_R) / 2,
                (PLOT_T + PLOT_B) / 2, zhs_group_name(t->by));
    for (j = 0; j < t->nterms && ax.n > 0; j++) {
        const char *color = colors[j % (sizeof colors / sizeof colors[0])];
        double group = (PLOT_R - PLOT_L) / (double)ax.n * .8;
        double bw = group / (double)t->nterms;
        if (ax.time) {
            fprintf(f, "<polyline class=\"series\" fill=\"none\" "
                       "stroke=\"%s\" stroke-width=\"2\" points=\"", color);
            for (i = 0; i < ax.n; i++)
                fprintf(f, "%s%.1f,%.1f", i ? " " : "", slot_x(&ax, i),
                        PLOT_B - value_at(t, &ax, i, j, occ) / top
                                     * (PLOT_B - PLOT_T));
            fputs("\"/>\n", f);
        }
        fprintf(f, "<g class=\"%s\" fill=\"%s\">\n",
                ax.time ? "points" : "bars", color);
        /* a point per period, unless there are so many (a stray date
         * centuries off) that the file would be mostly points */
        for (i = 0; i < ax.n && (!ax.time || ax.n <= MAX_POINTS); i++) {
            double v = value_at(t, &ax, i, j, occ);
            double h = v / top * (PLOT_B - PLOT_T);
            period_name(&ax, t, i, name, sizeof name);
            if (ax.time)
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\">",
                        slot_x(&ax, i), PLOT_B - h,
                        ax.n > 120 ? "1.5" : "3");
            else
                fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                           "height=\"%.2f\">",
                        slot_x(&ax, i) - group / 2 + (double)j * bw,
                        PLOT_B - h, bw, h);
            fputs("<title>", f);
            xml_text(f, name);
            fputs(" \xc2\xb7 ", f);
            xml_text(f, t->terms[j]);
            fprintf(f, ": %.0f</title></%s>\n", v,
                    ax.time ? "circle" : "rect");
        }
        fputs("</g>\n", f);
    }
    svg_legend(f, t);
    svg_caption(f, t, &ax, unplaced, occ);
    fputs("</svg>\n", f);
    free(ax.row);
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
    zhs_index_stats is;
    const zhs_db_info *info = &is.info;
    const zhs_bucket *src;
    size_t nsrc, i;
    unsigned nosrc, remote;
    unsigned long long bytes;
    char *msg = NULL, *out, size[64];
    int rc = 0;
    zhs_status st;

    st = zhs_index_stats_get(db, path, &is, &msg);
    if (st != ZHS_OK) {
        rc = cli_fail(json, st, msg);
        free(msg);
        return rc;
    }
    src = is.sources;
    nsrc = is.nsources;
    nosrc = is.no_source;
    remote = is.remote_shards;
    bytes = is.size_bytes;
    if (json) {
        if ((out = zhs_index_stats_json(&is)) == NULL) {
            rc = cli_fail(json, ZHS_ENOMEM, NULL);
            goto out;
        }
        puts(out);
        free(out);
        goto out;
    }
    human_size(bytes, size, sizeof size);
    printf("documents     %u\n", info->docs);
    printf("terms         %llu (words %llu)\n", info->terms, info->words);
    if (remote > 0)
        printf("size on disk  %s in local shards; %u remote shard%s "
               "unknown\n", size, remote, remote == 1 ? "" : "s");
    else
        printf("size on disk  %s\n", size);
    if (info->date_min[0])
        printf("dates         %s .. %s (%u dated document%s)\n",
               info->date_min, info->date_max, info->dated,
               info->dated == 1 ? "" : "s");
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
    zhs_index_stats_clear(&is);
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
    zhs_counts *t = NULL;
    zhs_group by = ZHS_BY_YEAR;
    char **terms;
    size_t nterms;
    enum format fmt = FMT_TABLE;
    const char *svg = NULL;
    zhs_db *db = NULL;
    char *msg = NULL, *out;
    int json, c, rc = 0, taken, nopts, occ = 0, placed = 1;
    zhs_status st;

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
            if (zhs_parse_group(optarg, &by) < 0)
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
    terms = argv + optind;
    nterms = (size_t)(argc - optind);
    if (nterms == 0 && (svg != NULL || fmt == FMT_CSV))
        return cli_fail(json, ZHS_EUSAGE, "--svg and --format csv need "
                        "TERMs (try 'zhsearch stats --help')");
    st = cli_db_open(&dbo, &db, &msg);
    if (st != ZHS_OK) {
        rc = cli_fail(json, st, msg);
        goto out;
    }
    if (nterms == 0) {
        rc = print_info(db, dbo.path, json);
        goto out;
    }
    st = zhs_count_terms(db, by, (const char *const *)terms, nterms, &t,
                         &msg);
    if (st != ZHS_OK) {
        rc = cli_fail(json, st, st == ZHS_ENOMEM && !msg ? NULL : msg);
        goto out;
    }
    if (svg != NULL && write_svg(t, svg, occ, &placed) < 0) {
        cli_error("%s: cannot write the chart", svg);
        rc = zhs_status_exit_code(ZHS_EIO);
        goto out;
    }
    if (fmt == FMT_TABLE) {
        print_table(t);
    } else if (fmt == FMT_CSV) {
        print_csv(t);
    } else if ((out = zhs_counts_json(t)) != NULL) {
        puts(out);
        free(out);
    } else {
        rc = cli_fail(json, ZHS_ENOMEM, NULL);
        goto out;
    }
    if (fflush(stdout) != 0)
        rc = cli_fail(0, ZHS_EIO, "cannot write the counts");
    else if (svg != NULL && !placed) {
        cli_error("warning: %s: nothing to place on the chart's axis: no "
                  "matching document has a %s", svg, zhs_group_name(by));
        rc = 1;
    }
out:
    zhs_counts_free(t);
    zhs_db_close(db);
    free(msg);
    return rc;
}
