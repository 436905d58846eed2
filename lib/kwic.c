/* kwic.c: keyword-in-context lines (zhs_kwic), what `zhsearch kwic`
 * prints and the Python module's kwic() yields.
 *
 * Every occurrence of the strings a query highlights, in every matching
 * document (zhs_scan), with a fixed number of code points of context on
 * each side.  Lines are collected before they are handed out: sorting by
 * context needs all of them.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "zhs-int.h"

/* A line while collecting: code points, so that contexts sort by them. */
struct kline {
    size_t doc;          /* index into ids */
    unsigned rank;       /* the document's rank, from 1 */
    size_t seq;          /* position in document order (stable sorts) */
    unsigned line;       /* 1-based source line, 0 unknown */
    unsigned offset;     /* cp offset of the match in the displayed text */
    uint32_t *cps[3];    /* left, match, right */
    size_t ncps[3];
};

struct collect {
    const zhs_kwic_opts *o;
    struct kline *lines;
    size_t n, cap;
    size_t total;        /* occurrences seen (also those not kept) */
    char **ids;          /* ids of the documents with kept lines */
    size_t nids, capids;
    int oom;
};

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

/* Copies v[a, b), with the layout controls (newline, tab, CR, form feed,
 * vertical tab) as spaces: a line of context is one line. */
static int slice(const uint32_t *v, size_t a, size_t b, uint32_t **out,
                 size_t *n)
{
    size_t i;

    *n = b - a;
    if ((*out = malloc((*n + 1) * sizeof **out)) == NULL)
        return -1;
    for (i = a; i < b; i++)
        (*out)[i - a] = v[i] == '\n' || v[i] == '\t' || v[i] == '\r'
                        || v[i] == '\f' || v[i] == '\v' ? ' ' : v[i];
    return 0;
}

/* Whether lines are still kept: in document order only the first limit. */
static int keeping(const struct collect *k)
{
    return k->o->sort != ZHS_KWIC_DOC || k->n < k->o->limit;
}

static int add_doc(const zhs_match_doc *d, void *arg)
{
    struct collect *k = arg;
    uint32_t *text = NULL;
    size_t ntext = 0, bad, i, w = k->o->width;

    k->total += d->nmatches;
    if (d->nmatches == 0 || !keeping(k))
        return 0;
    if (zhsi_utf8_decode(d->text, strlen(d->text), &text, &ntext, &bad)
            != ZHS_OK
        || grow((void **)&k->ids, &k->capids, k->nids + 1, sizeof *k->ids)
        || (k->ids[k->nids] = strdup(d->id)) == NULL)
        goto oom;
    k->nids++;
    for (i = 0; i < d->nmatches && keeping(k); i++) {
        size_t s = d->matches[i].start, e = d->matches[i].end;
        struct kline *l;
        if (grow((void **)&k->lines, &k->cap, k->n + 1, sizeof *k->lines))
            goto oom;
        l = &k->lines[k->n++];
        memset(l, 0, sizeof *l);
        l->doc = k->nids - 1;
        l->rank = d->rank;
        l->seq = k->n - 1;
        l->line = d->lines[i];
        l->offset = (unsigned)s;
        if (slice(text, s > w ? s - w : 0, s, &l->cps[0], &l->ncps[0]) < 0
            || slice(text, s, e, &l->cps[1], &l->ncps[1]) < 0
            || slice(text, e, e + w < ntext ? e + w : ntext, &l->cps[2],
                     &l->ncps[2]) < 0)
            goto oom;
    }
    free(text);
    return 0;
oom:
    free(text);
    k->oom = 1;
    return 1;
}

static int cmp_cps(const struct kline *a, const struct kline *b, int part,
                   int backwards)
{
    size_t i, na = a->ncps[part], nb = b->ncps[part];

    for (i = 0; i < na && i < nb; i++) {
        uint32_t x = backwards ? a->cps[part][na - 1 - i] : a->cps[part][i];
        uint32_t y = backwards ? b->cps[part][nb - 1 - i] : b->cps[part][i];
        if (x != y)
            return x < y ? -1 : 1;
    }
    return na < nb ? -1 : na > nb;
}

/* By the left context read backwards from the match, then the match. */
static int by_left(const void *pa, const void *pb)
{
    const struct kline *a = pa, *b = pb;
    int c = cmp_cps(a, b, 0, 1);
    if (c == 0)
        c = cmp_cps(a, b, 1, 0);
    return c ? c : (a->seq < b->seq ? -1 : a->seq > b->seq);
}

static int by_right(const void *pa, const void *pb)
{
    const struct kline *a = pa, *b = pb;
    int c = cmp_cps(a, b, 2, 0);
    if (c == 0)
        c = cmp_cps(a, b, 1, 0);
    return c ? c : (a->seq < b->seq ? -1 : a->seq > b->seq);
}

int zhs_parse_kwic_sort(const char *s, zhs_kwic_sort *out)
{
    static const char *const names[] = {"doc", "left", "right"};
    unsigned i;

    for (i = 0; s != NULL && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (zhs_kwic_sort)i;
            return 0;
        }
    return -1;
}

static void collect_free(struct collect *k)
{
    size_t i;

    for (i = 0; i < k->n; i++) {
        free(k->lines[i].cps[0]);
        free(k->lines[i].cps[1]);
        free(k->lines[i].cps[2]);
    }
    for (i = 0; i < k->nids; i++)
        free(k->ids[i]);
    free(k->lines);
    free(k->ids);
}

zhs_status zhs_kwic(zhs_db *db, const char *query, const zhs_kwic_opts *opts,
                    zhs_kwic_lines **out, char **errmsg)
{
    static const zhs_kwic_opts defaults = {ZHS_KWIC_DEFAULT_WIDTH,
                                           ZHS_KWIC_DOC, ZHS_KWIC_ALL};
    struct collect k;
    zhs_kwic_lines *r = NULL;
    zhs_status st;
    size_t i, shown;

    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (opts->width > ZHS_KWIC_MAX_WIDTH
        || (unsigned)opts->sort > ZHS_KWIC_RIGHT)
        return zhsi_fail(errmsg, ZHS_EUSAGE, "the context width must be at "
                         "most %u, the sort doc, left or right",
                         ZHS_KWIC_MAX_WIDTH);
    memset(&k, 0, sizeof k);
    k.o = opts;
    st = zhs_scan(db, query, add_doc, &k, errmsg);
    if (st == ZHS_OK && k.oom)
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    if (st != ZHS_OK)
        goto out;
    if (opts->sort != ZHS_KWIC_DOC && k.n > 1)
        qsort(k.lines, k.n, sizeof *k.lines,
              opts->sort == ZHS_KWIC_LEFT ? by_left : by_right);
    shown = k.n < opts->limit ? k.n : opts->limit;
    if ((r = calloc(1, sizeof *r)) == NULL
        || (r->lines = calloc(shown + 1, sizeof *r->lines)) == NULL) {
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        goto out;
    }
    r->total = k.total;
    /* the ids move to the result; each line points at its document's */
    r->ids = k.ids;
    r->nids = k.nids;
    k.ids = NULL;
    k.nids = 0;
    for (i = 0; i < shown; i++) {
        const struct kline *l = &k.lines[i];
        zhs_kwic_line *o = &r->lines[i];
        o->id = r->ids[l->doc];
        o->rank = l->rank;
        o->line = l->line;
        o->offset = l->offset;
        o->left = zhsi_utf8_encode(l->cps[0], l->ncps[0]);
        o->match = zhsi_utf8_encode(l->cps[1], l->ncps[1]);
        o->right = zhsi_utf8_encode(l->cps[2], l->ncps[2]);
        r->n = i + 1;
        if (o->left == NULL || o->match == NULL || o->right == NULL) {
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
            goto out;
        }
    }
    *out = r;
    r = NULL;
out:
    zhs_kwic_free(r);
    collect_free(&k);
    return st;
}

void zhs_kwic_free(zhs_kwic_lines *k)
{
    size_t i;

    if (k == NULL)
        return;
    for (i = 0; i < k->n; i++) {
        free(k->lines[i].left);
        free(k->lines[i].match);
        free(k->lines[i].right);
    }
    for (i = 0; i < k->nids; i++)
        free(k->ids[i]);
    free(k->lines);
    free(k->ids);
    free(k);
}

char *zhs_kwic_line_json(const zhs_kwic_line *l)
{
    cJSON *o = cJSON_CreateObject();
    char *s;

    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "id", l->id);
    cJSON_AddNumberToObject(o, "rank", l->rank);
    if (l->line > 0)
        cJSON_AddNumberToObject(o, "line", l->line);
    else
        cJSON_AddNullToObject(o, "line");
    cJSON_AddNumberToObject(o, "offset", l->offset);
    cJSON_AddStringToObject(o, "left", l->left);
    cJSON_AddStringToObject(o, "match", l->match);
    cJSON_AddStringToObject(o, "right", l->right);
    s = zhs_json_escape_controls(cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
    return s;
}
