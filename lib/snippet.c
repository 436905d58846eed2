/* snippet.c: choosing passages and placing highlights.
 *
 * Matches are found in the normalized text (so ＥＣＭＯ in a document is
 * found by ecmo) and mapped back to display offsets.  Passages are display
 * sentences ended by Chinese or ASCII sentence punctuation or by the end
 * of a Markdown heading, ranked by how
 * many distinct query strings they contain, then by how many matches, then
 * by position.  A passage longer than ZHSI_SNIPPET_MAX_CP is cut to a
 * window around its first match, marked with "…".  A passage whose text
 * equals one already chosen (repeated paragraphs) is skipped.  A passage
 * may run over a line or paragraph break, which the display text shows as
 * " ⏎ " (normalize.c); a snippet never starts or ends on one.
 */
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

struct match {
    size_t start, end;   /* display cp offsets, [start, end) */
    size_t needle;       /* index of the needle */
};

struct passage {
    size_t start, end;   /* display cp offsets of the sentence */
    size_t first, last;  /* range of matches inside it: [first, last) */
    unsigned score;
};

static int is_sentence_end(uint32_t c)
{
    switch (c) {
    case 0x3002: /* 。 */ case 0xFF01: /* ！ */ case 0xFF1F: /* ？ */
    case 0xFF1B: /* ； */ case 0x2026: /* … */ case 0xFF61: /* ｡ */
    case '!': case '?': case ';':
        return 1;
    default:
        return 0;
    }
}

static int is_blank_or_break(uint32_t c)
{
    return c == ' ' || c == ZHSI_BREAK_CP;
}

static int is_closer(uint32_t c)
{
    return c == 0x201D || c == 0x2019 || c == 0x300D || c == 0x300F
        || c == 0xFF09 || c == ')' || c == '"' || c == 0x3011;
}

static int by_start(const void *a, const void *b)
{
    const struct match *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end < y->end ? 1 : (x->end > y->end ? -1 : 0);
}

static int by_score(const void *a, const void *b)
{
    const struct passage *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->start < y->start ? -1 : (x->start > y->start);
}

/* Every occurrence of every needle in t, as display spans sorted by
 * start.  Returns -1 when out of memory. */
static int find_matches(const zhsi_text *t, const zhsi_needle *nd, size_t nn,
                        struct match **out, size_t *count)
{
    struct match *m = NULL;
    size_t n = 0, cap = 0, j, i;

    for (j = 0; j < nn; j++) {
        for (i = 0; nd[j].n > 0 && i < t->nnorm; i++) {
            size_t end;
            /* anchors and joints as the query check has them: 120 is not
             * a match inside 1200, utf-8 is one in utf8 */
            if (t->norm[i] != nd[j].cps[0]
                || (end = zhsi_needle_at(&nd[j], t->norm, t->nnorm, i)) == 0)
                continue;
            if (n == cap) {
                struct match *nm = realloc(m, (cap ? cap * 2 : 16) * sizeof *m);
                if (nm == NULL) {
                    free(m);
                    return -1;
                }
                m = nm;
                cap = cap ? cap * 2 : 16;
            }
            m[n].start = t->norm_map[i];
            m[n].end = t->norm_map[end - 1] + 1;
            m[n].needle = j;
            n++;
        }
    }
    if (n > 1)
        qsort(m, n, sizeof *m, by_start);
    *out = m;
    *count = n;
    return 0;
}

zhs_status zhsi_find_spans(const zhsi_text *t, const zhsi_needle *needles,
                           size_t nneedles, zhs_span **spans, size_t *n)
{
    struct match *m = NULL;
    zhs_span *v;
    size_t nm = 0, i, k = 0;

    if (find_matches(t, needles, nneedles, &m, &nm) < 0
        || (v = malloc((nm + 1) * sizeof *v)) == NULL) {
        free(m);
        return ZHS_ENOMEM;
    }
    /* sorted by start, the longest first: a match starting inside the
     * previous span extends it, as highlights merge */
    for (i = 0; i < nm; i++) {
        if (k > 0 && m[i].start < v[k - 1].end) {
            if (m[i].end > v[k - 1].end)
                v[k - 1].end = (unsigned)m[i].end;
            continue;
        }
        v[k].start = (unsigned)m[i].start;
        v[k].end = (unsigned)m[i].end;
        k++;
    }
    free(m);
    *spans = v;
    *n = k;
    return ZHS_OK;
}

/* Splits the display text into sentences and scores those with matches. */
static int score_passages(const zhsi_text *t, const struct match *m, size_t nm,
                          size_t nneedles, struct passage **out, size_t *count)
{
    struct passage *p = NULL;
    unsigned char *seen = calloc(nneedles ? nneedles : 1, 1);
    size_t n = 0, cap = 0, a = 0, b, k = 0;

    if (seen == NULL)
        return -1;
    while (a < t->ndisp && k < nm) {
        size_t first, distinct = 0;

        b = a;
        while (b < t->ndisp && !is_sentence_end(t->disp[b])
               && !t->disp_block_end[b])
            b++;
        if (b < t->ndisp && t->disp_block_end[b])
            b++;                        /* a heading is a passage */
        else
            while (b < t->ndisp && (is_sentence_end(t->disp[b])
                                    || is_closer(t->disp[b])))
                b++;
        while (k < nm && m[k].start < a)
            k++;                        /* a match spanning sentences */
        first = k;
        memset(seen, 0, nneedles ? nneedles : 1);
        while (k < nm && m[k].end <= b) {
            if (!seen[m[k].needle]) {
                seen[m[k].needle] = 1;
                distinct++;
            }
            k++;
        }
        if (k > first) {
            if (n == cap) {
                struct passage *np = realloc(p, (cap ? cap * 2 : 16) * sizeof *p);
                if (np == NULL) {
                    free(p);
                    free(seen);
                    return -1;
                }
                p = np;
                cap = cap ? cap * 2 : 16;
            }
            p[n].start = a;
            p[n].end = b;
            p[n].first = first;
            p[n].last = k;
            p[n].score = (unsigned)(distinct * 1000
                                    + (k - first > 50 ? 50 : k - first) * 10);
            n++;
        }
        a = b;
    }
    free(seen);
    *out = p;
    *count = n;
    return 0;
}

/* Builds the snippet for display range [a, b) of a passage. */
static int make_snippet(const zhsi_text *t, size_t a, size_t b,
                        const struct match *m, size_t first, size_t last,
                        zhs_snippet *s)
{
    static const uint32_t ellipsis = 0x2026;
    size_t ws, we, pre, len, i, nh = 0;
    uint32_t *buf;

    /* a passage neither starts nor ends with a shown line break */
    while (a < b && is_blank_or_break(t->disp[a]))
        a++;
    while (b > a && is_blank_or_break(t->disp[b - 1]))
        b--;
    ws = a;
    we = b;
    if (b - a > ZHSI_SNIPPET_MAX_CP) {
        size_t anchor = first < last ? m[first].start : a;
        ws = anchor > a + 20 ? anchor - 20 : a;
        we = ws + ZHSI_SNIPPET_MAX_CP;
        if (we > b) {
            we = b;
            ws = b - ZHSI_SNIPPET_MAX_CP;
        }
        while (ws < we && is_blank_or_break(t->disp[ws]))
            ws++;
        while (we > ws && is_blank_or_break(t->disp[we - 1]))
            we--;
    }
    pre = ws > a;
    len = pre + (we - ws) + (we < b);
    buf = malloc((len + 1) * sizeof *buf);
    s->highlights = calloc(last - first + 1, sizeof *s->highlights);
    if (buf == NULL || s->highlights == NULL) {
        free(buf);
        return -1;
    }
    if (pre)
        buf[0] = ellipsis;
    memcpy(buf + pre, t->disp + ws, (we - ws) * sizeof *buf);
    if (we < b)
        buf[len - 1] = ellipsis;
    for (i = first; i < last; i++) {
        unsigned st, en;
        if (m[i].start < ws || m[i].end > we)
            continue;               /* not wholly shown: no partial marks */
        st = (unsigned)(m[i].start - ws + pre);
        en = (unsigned)(m[i].end - ws + pre);
        if (nh > 0 && st < s->highlights[nh - 1].end) {
            if (en > s->highlights[nh - 1].end)
                s->highlights[nh - 1].end = en;   /* overlapping: merge */
            continue;
        }
        s->highlights[nh].start = st;
        s->highlights[nh].end = en;
        nh++;
    }
    s->nhighlights = nh;
    s->line = t->disp_line[ws];
    s->text = zhsi_utf8_encode(buf, len);
    free(buf);
    return s->text ? 0 : -1;
}

void zhsi_snippet_clear(zhs_snippet *s)
{
    free(s->text);
    free(s->highlights);
    memset(s, 0, sizeof *s);
}

zhs_status zhsi_snippets(const zhsi_text *t, const zhsi_needle *needles,
                         size_t nneedles, size_t max, zhs_snippet *out,
                         size_t *nout)
{
    struct match *m = NULL;
    struct passage *p = NULL;
    size_t nm = 0, np = 0, i, j, n = 0;
    zhs_status st = ZHS_ENOMEM;

    *nout = 0;
    if (t->ndisp == 0 || max == 0)
        return ZHS_OK;
    if (find_matches(t, needles, nneedles, &m, &nm) < 0
        || score_passages(t, m, nm, nneedles, &p, &np) < 0)
        goto out;
    if (np > 1)
        qsort(p, np, sizeof *p, by_score);
    for (i = 0; i < np && n < max; i++) {
        int dup = 0;
        memset(&out[n], 0, sizeof out[n]);
        if (make_snippet(t, p[i].start, p[i].end, m, p[i].first, p[i].last,
                         &out[n]) < 0) {
            zhsi_snippet_clear(&out[n]);
            goto out;
        }
        for (j = 0; j < n && !dup; j++)
            dup = strcmp(out[j].text, out[n].text) == 0;
        if (dup)
            zhsi_snippet_clear(&out[n]);
        else
            n++;
    }
    if (n == 0) {
        /* No match in the body (e.g. a title-only match): show its start. */
        memset(&out[0], 0, sizeof out[0]);
        if (make_snippet(t, 0, t->ndisp, m, 0, 0, &out[0]) < 0) {
            zhsi_snippet_clear(&out[0]);
            goto out;
        }
        n = 1;
    }
    st = ZHS_OK;
out:
    if (st != ZHS_OK)
        for (j = 0; j < n; j++)
            zhsi_snippet_clear(&out[j]);
    *nout = st == ZHS_OK ? n : 0;
    free(m);
    free(p);
    return st;
}
