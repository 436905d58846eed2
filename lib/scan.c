/* scan.c: every match of a query, and figures on an index.
 *
 * zhs_search returns a page of hits with their best passages; researchers
 * also want every occurrence in every matching document (a concordance)
 * and counts per year, month or source.  zhs_scan walks all matches in
 * rank order, page by page, and hands each document's displayed text with
 * the spans the snippets would highlight, found by the same code
 * (zhsi_find_spans).  The grouping keys come from the index itself: the
 * date value (slot 0) and the "B" source term, as date: and source: see
 * them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <unicode/uchar.h>

#include "zhs-int.h"

#define SCAN_PAGE 200u

static unsigned scan_termfreq(const char *term, size_t len, void *arg)
{
    return zhsi_xdb_termfreq(arg, term, len);
}

/* Year and month keys of a date value (YYYYMMDD, 00 for unknown parts). */
static void date_keys(const char *v, char year[5], char month[8])
{
    year[0] = month[0] = '\0';
    if (strlen(v) < 6 || strncmp(v, "0000", 4) == 0)
        return;
    snprintf(year, 5, "%.4s", v);
    if (strncmp(v + 4, "00", 2) != 0)
        snprintf(month, 8, "%.4s-%.2s", v, v + 4);
}

/* A "B" term's value as people read it: a long source's cut beginning,
 * "…" and 8 hex digits of its hash (zhsi_field_term), which keep two
 * long sources with one beginning apart.  malloc'd; NULL when out of
 * memory. */
static char *field_shown(const char *v, size_t len)
{
    int cut;
    size_t n = zhsi_field_term_text(v, len, &cut);
    char *s = malloc(n + 16);

    if (s != NULL) {
        memcpy(s, v, n);
        s[n] = '\0';
        if (cut)
            snprintf(s + n, 16, "\xe2\x80\xa6#%.8s", v + n + 1);
    }
    return s;
}

/* Delivers one hit to fn; *stop is set when fn asks to stop. */
static zhs_status deliver(const zhsi_xhit *x, unsigned rank,
                          const zhsi_query *q, zhs_match_fn fn, void *arg,
                          int *stop, char **errmsg)
{
    zhs_file_doc *fd = NULL;
    zhsi_text t = {0};
    zhs_span *spans = NULL;
    unsigned *lines = NULL;
    char year[5], month[8], *disp = NULL, *source = NULL;
    size_t n = 0, i;
    zhs_match_doc d;
    zhs_status st = zhsi_stored_decode(x->data, x->len, &fd, errmsg);

    if (st != ZHS_OK)
        return st;
    st = zhsi_text_build(fd->doc.text, fd->doc.text_len, ZHSI_TEXT_DOC, &t,
                         errmsg);
    if (st == ZHS_OK
        && (zhsi_find_spans(&t, q->marks, q->nmarks, &spans, &n) != ZHS_OK
            || (lines = malloc((n + 1) * sizeof *lines)) == NULL
            || (disp = zhsi_utf8_encode(t.disp, t.ndisp)) == NULL
            || (x->source && x->source[0]
                && (source = field_shown(x->source, strlen(x->source)))
                       == NULL)))
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    if (st == ZHS_OK) {
        for (i = 0; i < n; i++)
            lines[i] = t.disp_line[spans[i].start];
        date_keys(x->date ? x->date : "", year, month);
        memset(&d, 0, sizeof d);
        d.rank = rank;
        d.id = fd->doc.id;
        d.title = fd->doc.title;
        d.text = disp;
        d.text_cp = t.ndisp;
        d.matches = spans;
        d.lines = lines;
        d.nmatches = n;
        d.year = year[0] ? year : NULL;
        d.month = month[0] ? month : NULL;
        d.source = source;
        *stop = fn(&d, arg) != 0;
    }
    free(disp);
    free(source);
    free(lines);
    free(spans);
    zhsi_text_free(&t);
    zhs_file_doc_free(fd);
    return st;
}

/* One page of a scan for zhs_db_retry. */
struct scan_try {
    zhsi_xq *xq;
    const zhsi_xsearch *xs;
    zhsi_xhit **hits;
    size_t *nhits;
};

static zhs_status scan_once(zhs_db *db, void *arg, char **errmsg)
{
    struct scan_try *t = arg;
    return zhsi_xdb_scan(zhsi_db_xdb(db), t->xq, t->xs, t->hits, t->nhits,
                         errmsg);
}

zhs_status zhs_scan(zhs_db *db, const char *query, zhs_match_fn fn,
                    void *arg, char **errmsg)
{
    zhsi_query q = {0};
    zhsi_xq *xq = NULL;
    zhsi_xhit *xh = NULL;
    size_t nx = 0, i;
    unsigned offset = 0;
    int stop = 0;
    zhs_status st;

    st = zhsi_query_parse_py(zhsi_db_segmenter(db), query,
                             zhsi_pinyin_resolve, db, &q, errmsg);
    if (st == ZHS_OK)
        st = zhsi_query_build(&q, scan_termfreq, zhsi_db_xdb(db), &xq,
                              errmsg);
    while (st == ZHS_OK && !stop) {
        zhsi_xsearch xs = {0};
        xs.offset = offset;
        xs.limit = SCAN_PAGE;
        zhsi_use_check(&q, &xs);
        {
            struct scan_try t = {xq, &xs, &xh, &nx};
            /* Before anything was delivered a stale reader may start
             * over; later pages must see the revision the first did. */
            st = offset == 0 ? zhs_db_retry(db, scan_once, &t, 0, errmsg)
                             : scan_once(db, &t, errmsg);
        }
        if (st != ZHS_OK)
            break;
        for (i = 0; i < nx && st == ZHS_OK && !stop; i++)
            st = deliver(&xh[i], offset + (unsigned)i + 1, &q, fn, arg, &stop,
                         errmsg);
        zhsi_xhits_free(xh, nx);
        xh = NULL;
        if (nx < SCAN_PAGE)
            break;
        offset += SCAN_PAGE;
    }
    if (st != ZHS_OK && st != ZHS_EQUERY && st != ZHS_EUSAGE)
        zhsi_errmsg_prefix(errmsg, zhs_db_path(db));
    zhsi_xq_free(xq);
    zhsi_query_free(&q);
    return st;
}

int zhs_cp_width(unsigned long cp)
{
    int eaw, gc;

    if (cp > 0x10FFFF)
        return 1;
    gc = u_charType((UChar32)cp);
    if (gc == U_NON_SPACING_MARK || gc == U_ENCLOSING_MARK
        || gc == U_FORMAT_CHAR || cp == 0x200B)
        return 0;
    eaw = u_getIntPropertyValue((UChar32)cp, UCHAR_EAST_ASIAN_WIDTH);
    return eaw == U_EA_WIDE || eaw == U_EA_FULLWIDTH ? 2 : 1;
}

/* ---- groups and figures ------------------------------------------ */

struct buckets {
    zhs_bucket *v;
    size_t n, cap;
    unsigned total;      /* documents counted */
    zhs_group by;
    int oom;
};

/* A Y, M or B term (one prefix letter) and its document count. */
static int add_bucket(const char *term, size_t len, unsigned docs, void *arg)
{
    struct buckets *b = arg;
    char key[8], *rest;

    if (b->n == b->cap) {
        zhs_bucket *nv = realloc(b->v, (b->cap ? b->cap * 2 : 16)
                                           * sizeof *nv);
        if (nv == NULL) {
            b->oom = 1;
            return 1;
        }
        b->v = nv;
        b->cap = b->cap ? b->cap * 2 : 16;
    }
    if (b->by == ZHS_BY_MONTH && len == 7) {
        snprintf(key, sizeof key, "%.4s-%.2s", term + 1, term + 5);
        rest = strdup(key);
    } else if (b->by == ZHS_BY_SOURCE && len > 0) {
        rest = field_shown(term + 1, len - 1);
    } else {
        rest = len > 0 ? strndup(term + 1, len - 1) : strdup("");
    }
    if ((b->v[b->n].key = rest) == NULL) {
        b->oom = 1;
        return 1;
    }
    b->v[b->n++].docs = docs;
    b->total += docs;
    return 0;
}

zhs_status zhs_db_groups(zhs_db *db, zhs_group by, zhs_bucket **out,
                         size_t *n, unsigned *unknown, char **errmsg)
{
    struct buckets b = {NULL, 0, 0, 0, by, 0};
    const char *prefix = by == ZHS_BY_YEAR ? ZHSI_PFX_YEAR
                         : by == ZHS_BY_MONTH ? ZHSI_PFX_MONTH
                                              : ZHSI_PFX_SOURCE;
    unsigned docs = 0;
    zhs_status st;

    st = zhsi_xdb_doccount(zhsi_db_xdb(db), &docs, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xdb_allterms(zhsi_db_xdb(db), prefix, SIZE_MAX, add_bucket,
                               &b, errmsg);
    if (st == ZHS_OK && b.oom)
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    if (st != ZHS_OK) {
        zhs_buckets_free(b.v, b.n);
        if (st != ZHS_ENOMEM)
            zhsi_errmsg_prefix(errmsg, zhs_db_path(db));
        return st;
    }
    *out = b.v;
    *n = b.n;
    /* a document has at most one year, month and source term */
    *unknown = docs > b.total ? docs - b.total : 0;
    return ZHS_OK;
}

void zhs_buckets_free(zhs_bucket *b, size_t n)
{
    size_t i;

    for (i = 0; b && i < n; i++)
        free(b[i].key);
    free(b);
}

/* YYYYMMDD (00 for unknown parts) as YYYY-MM-DD, YYYY-MM or YYYY. */
static void format_date(const char *v, char out[11])
{
    out[0] = '\0';
    if (strlen(v) != 8 || strcmp(v, "00000000") == 0)
        return;
    if (strncmp(v + 4, "00", 2) == 0)
        snprintf(out, 11, "%.4s", v);
    else if (strncmp(v + 6, "00", 2) == 0)
        snprintf(out, 11, "%.4s-%.2s", v, v + 4);
    else
        snprintf(out, 11, "%.4s-%.2s-%.2s", v, v + 4, v + 6);
}

zhs_status zhs_db_info_get(zhs_db *db, zhs_db_info *out, char **errmsg)
{
    zhsi_xinfo x;
    zhs_status st;

    memset(out, 0, sizeof *out);
    st = zhsi_xdb_doccount(zhsi_db_xdb(db), &out->docs, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xdb_info(zhsi_db_xdb(db), &x, errmsg);
    if (st != ZHS_OK) {
        zhsi_errmsg_prefix(errmsg, zhs_db_path(db));
        return st;
    }
    out->terms = x.terms;
    out->words = x.words;
    out->dated = x.with_date;
    format_date(x.date_lo, out->date_min);
    format_date(x.date_hi, out->date_max);
    return ZHS_OK;
}
