/* query.c: parsing a query and turning it into a Xapian query.
 *
 * The language at this stage: white-space separated words, all of which
 * must occur, and "quoted text", which must occur exactly.  Both are
 * matched as substrings of the normalized text (grep semantics), so a hit
 * never depends on how ICU segmented the document; ICU words of the query
 * add rank where the document has the same word, and a chunk of several
 * words ranks higher where it occurs whole.
 */
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

/* Appends a copy of cps[0..n) to a needle array, skipping duplicates. */
static zhs_status push_needle(zhsi_needle **arr, size_t *count,
                              const uint32_t *cps, size_t n, int exact)
{
    zhsi_needle *na;
    size_t i;

    for (i = 0; i < *count; i++)
        if ((*arr)[i].n == n && (*arr)[i].exact == exact
            && memcmp((*arr)[i].cps, cps, n * sizeof *cps) == 0)
            return ZHS_OK;
    na = realloc(*arr, (*count + 1) * sizeof *na);
    if (na == NULL)
        return ZHS_ENOMEM;
    *arr = na;
    na[*count].cps = malloc(n * sizeof *cps);
    if (na[*count].cps == NULL)
        return ZHS_ENOMEM;
    memcpy(na[*count].cps, cps, n * sizeof *cps);
    na[*count].n = n;
    na[*count].exact = exact;
    (*count)++;
    return ZHS_OK;
}

/* ICU segments of one unquoted chunk. */
struct chunk_segs {
    size_t (*seg)[2];    /* [start, end) code point offsets */
    size_t n, cap;
    int oom;
};

static int collect_seg(size_t start, size_t end, void *arg)
{
    struct chunk_segs *c = arg;

    if (c->n == c->cap) {
        size_t (*ns)[2] = realloc(c->seg, (c->cap ? c->cap * 2 : 16)
                                              * sizeof *ns);
        if (ns == NULL) {
            c->oom = 1;
            return 1;
        }
        c->seg = ns;
        c->cap = c->cap ? c->cap * 2 : 16;
    }
    c->seg[c->n][0] = start;
    c->seg[c->n][1] = end;
    c->n++;
    return 0;
}

/* Turns the segments of a normalized chunk into needles.  ICU's dictionary
 * splits words it does not know into single characters (援|疆, 陈|刚) and
 * the split varies with context, so a single-character segment is joined
 * to the segments it touches: 援疆医疗 队 -> one needle.  Separate words
 * (阿克苏|医院) stay separate needles, ANDed.  Each multi-character ICU
 * word, and each joined needle, also ranks as a word term. */
static zhs_status chunk_needles(zhsi_query *q, const uint32_t *cps,
                                const struct chunk_segs *c)
{
    size_t i = 0, j, groups = 0;

    while (i < c->n) {
        j = i + 1;
        while (j < c->n && c->seg[j][0] == c->seg[j - 1][1]
               && (c->seg[j][1] - c->seg[j][0] == 1
                   || c->seg[j - 1][1] - c->seg[j - 1][0] == 1))
            j++;
        if (push_needle(&q->needles, &q->nneedles, cps + c->seg[i][0],
                        c->seg[j - 1][1] - c->seg[i][0], 0)
            || push_needle(&q->words, &q->nwords, cps + c->seg[i][0],
                           c->seg[j - 1][1] - c->seg[i][0], 0))
            return ZHS_ENOMEM;
        for (; j - i > 1 && i < j; i++)
            if (c->seg[i][1] - c->seg[i][0] > 1
                && push_needle(&q->words, &q->nwords, cps + c->seg[i][0],
                               c->seg[i][1] - c->seg[i][0], 0))
                return ZHS_ENOMEM;
        i = j;
        groups++;
    }
    if (groups > 1 && c->n > 0
        && push_needle(&q->boosts, &q->nboosts, cps + c->seg[0][0],
                       c->seg[c->n - 1][1] - c->seg[0][0], 0))
        return ZHS_ENOMEM;
    return ZHS_OK;
}

/* Normalizes the query text cps[0..n) into t. */
static zhs_status normalize_span(const uint32_t *cps, size_t n, zhsi_text *t,
                                 char **errmsg)
{
    char *s = zhsi_utf8_encode(cps, n);
    zhs_status st;

    if (s == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    st = zhsi_text_build(s, strlen(s), t, errmsg);
    free(s);
    return st;
}

static int is_quote(uint32_t c) { return c == '"' || c == 0xFF02; }

zhs_status zhsi_query_parse(zhsi_segmenter *seg, const char *qs,
                            zhsi_query *q, char **errmsg)
{
    uint32_t *cps = NULL;
    size_t n = 0, i = 0, bad = 0;
    zhsi_text t = {0};
    zhs_status st;

    memset(q, 0, sizeof *q);
    st = zhsi_utf8_decode(qs, strlen(qs), &cps, &n, &bad);
    if (st == ZHS_EENCODING)
        return zhsi_fail(errmsg, ZHS_EQUERY,
                         "query is not valid UTF-8 (byte offset %zu)", bad);
    if (st != ZHS_OK)
        return zhsi_fail(errmsg, st, "out of memory");
    if (n > ZHS_MAX_QUERY_CP) {
        st = zhsi_fail(errmsg, ZHS_EQUERY, "query is longer than %u "
                       "characters (%zu)", ZHS_MAX_QUERY_CP, n);
        goto out;
    }
    while (i < n) {
        size_t start = i, end;

        if (zhsi_is_space(cps[i])) {
            i++;
            continue;
        }
        if (is_quote(cps[i])) {
            end = start + 1;
            while (end < n && !is_quote(cps[end]))
                end++;
            if (end == n) {
                st = zhsi_fail(errmsg, ZHS_EQUERY, "unbalanced quote at "
                               "position %zu", start + 1);
                goto out;
            }
            if ((st = normalize_span(cps + start + 1, end - start - 1, &t,
                                     errmsg)) != ZHS_OK)
                goto out;
            if (t.nnorm == 0) {
                st = zhsi_fail(errmsg, ZHS_EQUERY, "empty phrase at position "
                               "%zu", start + 1);
                goto out;
            }
            if (push_needle(&q->needles, &q->nneedles, t.norm, t.nnorm, 1))
                goto oom;
            i = end + 1;
        } else {
            struct chunk_segs cs = {NULL, 0, 0, 0};

            end = start;
            while (end < n && !zhsi_is_space(cps[end]) && !is_quote(cps[end]))
                end++;
            if ((st = normalize_span(cps + start, end - start, &t, errmsg))
                != ZHS_OK)
                goto out;
            st = zhsi_segment(seg, t.norm, t.nnorm, collect_seg, &cs, errmsg);
            if (st == ZHS_OK && (cs.oom || chunk_needles(q, t.norm, &cs)))
                st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
            free(cs.seg);
            if (st != ZHS_OK)
                goto out;
            i = end;
        }
        zhsi_text_free(&t);
    }
    if (q->nneedles == 0)
        st = zhsi_fail(errmsg, ZHS_EQUERY, n == 0 || strspn(qs, " \t\r\n")
                                                          == strlen(qs)
                                               ? "empty query"
                                               : "query has nothing to search "
                                                 "for (only punctuation?)");
    goto out;
oom:
    st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
out:
    zhsi_text_free(&t);
    free(cps);
    if (st != ZHS_OK)
        zhsi_query_free(q);
    return st;
}

static void free_needles(zhsi_needle *a, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(a[i].cps);
    free(a);
}

void zhsi_query_free(zhsi_query *q)
{
    if (q == NULL)
        return;
    free_needles(q->needles, q->nneedles);
    free_needles(q->words, q->nwords);
    free_needles(q->boosts, q->nboosts);
    memset(q, 0, sizeof *q);
}

/* ---- building ---------------------------------------------------- */

static void free_subs(zhsi_xq **subs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        zhsi_xq_free(subs[i]);
    free(subs);
}

/* The exact-substring query for a needle: its character term, or the
 * phrase of its bigrams at consecutive positions. */
static zhs_status substring_query(const zhsi_needle *nd, zhsi_xq **out,
                                  char **errmsg)
{
    char term[16];
    zhsi_xq **subs;
    size_t i, k;
    zhs_status st = ZHS_OK;

    if (nd->n == 1) {
        k = zhsi_unigram_term(term, nd->cps[0]);
        return zhsi_xq_term(term, k, out, errmsg);
    }
    if (nd->n == 2) {
        k = zhsi_bigram_term(term, nd->cps[0], nd->cps[1]);
        return zhsi_xq_term(term, k, out, errmsg);
    }
    subs = calloc(nd->n - 1, sizeof *subs);
    if (subs == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    for (i = 0; st == ZHS_OK && i + 1 < nd->n; i++) {
        k = zhsi_bigram_term(term, nd->cps[i], nd->cps[i + 1]);
        st = zhsi_xq_term(term, k, &subs[i], errmsg);
    }
    if (st == ZHS_OK)
        st = zhsi_xq_combine(ZHSI_XQ_PHRASE, subs, nd->n - 1,
                             (unsigned)(nd->n - 1), out, errmsg);
    free_subs(subs, nd->n - 1);
    return st;
}

/* The word term for a needle, if it can be one. */
static zhs_status word_query(const zhsi_needle *nd, zhsi_xq **out,
                             char **errmsg)
{
    char *s = zhsi_utf8_encode(nd->cps, nd->n);
    zhs_status st;

    *out = NULL;
    if (s == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    st = strlen(s) <= ZHSI_MAX_WORD_BYTES
        ? zhsi_xq_term(s, strlen(s), out, errmsg) : ZHS_OK;
    free(s);
    return st;
}

zhs_status zhsi_query_build(const zhsi_query *q, zhsi_xq **out, char **errmsg)
{
    size_t nb = 0, i, nreq = q->nneedles;
    zhsi_xq **req, **boost, *required = NULL, *boosts = NULL;
    zhsi_xq *pair[2];
    zhs_status st = ZHS_OK;

    req = calloc(nreq, sizeof *req);
    boost = calloc(q->nwords + q->nboosts + 1, sizeof *boost);
    if (req == NULL || boost == NULL) {
        free(req);
        free(boost);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    for (i = 0; st == ZHS_OK && i < q->nneedles; i++)
        st = substring_query(&q->needles[i], &req[i], errmsg);
    for (i = 0; st == ZHS_OK && i < q->nwords; i++) {
        st = word_query(&q->words[i], &boost[nb], errmsg);
        if (boost[nb])
            nb++;
    }
    for (i = 0; st == ZHS_OK && i < q->nboosts; i++)
        if ((st = substring_query(&q->boosts[i], &boost[nb], errmsg))
            == ZHS_OK)
            nb++;
    if (st == ZHS_OK)
        st = zhsi_xq_combine(ZHSI_XQ_AND, req, nreq, 0, &required, errmsg);
    if (st == ZHS_OK && nb > 0)
        st = zhsi_xq_combine(ZHSI_XQ_OR, boost, nb, 0, &boosts, errmsg);
    if (st == ZHS_OK && nb > 0) {
        pair[0] = required;
        pair[1] = boosts;
        st = zhsi_xq_combine(ZHSI_XQ_AND_MAYBE, pair, 2, 0, out, errmsg);
    } else if (st == ZHS_OK) {
        *out = required;
        required = NULL;
    }
    zhsi_xq_free(required);
    zhsi_xq_free(boosts);
    free_subs(req, nreq);
    free_subs(boost, q->nwords + q->nboosts + 1);
    return st;
}
