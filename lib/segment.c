/* segment.c: ICU word segmentation of normalized text.
 *
 * ICU's word-break iterator finds Chinese words with its CJK dictionary and
 * Latin/number tokens with the UAX #29 rules.  Words decide ranking only
 * (recall comes from character n-grams, see terms.c), so its mistakes cost
 * rank, never hits.  An iterator is expensive to open, so a segmenter keeps
 * one, with its UTF-16 buffer, for the life of a writer or reader handle.
 *
 * A user dictionary (one word a line) adds words ICU does not know: the
 * longest dictionary word at each position wins (forward maximum
 * matching), and ICU's words fill the text around them, clipped where a
 * dictionary word overlaps them, so words never overlap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/utf16.h>

#include "zhs-int.h"

struct zhsi_segmenter {
    UBreakIterator *bi;  /* word iterator, reused for each text */
    UChar *u16;          /* the text in UTF-16 */
    uint32_t *cp_at;     /* code point index of each UTF-16 unit */
    size_t cap;          /* capacity of u16 and cp_at, in units */
    const zhsi_dict *dict; /* borrowed user dictionary, or NULL */
    size_t (*icu)[2];    /* ICU words of the current text */
    size_t nicu, icu_cap;
    size_t (*dw)[2];     /* dictionary words of the current text */
    size_t ndw, dw_cap;
};

/* ---- the user dictionary ----------------------------------------- */

struct zhsi_dict {
    uint32_t **words;    /* normalized words, open-addressing hash table */
    size_t *lens;        /* their lengths in code points */
    size_t slots;        /* table size, a power of two */
    size_t count;        /* words stored */
    size_t maxlen;       /* longest word */
    unsigned char first[0x10000 / 8]; /* BMP first characters present */
    char *serial;        /* sorted words joined by newlines */
    char id[17];         /* FNV-1a 64 of serial, in hex */
};

static uint64_t hash_cps(const uint32_t *c, size_t n)
{
    return zhs_fnv1a(ZHS_FNV1A_INIT, c, n * sizeof *c);
}

static int dict_has(const zhsi_dict *d, const uint32_t *c, size_t n)
{
    size_t i = (size_t)hash_cps(c, n) & (d->slots - 1);

    while (d->words[i] != NULL) {
        if (d->lens[i] == n && memcmp(d->words[i], c, n * sizeof *c) == 0)
            return 1;
        i = (i + 1) & (d->slots - 1);
    }
    return 0;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define DICT_MAX_WORD 32

zhs_status zhsi_dict_new(const char *text, size_t len, zhsi_dict **out,
                         char **errmsg)
{
    zhsi_dict *d = calloc(1, sizeof *d);
    const char *p = text, *end = text + len;
    char **strs = NULL;
    size_t nstrs = 0, cap = 0, i, total = 0, lineno = 0;
    zhs_status st = ZHS_OK;

    if (d == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    while (p < end && st == ZHS_OK) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        zhsi_text t;
        if (eol == NULL)
            eol = end;
        lineno++;
        while (p < eol && (*p == ' ' || *p == '\t'))
            p++;
        if (p < eol && *p == '#') {     /* a comment line */
            p = eol + 1;
            continue;
        }
        st = zhsi_text_build(p, (size_t)(eol - p), ZHSI_TEXT_NORM_ONLY, &t,
                             errmsg);
        if (st != ZHS_OK) {
            char where[32];
            snprintf(where, sizeof where, "line %zu", lineno);
            zhsi_errmsg_prefix(errmsg, where);
            break;
        }
        if (t.nnorm >= 1 && t.nnorm <= DICT_MAX_WORD) {
            if (nstrs == cap) {
                char **ns = realloc(strs, (cap ? cap * 2 : 64) * sizeof *ns);
                if (ns == NULL)
                    st = ZHS_ENOMEM;
                else {
                    strs = ns;
                    cap = cap ? cap * 2 : 64;
                }
            }
            if (st == ZHS_OK
                && (strs[nstrs] = zhsi_utf8_encode(t.norm, t.nnorm)) == NULL)
                st = ZHS_ENOMEM;
            if (st == ZHS_OK)
                nstrs++;
        }
        zhsi_text_free(&t);
        p = eol + 1;
    }
    if (st == ZHS_OK && nstrs > 0)
        qsort(strs, nstrs, sizeof *strs, by_str);
    for (d->slots = 16; st == ZHS_OK && d->slots < 2 * nstrs + 2;)
        d->slots *= 2;
    if (st == ZHS_OK) {
        d->words = calloc(d->slots, sizeof *d->words);
        d->lens = calloc(d->slots, sizeof *d->lens);
        if (d->words == NULL || d->lens == NULL)
            st = ZHS_ENOMEM;
    }
    for (i = 0; st == ZHS_OK && i < nstrs; i++) {
        uint32_t *c;
        size_t n, bad, slot;
        if (i > 0 && strcmp(strs[i], strs[i - 1]) == 0)
            continue;                   /* duplicate line */
        total += strlen(strs[i]) + 1;
        if (zhsi_utf8_decode(strs[i], strlen(strs[i]), &c, &n, &bad)) {
            st = ZHS_ENOMEM;
            break;
        }
        slot = (size_t)hash_cps(c, n) & (d->slots - 1);
        while (d->words[slot] != NULL)
            slot = (slot + 1) & (d->slots - 1);
        d->words[slot] = c;
        d->lens[slot] = n;
        d->count++;
        if (n > d->maxlen)
            d->maxlen = n;
        if (c[0] < 0x10000)
            d->first[c[0] >> 3] |= (unsigned char)(1u << (c[0] & 7));
    }
    if (st == ZHS_OK && (d->serial = malloc(total + 1)) == NULL)
        st = ZHS_ENOMEM;
    if (st == ZHS_OK) {
        size_t k = 0;
        for (i = 0; i < nstrs; i++) {
            size_t l = strlen(strs[i]);
            if (i > 0 && strcmp(strs[i], strs[i - 1]) == 0)
                continue;
            memcpy(d->serial + k, strs[i], l);
            d->serial[k + l] = '\n';
            k += l + 1;
        }
        d->serial[k] = '\0';
        /* indexes record this id: the bytes' FNV-1a, never to change */
        snprintf(d->id, sizeof d->id, "%016llx",
                 zhs_fnv1a(ZHS_FNV1A_INIT, d->serial, k));
    }
    for (i = 0; i < nstrs; i++)
        free(strs[i]);
    free(strs);
    if (st != ZHS_OK) {
        zhsi_dict_free(d);
        if (st == ZHS_ENOMEM)
            zhsi_fail(errmsg, st, "out of memory");
        return st;
    }
    *out = d;
    return ZHS_OK;
}

void zhsi_dict_free(zhsi_dict *d)
{
    size_t i;

    if (d == NULL)
        return;
    for (i = 0; d->words && i < d->slots; i++)
        free(d->words[i]);
    free(d->words);
    free(d->lens);
    free(d->serial);
    free(d);
}

const char *zhsi_dict_serial(const zhsi_dict *d) { return d->serial; }
const char *zhsi_dict_id(const zhsi_dict *d) { return d->id; }
size_t zhsi_dict_count(const zhsi_dict *d) { return d->count; }

void zhsi_segmenter_set_dict(zhsi_segmenter *s, const zhsi_dict *d)
{
    s->dict = d;
}

int zhsi_segmenter_has_dict(const zhsi_segmenter *s)
{
    return s->dict != NULL && s->dict->count > 0;
}

/* Appends [a, b) to a span list. */
static int push_span(size_t (**v)[2], size_t *n, size_t *cap, size_t a,
                     size_t b)
{
    if (*n == *cap) {
        size_t (*nv)[2] = realloc(*v, (*cap ? *cap * 2 : 64) * sizeof **v);
        if (nv == NULL)
            return -1;
        *v = nv;
        *cap = *cap ? *cap * 2 : 64;
    }
    (*v)[*n][0] = a;
    (*v)[*n][1] = b;
    (*n)++;
    return 0;
}

static int collect_icu(size_t a, size_t b, void *arg)
{
    zhsi_segmenter *s = arg;
    return push_span(&s->icu, &s->nicu, &s->icu_cap, a, b) < 0;
}

/* Dictionary words by forward maximum matching. */
static int find_dict_words(zhsi_segmenter *s, const uint32_t *cps, size_t n)
{
    const zhsi_dict *d = s->dict;
    size_t i = 0, len;

    s->ndw = 0;
    while (i < n) {
        size_t found = 0;
        if (cps[i] >= 0x10000
            || (d->first[cps[i] >> 3] & (1u << (cps[i] & 7)))) {
            for (len = d->maxlen < n - i ? d->maxlen : n - i; len >= 1; len--)
                if (dict_has(d, cps + i, len)) {
                    found = len;
                    break;
                }
        }
        if (found) {
            if (push_span(&s->dw, &s->ndw, &s->dw_cap, i, i + found) < 0)
                return -1;
            i += found;
        } else {
            i++;
        }
    }
    return 0;
}

zhs_status zhsi_segmenter_new(zhsi_segmenter **out, char **errmsg)
{
    UErrorCode err = U_ZERO_ERROR;
    zhsi_segmenter *s = calloc(1, sizeof *s);

    if (s == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    s->bi = ubrk_open(UBRK_WORD, "zh", NULL, 0, &err);
    if (U_FAILURE(err)) {
        free(s);
        return zhsi_fail(errmsg, ZHS_EINTERNAL,
                         "cannot open ICU word break iterator: %s",
                         u_errorName(err));
    }
    *out = s;
    return ZHS_OK;
}

void zhsi_segmenter_free(zhsi_segmenter *s)
{
    if (s == NULL)
        return;
    ubrk_close(s->bi);
    free(s->u16);
    free(s->cp_at);
    free(s->icu);
    free(s->dw);
    free(s);
}

static const UChar no_text[1] = {0};

static zhs_status icu_segment(zhsi_segmenter *s, const uint32_t *cps,
                              size_t n, zhsi_word_fn fn, void *arg,
                              char **errmsg)
{
    UErrorCode err = U_ZERO_ERROR;
    size_t i, need = 2 * n + 1;
    int32_t len = 0, start, end;

    if (n > (size_t)INT32_MAX / 2 - 1)
        return zhsi_fail(errmsg, ZHS_EUSAGE, "text too long to segment");
    if (need > s->cap) {
        UChar *u = realloc(s->u16, need * sizeof *u);
        uint32_t *m;
        if (u == NULL)
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        s->u16 = u;
        m = realloc(s->cp_at, need * sizeof *m);
        if (m == NULL)
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        s->cp_at = m;
        s->cap = need;
    }
    for (i = 0; i < n; i++) {
        s->cp_at[len] = (uint32_t)i;
        if (cps[i] > 0xFFFF)
            s->cp_at[len + 1] = (uint32_t)i;
        U16_APPEND_UNSAFE(s->u16, len, (UChar32)cps[i]);
    }
    s->cp_at[len] = (uint32_t)n;
    ubrk_setText(s->bi, s->u16, len, &err);
    if (U_FAILURE(err))
        return zhsi_fail(errmsg, ZHS_EINTERNAL, "ICU word break: %s",
                         u_errorName(err));
    start = ubrk_first(s->bi);
    for (end = ubrk_next(s->bi); end != UBRK_DONE;
         start = end, end = ubrk_next(s->bi)) {
        if (ubrk_getRuleStatus(s->bi) < UBRK_WORD_NONE_LIMIT)
            continue;                   /* spaces and punctuation */
        if (fn(s->cp_at[start], s->cp_at[end], arg))
            break;
    }
    /* Drop the iterator's pointer to our buffer, which may move. */
    ubrk_setText(s->bi, no_text, 0, &err);
    return ZHS_OK;
}

zhs_status zhsi_segment_icu(zhsi_segmenter *s, const uint32_t *cps, size_t n,
                            zhsi_word_fn fn, void *arg, char **errmsg)
{
    return icu_segment(s, cps, n, fn, arg, errmsg);
}

zhs_status zhsi_segment(zhsi_segmenter *s, const uint32_t *cps, size_t n,
                        zhsi_word_fn fn, void *arg, char **errmsg)
{
    size_t i, k, d = 0;
    zhs_status st;

    if (s->dict == NULL || s->dict->count == 0)
        return icu_segment(s, cps, n, fn, arg, errmsg);
    s->nicu = 0;
    if ((st = icu_segment(s, cps, n, collect_icu, s, errmsg)) != ZHS_OK)
        return st;
    if (find_dict_words(s, cps, n) < 0)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    /* Emit dictionary words and the parts of ICU words outside them, in
     * text order.  Both lists are sorted and each is free of overlaps. */
    for (i = 0; i < s->nicu; i++) {
        size_t a = s->icu[i][0], b = s->icu[i][1];
        for (k = a; k < b;) {
            size_t r0, r1;
            while (d < s->ndw && s->dw[d][1] <= k) {
                if (fn(s->dw[d][0], s->dw[d][1], arg))
                    return ZHS_OK;
                d++;
            }
            if (d < s->ndw && s->dw[d][0] <= k) {
                k = s->dw[d][1];        /* inside a dictionary word */
                continue;
            }
            r0 = k;
            r1 = d < s->ndw && s->dw[d][0] < b ? s->dw[d][0] : b;
            if (fn(r0, r1, arg))
                return ZHS_OK;
            k = r1;
        }
    }
    for (; d < s->ndw; d++)
        if (fn(s->dw[d][0], s->dw[d][1], arg))
            break;
    return ZHS_OK;
}
