/* suggest.c: completions for a search box.
 *
 * The last word of the input is normalized as the index normalizes text
 * and completed to the indexed words that start with it (the index's
 * vocabulary, Xapian's spelling table, in byte order: every word of two or
 * more characters, with the documents it was indexed in), the ones in
 * most documents first; then come titles of documents whose title holds
 * it, found with the query language's title:"..." so recall is that of a
 * search.  Everything is bounded: at most MAX_SCAN terms are read, and
 * titles come from one small search.
 */
#include <stdlib.h>
#include <string.h>


#include "zhs-int.h"

#define MAX_SCAN 20000u         /* terms read per completion */
#define MAX_INPUT_BYTES 4096u
#define MAX_PREFIX_BYTES 256u
#define MAX_TITLES 3u

struct words {
    zhs_suggestion *best;       /* up to cap, best first */
    size_t n, cap;
    int failed;                 /* out of memory */
};

/* Whether a (docs, text) ranks above b: more documents, then shorter,
 * then byte order. */
static int better(unsigned docs, const char *t, size_t len,
                  const zhs_suggestion *b)
{
    size_t blen = strlen(b->text);
    if (docs != b->docs)
        return docs > b->docs;
    if (len != blen)
        return len < blen;
    return memcmp(t, b->text, len) < 0;
}

static int keep_word(const char *term, size_t len, unsigned tf, void *arg)
{
    struct words *w = arg;
    size_t at;
    char *copy;

    if (len == 0 || (term[0] >= 'A' && term[0] <= 'Z'))
        return 0;                       /* a prefixed (non-word) term */
    if (w->n == w->cap && !better(tf, term, len, &w->best[w->n - 1]))
        return 0;
    for (at = w->n; at > 0 && better(tf, term, len, &w->best[at - 1]); at--)
        ;
    if ((copy = malloc(len + 1)) == NULL) {
        w->failed = 1;
        return 1;
    }
    memcpy(copy, term, len);
    copy[len] = '\0';
    if (w->n == w->cap)
        free(w->best[--w->n].text);
    memmove(&w->best[at + 1], &w->best[at], (w->n - at) * sizeof *w->best);
    w->best[at] = (zhs_suggestion){copy, "word", tf, NULL, NULL};
    w->n++;
    return 0;
}

/* The normalized form of tok (spaces dropped) as UTF-8 in buf, or "" if it
 * is empty or too long to complete. */
static zhs_status normalized(const char *tok, size_t len, char *buf,
                             char **errmsg)
{
    zhsi_text t = {0};
    size_t i, n = 0;
    zhs_status st = zhsi_text_build(tok, len, ZHSI_TEXT_NORM_ONLY, &t,
                                    errmsg);

    buf[0] = '\0';
    if (st != ZHS_OK)
        return st;
    for (i = 0; i < t.nnorm; i++) {
        if (zhsi_is_space(t.norm[i]))
            continue;
        if (n + 4 >= MAX_PREFIX_BYTES) {
            n = 0;
            break;
        }
        n += zhsi_utf8_put(buf + n, t.norm[i]);
    }
    buf[n] = '\0';
    zhsi_text_free(&t);
    return ZHS_OK;
}

static unsigned tf_of(const char *term, size_t len, void *arg)
{
    return zhsi_xdb_termfreq(arg, term, len);
}

/* Up to max titles of documents whose title holds tok, best first, added
 * to s (which has room). */
static zhs_status add_titles(zhs_db *db, const char *tok, size_t len,
                             unsigned max, zhs_suggestions *s, char **errmsg)
{
    zhsi_query q = {0};
    zhsi_xq *xq = NULL;
    zhsi_xsearch xs = {0};
    zhsi_xresult xr = {0};
    zhsi_xhit *xh;
    size_t nx, i, j;
    char *qs;
    zhs_status st;

    if (max == 0 || memchr(tok, '"', len) || strstr(tok, "\xef\xbc\x82"))
        return ZHS_OK;                  /* a quote cannot be quoted */
    if ((qs = malloc(len + 10)) == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    memcpy(qs, "title:\"", 7);
    memcpy(qs + 7, tok, len);
    memcpy(qs + 7 + len, "\"", 2);
    st = zhsi_query_parse(zhsi_db_segmenter(db), qs, &q, NULL);
    free(qs);
    if (st != ZHS_OK) {                 /* not a searchable string */
        zhsi_query_free(&q);
        return ZHS_OK;
    }
    st = zhsi_query_build(&q, tf_of, zhsi_db_xdb(db), &xq, errmsg);
    /* equal titles are merged below, so near-duplicates need not be
     * collapsed */
    xs.limit = max * 2;
    xs.check_at_least = max * 2;
    zhsi_use_check(&q, &xs);
    if (st == ZHS_OK)
        st = zhsi_xdb_search(zhsi_db_xdb(db), xq, &xs, &xr, errmsg);
    xh = xr.hits;
    nx = xr.nhits;
    for (i = 0; st == ZHS_OK && i < nx && max > 0; i++) {
        zhs_file_doc *fd = NULL;
        zhs_suggestion *x = &s->items[s->n];
        int dup = 0;

        if (zhsi_stored_decode(xh[i].data, xh[i].len, &fd, NULL) == ZHS_OK
            && fd->doc.title != NULL) {
            for (j = 0; j < s->n; j++)
                dup |= strcmp(s->items[j].text, fd->doc.title) == 0;
            if (!dup) {
                x->kind = "title";
                x->text = zhsi_file_doc_take(fd, &fd->doc.title);
                x->id = zhsi_file_doc_take(fd, &fd->doc.id);
                if (x->text == NULL || x->id == NULL) {
                    free(x->text);
                    free(x->id);
                    st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
                } else {
                    s->n++;
                    max--;
                }
            }
        }
        zhs_file_doc_free(fd);
    }
    zhsi_xresult_clear(&xr);
    zhsi_xq_free(xq);
    zhsi_query_free(&q);
    return st;
}

/* Where the last word of s (len bytes) starts: after the last ASCII
 * space or ideographic space U+3000. */
static size_t last_word(const char *s, size_t len)
{
    size_t i = len;
    while (i > 0) {
        unsigned char c = (unsigned char)s[i - 1];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            break;
        if (i >= 3 && memcmp(s + i - 3, "\xe3\x80\x80", 3) == 0)
            break;
        i--;
    }
    return i;
}

/* Where the pinyin the input ends with starts: its last word, and the
 * words before it that are letters only ("yuan jiang"). */
static size_t pinyin_start(const char *s, size_t start)
{
    size_t at = start, i, j;

    for (;;) {
        j = at;
        while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t'))
            j--;
        if (j == at || j == 0)
            return at;
        i = j;
        while (i > 0 && ((s[i - 1] >= 'a' && s[i - 1] <= 'z')
                         || (s[i - 1] >= 'A' && s[i - 1] <= 'Z')
                         || s[i - 1] == '\''))
            i--;
        if (i == j || (i > 0 && s[i - 1] != ' ' && s[i - 1] != '\t'))
            return at;                  /* not letters only */
        at = i;
    }
}

/* Words whose reading the text s[a, b) matches, in *m. */
static zhs_status pinyin_words(zhs_db *db, const char *s, size_t a, size_t b,
                               size_t max, zhsi_py_match **m, size_t *n,
                               char **errmsg)
{
    zhsi_text t = {0};
    zhs_status st;
    size_t i;
    int letters = 0;

    *m = NULL;
    *n = 0;
    st = zhsi_text_build(s + a, b - a, ZHSI_TEXT_NORM_ONLY, &t, errmsg);
    if (st != ZHS_OK)
        return st;
    for (i = 0; i < t.nnorm; i++)
        letters |= t.norm[i] >= 'a' && t.norm[i] <= 'z';
    if (letters)
        st = zhsi_pinyin_match(zhsi_db_xdb(db), t.norm, t.nnorm,
                               ZHSI_PY_COMPLETE, max, m, n, errmsg);
    zhsi_text_free(&t);
    return st;
}

zhs_status zhs_suggest(zhs_db *db, const char *input, unsigned limit,
                       zhs_suggestions **out, char **errmsg)
{
    double t0 = zhsi_now_ms();
    size_t len = strlen(input), start, pstart, i, j, bad, npy = 0;
    char prefix[MAX_PREFIX_BYTES];
    struct words w = {0};
    zhsi_py_match *py = NULL;
    zhs_suggestions *s;
    unsigned ntitles;
    zhs_status st;

    if (limit == 0 || limit > ZHS_MAX_SUGGEST)
        return zhsi_fail(errmsg, ZHS_EUSAGE, "limit must be 1..%u",
                         ZHS_MAX_SUGGEST);
    if (len > MAX_INPUT_BYTES)
        return zhsi_fail(errmsg, ZHS_EUSAGE, "input over %u bytes",
                         MAX_INPUT_BYTES);
    if ((bad = zhsi_utf8_invalid_at(input, len)) < len)
        return zhsi_fail(errmsg, ZHS_EENCODING, "input is not UTF-8 (byte "
                         "%zu)", bad);
    s = calloc(1, sizeof *s);
    if (s == NULL || (s->query = strdup(input)) == NULL
        || (s->items = calloc(limit, sizeof *s->items)) == NULL
        || (w.best = calloc(limit, sizeof *w.best)) == NULL) {
        zhs_suggestions_free(s);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    start = last_word(input, len);
    st = normalized(input + start, len - start, prefix, errmsg);
    ntitles = limit >= 6 ? MAX_TITLES : limit / 2;
    w.cap = limit - ntitles;
    if (st == ZHS_OK && prefix[0] != '\0')
        st = zhsi_xdb_spellings(zhsi_db_xdb(db), prefix, MAX_SCAN, keep_word,
                               &w, errmsg);
    if (st == ZHS_OK && w.failed)
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    /* then words read as the input's pinyin: the letters-only words
     * before the last one too, else the last one alone */
    pstart = pinyin_start(input, start);
    if (st == ZHS_OK && w.n < w.cap && prefix[0] != '\0') {
        st = pinyin_words(db, input, pstart, len, w.cap, &py, &npy, errmsg);
        if (st == ZHS_OK && npy == 0 && pstart < start) {
            zhsi_py_matches_free(py, npy);
            py = NULL;
            pstart = start;
            st = pinyin_words(db, input, pstart, len, w.cap, &py, &npy,
                              errmsg);
        }
    }
    for (i = 0; i < w.n; i++) {         /* the input's head + each word */
        zhs_suggestion *x = &s->items[s->n];
        size_t wl = strlen(w.best[i].text);
        *x = w.best[i];
        if (st == ZHS_OK && (x->text = malloc(start + wl + 1)) != NULL) {
            memcpy(x->text, input, start);
            memcpy(x->text + start, w.best[i].text, wl + 1);
            s->n++;
        } else if (st == ZHS_OK) {
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        }
        free(w.best[i].text);
    }
    free(w.best);
    for (i = 0; st == ZHS_OK && i < npy && s->n < w.cap; i++) {
        zhs_suggestion *x = &s->items[s->n];
        size_t wl = strlen(py[i].word), n0 = s->n;
        for (j = 0; j < n0; j++)        /* already there as typed */
            if (strcmp(s->items[j].text + start, py[i].word) == 0
                && s->items[j].reading == NULL)
                break;
        if (j < n0)
            continue;
        x->kind = "word";
        x->docs = py[i].docs;
        x->reading = py[i].reading;
        py[i].reading = NULL;
        if ((x->text = malloc(pstart + wl + 1)) == NULL) {
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
            break;
        }
        memcpy(x->text, input, pstart);
        memcpy(x->text + pstart, py[i].word, wl + 1);
        s->n++;
    }
    /* titles holding what was typed, or else the word its pinyin found */
    if (st == ZHS_OK && prefix[0] != '\0') {
        unsigned room = limit - (unsigned)s->n < ntitles
                            ? limit - (unsigned)s->n : ntitles;
        if (s->n > 0 && s->items[0].reading != NULL)
            st = add_titles(db, py[0].word, strlen(py[0].word), room, s,
                            errmsg);
        else
            st = add_titles(db, input + start, len - start, room, s, errmsg);
    }
    zhsi_py_matches_free(py, npy);
    if (st != ZHS_OK) {
        zhsi_errmsg_prefix(errmsg, zhs_db_path(db));
        zhs_suggestions_free(s);
        return st;
    }
    s->took_ms = zhsi_now_ms() - t0;
    *out = s;
    return ZHS_OK;
}

void zhs_suggestions_free(zhs_suggestions *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->n; i++) {
        free(s->items[i].text);
        free(s->items[i].id);
        free(s->items[i].reading);
    }
    free(s->items);
    free(s->query);
    free(s);
}
