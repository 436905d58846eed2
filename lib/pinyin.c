/* pinyin.c: pinyin readings of the vocabulary, and matching what a user
 * types in pinyin against them.
 *
 * Readings come from the table tools/gen-pinyin writes at build time
 * (CC-CEDICT's word readings, ICU's Han-Latin for characters it lacks): a
 * word's own entry when it has one (银行 yin hang, 喀什 ka shi), else the
 * readings of the longest entries it is made of, a polyphonic character
 * under each of its readings (at most ZHSI_PY_MAX_READINGS combinations).
 *
 * The index keeps them, so that no search transliterates the corpus: at
 * each commit every word of the batch's vocabulary gets, for each
 * reading, two keys in Xapian's synonym table (unused otherwise), each a
 * whole record ending in the class of the word's document count:
 *
 *   "F" reading TAB word TAB class          Fyuan jiang\t援疆\t5
 *   "I" initials TAB reading TAB word TAB class  Iyj\tyuan jiang\t援疆\t5
 *
 * The class (count_class: the count up to 8, then a step each time it
 * grows by a fifth) ranks the keys of a range without another lookup;
 * the count itself, what the spelling table holds for the word, ranks
 * the best of them and is what a completion shows.  As batches add
 * documents, a word's keys are rewritten only when its class changes
 * (the keys of the old class removed, those of the new one added): a
 * batch of 200 documents onto a large index rewrites few of them.
 *
 * Matching.  The input is cut into pieces in every way it can be: a whole
 * syllable, an abbreviation (one initial letter, or zh/ch/sh), a Han
 * character (each of its readings, and the word must have that character
 * there), and at the end of the input any prefix of a syllable; spaces and
 * apostrophes end a piece.  A word matches a cut when its i-th syllable
 * is piece i (whole) or starts with it (abbreviation, last piece), and it
 * has at least as many syllables (exactly as many, with whole syllables
 * only, in ZHSI_PY_EXACT mode: what pinyin: searches).  Each cut is looked
 * up in the narrowest range of keys it allows: the F keys under its
 * leading whole syllables (yuan j...), or the I keys under its initials
 * (yj...) when it starts with an abbreviation; at most MAX_SCAN keys are
 * read per call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

#define MAX_WORD_CHARS 21u
#define MAX_KEY_BYTES 240u
#define MAX_UNITS 64u
#define MAX_PIECES 16u
#define MAX_CUTS 128u
#define MAX_SCAN 4000u
#define MAX_STEPS 20000u
#define MAX_SYL 8u
#define MAX_SYLS 24u

/* ---- the readings table ------------------------------------------ */

/* The readings ("a b|c d") of the entry for the len bytes at w, ending at
 * the newline; NULL if there is none. */
static const char *entry_find(const char *w, size_t len)
{
    size_t lo = 0, hi = zhsi_py_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *e = zhsi_py_data + zhsi_py_offsets[mid];
        size_t el = (size_t)(strchr(e, '\t') - e);
        int c = memcmp(w, e, len < el ? len : el);
        if (c == 0)
            c = len < el ? -1 : len > el ? 1 : 0;
        if (c == 0)
            return e + el + 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Splits readings "a b|c d\n" into out (at most max); returns how many. */
static int split_readings(const char *r, char out[][ZHSI_PY_READING_BYTES],
                          int max)
{
    int n = 0;

    while (*r && *r != '\n' && n < max) {
        size_t k = strcspn(r, "|\n");
        if (k < ZHSI_PY_READING_BYTES) {
            memcpy(out[n], r, k);
            out[n++][k] = '\0';
        }
        r += k;
        if (*r == '|')
            r++;
    }
    return n;
}

int zhsi_pinyin_readings(const char *word, size_t len,
                         char out[][ZHSI_PY_READING_BYTES], int max)
{
    size_t pos[MAX_WORD_CHARS + 1], nch = 0, i = 0, l;
    char alt[ZHSI_PY_MAX_READINGS][ZHSI_PY_READING_BYTES];
    char combo[ZHSI_PY_MAX_READINGS][ZHSI_PY_READING_BYTES];
    const char *r;
    int n = 0, na, a, c, nc;

    if (max > (int)ZHSI_PY_MAX_READINGS)
        max = ZHSI_PY_MAX_READINGS;
    if ((r = entry_find(word, len)) != NULL)
        return split_readings(r, out, max);
    while (i < len) {                   /* code point starts */
        if (nch == MAX_WORD_CHARS)
            return 0;
        pos[nch++] = i;
        i++;
        while (i < len && ((unsigned char)word[i] & 0xC0) == 0x80)
            i++;
    }
    pos[nch] = len;
    for (i = 0; i < nch; i += l) {
        /* the longest entry that starts here */
        for (l = nch - i < 8 ? nch - i : 8; l > 0; l--)
            if ((r = entry_find(word + pos[i], pos[i + l] - pos[i])) != NULL)
                break;
        if (l == 0)
            return 0;                   /* a character without a reading */
        na = split_readings(r, alt, ZHSI_PY_MAX_READINGS);
        if (na == 0)
            return 0;
        if (n == 0) {
            for (a = 0; a < na && a < max; a++)
                strcpy(combo[a], alt[a]);
            n = a;
            continue;
        }
        /* every reading so far with every alternative, the first ones
         * first */
        nc = 0;
        for (c = 0; c < n && nc < max; c++)
            for (a = 0; a < na && nc < max; a++) {
                if (strlen(combo[c]) + strlen(alt[a]) + 2
                    > ZHSI_PY_READING_BYTES)
                    return 0;
            {
                size_t cl = strlen(combo[c]);
                memcpy(out[nc], combo[c], cl);
                out[nc][cl] = ' ';
                strcpy(out[nc] + cl + 1, alt[a]);
                nc++;
            }
            }
        for (c = 0; c < nc; c++)
            strcpy(combo[c], out[c]);
        n = nc;
    }
    for (c = 0; c < n; c++)
        strcpy(out[c], combo[c]);
    return n;
}

const char *zhs_pinyin_source(void)
{
    return zhsi_py_source;
}

/* ---- keys ---------------------------------------------------------- */

static size_t make_key(char *buf, int initials, const char *reading,
                       const char *word, size_t len, unsigned cls)
{
    size_t n = 0;
    const char *p;
    int m;

    if (initials) {
        buf[n++] = 'I';
        for (p = reading; *p; p++)
            if (p == reading || p[-1] == ' ')
                buf[n++] = *p;
        buf[n++] = '\t';
    } else {
        buf[n++] = 'F';
    }
    m = snprintf(buf + n, MAX_KEY_BYTES + 64 - n, "%s\t%.*s\t%u", reading,
                 (int)len, word, cls);
    if (m < 0 || n + (size_t)m > MAX_KEY_BYTES)
        return 0;
    return n + (size_t)m;
}

/* The class of a document count: itself up to 8, then four steps for
 * each doubling. */
static unsigned count_class(unsigned c)
{
    unsigned k = 8;
    double v = 8.0;

    if (c <= 8)
        return c;
    while (v * 1.189207115 <= (double)c && k < 1000) {
        v *= 1.189207115;               /* 2^(1/4) */
        k++;
    }
    return k;
}

zhs_status zhsi_pinyin_index_word(zhsi_xwdb *x, const char *word, size_t len,
                                  unsigned old, unsigned add, char **errmsg)
{
    char r[ZHSI_PY_MAX_READINGS][ZHSI_PY_READING_BYTES];
    char key[MAX_KEY_BYTES + 64];
    int nr, i, kind;
    size_t kl;
    zhs_status st = ZHS_OK;

    if (len == 0 || !ZHSI_PY_CANDIDATE(word))
        return ZHS_OK;                  /* Latin words have no reading */
    if (old > 0 && count_class(old) == count_class(old + add))
        return ZHS_OK;                  /* its keys stay as they are */
    if ((nr = zhsi_pinyin_readings(word, len, r, ZHSI_PY_MAX_READINGS)) == 0)
        return ZHS_OK;
    for (i = 0; i < nr; i++)
        for (kind = 0; kind < 2; kind++) {
            if (old > 0 && (kl = make_key(key, kind, r[i], word, len,
                                          count_class(old)))
                && (st = zhsi_xwdb_pinyin_key(x, key, kl, 0, errmsg))
                   != ZHS_OK)
                return st;
            if ((kl = make_key(key, kind, r[i], word, len,
                               count_class(old + add)))
                && (st = zhsi_xwdb_pinyin_key(x, key, kl, 1, errmsg))
                   != ZHS_OK)
                return st;
        }
    return ZHS_OK;
}

/* ---- cutting the input ------------------------------------------- */

struct piece {
    char s[MAX_SYL + 1]; /* letters */
    int whole;           /* a whole syllable (else: what it starts with) */
    uint32_t han;        /* the word's character here, or 0 */
};

struct cut {
    struct piece p[MAX_PIECES];
    size_t k;
};

struct unit {
    uint32_t cp;         /* a letter a-z, a Han character, or 0: a break */
    int han;
};

struct cutter {
    const struct unit *u;
    size_t n;
    int mode;
    struct cut cur;
    struct cut *cuts;    /* MAX_CUTS */
    size_t ncuts;
    size_t steps;        /* pieces tried, at most MAX_STEPS */
    unsigned char need[MAX_UNITS + 1]; /* fewest pieces the rest from here
                                          can be cut into (NEVER: none) */
};

/* Where s (len letters) would go among the sorted syllables. */
static size_t syl_lower(const char *s, size_t len)
{
    size_t lo = 0, hi = zhsi_py_nsyllables;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *y = zhsi_py_syllables[mid];
        size_t yl = strlen(y);
        int c = memcmp(y, s, yl < len ? yl : len);
        if (c == 0)
            c = yl < len ? -1 : yl > len ? 1 : 0;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int is_syllable(const char *s, size_t len)
{
    size_t i = syl_lower(s, len);
    return i < zhsi_py_nsyllables && strlen(zhsi_py_syllables[i]) == len
        && memcmp(zhsi_py_syllables[i], s, len) == 0;
}

static int starts_syllable(const char *s, size_t len)
{
    size_t i = syl_lower(s, len);
    return i < zhsi_py_nsyllables && strncmp(zhsi_py_syllables[i], s, len)
        == 0;
}

/* An initial a user may type for a syllable: one letter that starts one,
 * or zh, ch, sh. */
static int is_initial(const char *s, size_t len)
{
    if (len == 2)
        return s[1] == 'h' && (s[0] == 'z' || s[0] == 'c' || s[0] == 's');
    return len == 1 && starts_syllable(s, 1);
}

static void cut_from(struct cutter *c, size_t i);

static void with_piece(struct cutter *c, size_t next, const char *s,
                       size_t len, int whole, uint32_t han)
{
    struct piece *p;

    if (c->cur.k == MAX_PIECES || c->ncuts == MAX_CUTS || len > MAX_SYL
        || ++c->steps > MAX_STEPS)
        return;
    p = &c->cur.p[c->cur.k++];
    memcpy(p->s, s, len);
    p->s[len] = '\0';
    p->whole = whole;
    p->han = han;
    cut_from(c, next);
    c->cur.k--;
}

/* How the l letters at c->u[i] can be a piece: 0 (not), 1 (the start
 * of a syllable, ending the input), 2 (an initial), 3 (a syllable). */
static int piece_kind(const struct cutter *c, const char *s, size_t i,
                      size_t l)
{
    if (c->mode == ZHSI_PY_COMPLETE && i + l == c->n)
        return starts_syllable(s, l) ? 1 : 0;
    if (c->mode == ZHSI_PY_COMPLETE && is_initial(s, l))
        return 2;
    return is_syllable(s, l) ? 3 : 0;
}

/* The letters of the run at c->u[i] (at most MAX_SYL) in s; their
 * number. */
static size_t run_at(const struct cutter *c, size_t i, char *s)
{
    size_t m = 0;
    while (i + m < c->n && m < MAX_SYL && c->u[i + m].cp != 0
           && !c->u[i + m].han) {
        s[m] = (char)c->u[i + m].cp;
        m++;
    }
    return m;
}

#define NEVER 255

/* c->need[i]: the fewest pieces the units from i on can be cut into
 * (worked out from the end), so that the search below follows no dead
 * end and no cut of more than MAX_PIECES pieces. */
static void plan(struct cutter *c)
{
    char s[MAX_SYL + 1];
    size_t i = c->n, m, l;

    c->need[c->n] = 0;
    while (i-- > 0) {
        c->need[i] = NEVER;
        if (c->u[i].cp == 0) {
            c->need[i] = c->need[i + 1];
            continue;
        }
        if (c->u[i].han) {
            if (c->need[i + 1] < NEVER - 1)
                c->need[i] = (unsigned char)(c->need[i + 1] + 1);
            continue;
        }
        m = run_at(c, i, s);
        for (l = 1; l <= m; l++)
            if (piece_kind(c, s, i, l) && c->need[i + l] + 1 < c->need[i])
                c->need[i] = (unsigned char)(c->need[i + l] + 1);
    }
}

/* Whether a cut with k pieces so far can still be finished from i. */
static int can_finish(const struct cutter *c, size_t k, size_t i)
{
    return c->need[i] != NEVER && k + c->need[i] <= MAX_PIECES;
}

static void cut_from(struct cutter *c, size_t i)
{
    char s[MAX_SYL + 1];
    size_t m, l;
    int kind;

    while (i < c->n && c->u[i].cp == 0)
        i++;                            /* breaks between pieces */
    if (i == c->n) {
        if (c->cur.k > 0 && c->ncuts < MAX_CUTS)
            c->cuts[c->ncuts++] = c->cur;
        return;
    }
    if (!can_finish(c, c->cur.k, i))
        return;
    if (c->u[i].han) {
        char r[ZHSI_PY_MAX_READINGS][ZHSI_PY_READING_BYTES], w[4];
        size_t wl = zhsi_utf8_put(w, c->u[i].cp);
        int nr = zhsi_pinyin_readings(w, wl, r, ZHSI_PY_MAX_READINGS), k;
        for (k = 0; k < nr; k++)
            if (strchr(r[k], ' ') == NULL)
                with_piece(c, i + 1, r[k], strlen(r[k]), 1, c->u[i].cp);
        return;
    }
    m = run_at(c, i, s);
    for (l = 1; l <= m; l++)
        if ((kind = piece_kind(c, s, i, l)) != 0
            && can_finish(c, c->cur.k + 1, i + l))
            with_piece(c, i + l, s, l, kind == 3, 0);
}

/* The narrowest key range holding every word cut c can match, in buf. */
static void range_of(const struct cut *c, int mode, char *buf, size_t cap)
{
    size_t j = 0, n = 0, i;

    while (j < c->k && c->p[j].whole)
        j++;
    if (j == 0 && c->k > 1) {
        buf[n++] = 'I';
        for (i = 0; i < c->k && n + 2 < cap; i++)
            buf[n++] = c->p[i].s[0];
        buf[n] = '\0';
        return;
    }
    buf[n++] = 'F';
    buf[n] = '\0';
    for (i = 0; i < c->k && i <= j; i++) {
        snprintf(buf + n, cap - n, "%s%s", i ? " " : "", c->p[i].s);
        n = strlen(buf);
    }
    if (j == c->k && mode == ZHSI_PY_EXACT && n + 1 < cap) {
        buf[n++] = '\t';
        buf[n] = '\0';
    }
}

/* ---- matching keys ------------------------------------------------- */

struct scan {
    const struct cut *cuts;
    size_t ncuts;
    int mode;
    zhsi_py_match *m;
    size_t n, cap;
    size_t budget;       /* keys still to read */
    int oom;
};

static int cut_matches(const struct cut *c, int mode, char syl[][MAX_SYL + 1],
                       size_t nsyl, const uint32_t *wcp, size_t nw)
{
    size_t i;

    if (nsyl < c->k || (mode == ZHSI_PY_EXACT && nsyl != c->k))
        return 0;
    for (i = 0; i < c->k; i++) {
        const struct piece *p = &c->p[i];
        if (p->whole ? strcmp(syl[i], p->s) != 0
                     : strncmp(syl[i], p->s, strlen(p->s)) != 0)
            return 0;
        if (p->han && (i >= nw || wcp[i] != p->han))
            return 0;
    }
    return 1;
}

static int take_key(const char *key, size_t len, unsigned tf, void *arg)
{
    struct scan *s = arg;
    char rec[MAX_KEY_BYTES + 1], *f[4], *p;
    char syl[MAX_SYLS][MAX_SYL + 1];
    uint32_t wcp[MAX_SYLS];
    size_t nf = 0, nsyl = 0, nw = 0, i, wl;
    const char *reading, *word;
    unsigned long docs;

    (void)tf;
    if (s->budget == 0)
        return 1;
    s->budget--;
    if (len > MAX_KEY_BYTES || len < 2)
        return 0;
    memcpy(rec, key + 1, len - 1);
    rec[len - 1] = '\0';
    for (p = rec; nf < 4; nf++) {
        f[nf] = p;
        if ((p = strchr(p, '\t')) == NULL) {
            nf++;
            break;
        }
        *p++ = '\0';
    }
    if (nf != (key[0] == 'I' ? 4u : 3u))
        return 0;                       /* not a key of ours */
    reading = f[key[0] == 'I'];
    word = f[nf - 2];
    docs = strtoul(f[nf - 1], NULL, 10);
    if (docs == 0)
        return 0;
    for (p = (char *)reading; *p && nsyl < MAX_SYLS; nsyl++) {
        size_t k = strcspn(p, " ");
        if (k > MAX_SYL)
            return 0;
        memcpy(syl[nsyl], p, k);
        syl[nsyl][k] = '\0';
        p += k;
        if (*p == ' ')
            p++;
    }
    wl = strlen(word);
    for (i = 0; i < wl && nw < MAX_SYLS;) {   /* the word's characters */
        uint32_t c = (unsigned char)word[i];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4, b;
        c &= k == 1 ? 0x7F : k == 2 ? 0x1F : k == 3 ? 0x0F : 0x07;
        for (b = 1; b < k && i + b < wl; b++)
            c = (c << 6) | ((unsigned char)word[i + b] & 0x3F);
        wcp[nw++] = c;
        i += k;
    }
    for (i = 0; i < s->ncuts; i++)
        if (cut_matches(&s->cuts[i], s->mode, syl, nsyl, wcp, nw))
            break;
    if (i == s->ncuts)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        zhsi_py_match *m = realloc(s->m, cap * sizeof *m);
        if (m == NULL) {
            s->oom = 1;
            return 1;
        }
        s->m = m;
        s->cap = cap;
    }
    s->m[s->n].word = strdup(word);
    s->m[s->n].reading = strdup(reading);
    s->m[s->n].docs = docs > 0xFFFFFFFFul ? 0xFFFFFFFFu : (unsigned)docs;
    if (s->m[s->n].word == NULL || s->m[s->n].reading == NULL) {
        free(s->m[s->n].word);
        free(s->m[s->n].reading);
        s->oom = 1;
        return 1;
    }
    s->n++;
    return 0;
}

static int by_word_docs(const void *a, const void *b)
{
    const zhsi_py_match *x = a, *y = b;
    int c = strcmp(x->word, y->word);
    if (c)
        return c;
    return x->docs > y->docs ? -1 : x->docs < y->docs;
}

static int by_rank(const void *a, const void *b)
{
    const zhsi_py_match *x = a, *y = b;
    size_t xl = strlen(x->word), yl = strlen(y->word);
    if (x->docs != y->docs)
        return x->docs > y->docs ? -1 : 1;
    if (xl != yl)
        return xl < yl ? -1 : 1;
    return strcmp(x->word, y->word);
}

static int by_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

#define RANGE_BYTES 160

zhs_status zhsi_pinyin_match(zhsi_xdb *db, const uint32_t *input, size_t n,
                             int mode, size_t max, zhsi_py_match **out,
                             size_t *nout, char **errmsg)
{
    struct unit u[MAX_UNITS];
    struct cutter c = {0};
    struct scan s = {0};
    char (*ranges)[RANGE_BYTES] = NULL;
    size_t nu = 0, i, j, nr = 0, letters = 0, top;
    zhs_status st = ZHS_OK;

    *out = NULL;
    *nout = 0;
    for (i = 0; i < n; i++) {
        uint32_t cp = input[i];
        char w[4];
        if (nu == MAX_UNITS)
            return ZHS_OK;              /* too long to be a word */
        if (cp >= 'a' && cp <= 'z') {
            u[nu++] = (struct unit){cp, 0};
            letters++;
        } else if (cp == '\'' || cp == 0x2019 || zhsi_is_space(cp)) {
            if (nu > 0 && u[nu - 1].cp != 0)
                u[nu++] = (struct unit){0, 0};
        } else if (cp >= 0x2E80
                   && entry_find(w, zhsi_utf8_put(w, cp)) != NULL) {
            u[nu++] = (struct unit){cp, 1};
        } else {
            return ZHS_OK;              /* not pinyin */
        }
    }
    while (nu > 0 && u[nu - 1].cp == 0)
        nu--;
    if (letters == 0 || max == 0)
        return ZHS_OK;
    c.u = u;
    c.n = nu;
    c.mode = mode;
    if ((c.cuts = malloc(MAX_CUTS * sizeof *c.cuts)) == NULL
        || (ranges = malloc(MAX_CUTS * sizeof *ranges)) == NULL) {
        free(c.cuts);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    plan(&c);
    cut_from(&c, 0);
    for (i = 0; i < c.ncuts; i++)
        range_of(&c.cuts[i], mode, ranges[nr++], RANGE_BYTES);
    /* each range once, and none inside another */
    qsort(ranges, nr, sizeof *ranges, by_str);
    for (i = 0, j = 0; i < nr; i++)
        if (j == 0 || strncmp(ranges[i], ranges[j - 1],
                              strlen(ranges[j - 1])) != 0)
            memmove(ranges[j++], ranges[i], RANGE_BYTES);
    nr = j;
    s.cuts = c.cuts;
    s.ncuts = c.ncuts;
    s.mode = mode;
    s.budget = MAX_SCAN;
    for (i = 0; i < nr && st == ZHS_OK && s.budget > 0 && !s.oom; i++)
        st = zhsi_xdb_pinyin_keys(db, ranges[i], s.budget, take_key, &s,
                                  errmsg);
    if (st == ZHS_OK && s.oom)
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    free(c.cuts);
    free(ranges);
    if (st != ZHS_OK) {
        zhsi_py_matches_free(s.m, s.n);
        return st;
    }
    /* one per word (its highest class) */
    if (s.n > 1) {
        qsort(s.m, s.n, sizeof *s.m, by_word_docs);
        for (i = 1, j = 1; i < s.n; i++) {
            if (strcmp(s.m[i].word, s.m[j - 1].word) == 0) {
                free(s.m[i].word);
                free(s.m[i].reading);
            } else {
                s.m[j++] = s.m[i];
            }
        }
        s.n = j;
    }
    /* the best by class; of those, by the vocabulary's own counts (a
     * sharded index's summed) */
    if (s.n > 1)
        qsort(s.m, s.n, sizeof *s.m, by_rank);
    top = s.n < 4 * max + 8 ? s.n : 4 * max + 8;
    for (i = top; i < s.n; i++) {
        free(s.m[i].word);
        free(s.m[i].reading);
    }
    s.n = top;
    if (s.n > 0) {
        const char **w = malloc(s.n * sizeof *w);
        unsigned *f = malloc(s.n * sizeof *f);
        if (w == NULL || f == NULL)
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        qsort(s.m, s.n, sizeof *s.m, by_word_docs);
        for (i = 0; st == ZHS_OK && i < s.n; i++)
            w[i] = s.m[i].word;
        if (st == ZHS_OK)
            st = zhsi_xdb_spelling_freqs(db, w, s.n, f, errmsg);
        for (i = 0; st == ZHS_OK && i < s.n; i++)
            s.m[i].docs = f[i];
        free(w);
        free(f);
        if (st != ZHS_OK) {
            zhsi_py_matches_free(s.m, s.n);
            return st;
        }
    }
    if (s.n > 1)
        qsort(s.m, s.n, sizeof *s.m, by_rank);
    for (i = max; i < s.n; i++) {
        free(s.m[i].word);
        free(s.m[i].reading);
    }
    *out = s.m;
    *nout = s.n < max ? s.n : max;
    return ZHS_OK;
}

void zhsi_py_matches_free(zhsi_py_match *m, size_t n)
{
    size_t i;

    for (i = 0; m != NULL && i < n; i++) {
        free(m[i].word);
        free(m[i].reading);
    }
    free(m);
}

zhs_status zhsi_pinyin_resolve(void *db, const uint32_t *cps, size_t n,
                               char ***words, size_t *nwords, char **errmsg)
{
    zhsi_py_match *m = NULL;
    size_t nm = 0, i;
    zhs_status st;

    *words = NULL;
    *nwords = 0;
    st = zhsi_pinyin_match(zhsi_db_xdb(db), cps, n, ZHSI_PY_EXACT,
                           ZHSI_PY_MAX_WORDS, &m, &nm, errmsg);
    if (st != ZHS_OK)
        return st;
    if (nm > 0 && (*words = calloc(nm, sizeof **words)) == NULL) {
        zhsi_py_matches_free(m, nm);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    for (i = 0; i < nm; i++) {          /* the words change hands */
        (*words)[i] = m[i].word;
        m[i].word = NULL;
    }
    *nwords = nm;
    zhsi_py_matches_free(m, nm);
    return ZHS_OK;
}
