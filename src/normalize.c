/* normalize.c: display text, normalized text, and the map between them.
 *
 * Documents and queries go through the same code (DESIGN.md, Chinese text
 * rule 2).  Layout repair decides what the reader sees; normalization
 * (NFKC + case folding + traditional-to-simplified, per code point)
 * decides what matches.  Because
 * normalization works one display code point at a time, every normalized
 * code point knows the display code point it came from, and a match found
 * in normalized text is highlighted on exactly the right display text.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "zhs-int.h"

int zhsi_is_cjk(uint32_t cp)
{
    if (cp < 0x2E80) {
        /* Punctuation that Chinese text uses between CJK characters. */
        return cp == 0x00B7 || (cp >= 0x2014 && cp <= 0x2026 && cp != 0x2017
                                && cp != 0x2023 && cp != 0x2024
                                && cp != 0x2025)
            || (cp >= 0x25A0 && cp <= 0x25FF);    /* ▲ ▶ □ markers */
    }
    return (cp <= 0x9FFF)                       /* radicals .. URO */
        || (cp >= 0xA000 && cp <= 0xA4CF)       /* Yi */
        || (cp >= 0xAC00 && cp <= 0xD7AF)       /* Hangul syllables */
        || (cp >= 0xF900 && cp <= 0xFAFF)       /* compatibility ideographs */
        || (cp >= 0xFE10 && cp <= 0xFE1F)       /* vertical forms */
        || (cp >= 0xFE30 && cp <= 0xFE6F)       /* compat & small forms */
        || (cp >= 0xFF00 && cp <= 0xFFEF        /* full- and half-width */
            && !(cp >= 0xFF10 && cp <= 0xFF19)  /* but not the Latin */
            && !(cp >= 0xFF21 && cp <= 0xFF3A)  /* letters and digits, */
            && !(cp >= 0xFF41 && cp <= 0xFF5A)) /* which fold to ASCII */
        || (cp >= 0x20000 && cp <= 0x3FFFF);    /* supplementary ideographs */
}

/* Cache of NFKC + case folding for the BMP, read and written atomically
 * so that threads share it without locks (at worst two threads compute one
 * entry).  0: not computed yet; FOLD_COMPLEX: the fold is not exactly one
 * code point; otherwise the result plus one. */
#define FOLD_COMPLEX 0xFFFFFFFFu
static uint32_t fold_cache[0x10000];

/* Traditional to simplified, from the table generated at build time
 * (tools/gen-t2s): a dense table for the BMP ideographs, filled once, and
 * a binary search of the pairs beyond them. */
#define T2S_LO 0x3400u
#define T2S_HI 0x9FFFu
static uint32_t t2s_dense[T2S_HI - T2S_LO + 1];
static pthread_once_t t2s_once = PTHREAD_ONCE_INIT;

static void t2s_init(void)
{
    size_t i;

    for (i = 0; i < zhsi_t2s_npairs; i++)
        if (zhsi_t2s_pairs[i][0] >= T2S_LO && zhsi_t2s_pairs[i][0] <= T2S_HI)
            t2s_dense[zhsi_t2s_pairs[i][0] - T2S_LO] = zhsi_t2s_pairs[i][1];
}

static uint32_t t2s_cp(uint32_t cp)
{
    size_t lo = 0, hi = zhsi_t2s_npairs;

    if (cp >= T2S_LO && cp <= T2S_HI)   /* zhsi_text_build filled it */
        return t2s_dense[cp - T2S_LO] ? t2s_dense[cp - T2S_LO] : cp;
    if (cp < 0xF900)
        return cp;                      /* no ideographs below */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (zhsi_t2s_pairs[mid][0] == cp)
            return zhsi_t2s_pairs[mid][1];
        if (zhsi_t2s_pairs[mid][0] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp;
}

static size_t fold_icu(uint32_t cp, uint32_t out[18])
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
    UChar src[2], dst[36];
    int32_t srclen = 0, dstlen, i = 0;
    size_t n = 0;

    if (U_FAILURE(err)) {
        out[0] = cp;
        return 1;
    }
    U16_APPEND_UNSAFE(src, srclen, (UChar32)cp);
    dstlen = unorm2_normalize(nfkc_cf, src, srclen, dst, 36, &err);
    if (U_FAILURE(err)) {
        out[0] = cp;
        return 1;
    }
    while (i < dstlen && n < 18) {
        UChar32 c;
        U16_NEXT(dst, i, dstlen, c);
        out[n++] = t2s_cp((uint32_t)c);
    }
    return n;
}

/* zhsi_fold_cp without the one-time table set-up (done by the callers). */
static size_t fold_one(uint32_t cp, uint32_t out[18])
{
    uint32_t v;
    size_t n;

    if (cp < 0x80) {
        out[0] = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        return 1;
    }
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)) {
        out[0] = t2s_cp(cp);            /* NFKC_CF leaves these alone */
        return 1;
    }
    if (cp >= 0x10000)
        return fold_icu(cp, out);
    v = __atomic_load_n(&fold_cache[cp], __ATOMIC_RELAXED);
    if (v != 0 && v != FOLD_COMPLEX) {
        out[0] = v - 1;
        return 1;
    }
    n = fold_icu(cp, out);
    if (v == 0)
        __atomic_store_n(&fold_cache[cp], n == 1 ? out[0] + 1 : FOLD_COMPLEX,
                         __ATOMIC_RELAXED);
    return n;
}

size_t zhsi_fold_cp(uint32_t cp, uint32_t out[18])
{
    pthread_once(&t2s_once, t2s_init);
    return fold_one(cp, out);
}

/* Lines doubled by PDF extraction: a line that reads XX, or ends in YY,
 * where the doubled unit is long enough not to be real repetition (哈哈).
 * The second copy is marked DROPPED in cps.  White space is ignored when
 * comparing.  Only lines of up to DOUBLE_MAX_LINE characters are examined,
 * which keeps the cost linear on hostile single-line input. */
#define DROPPED 0xFFFFFFFFu
#define DOUBLE_MAX_LINE 400
#define DOUBLE_MIN_WHOLE 3
#define DOUBLE_MIN_TAIL 6

static void drop_doubled_lines(uint32_t *cps, size_t n)
{
    size_t idx[DOUBLE_MAX_LINE];
    size_t ls = 0, le, m, len, k;

    while (ls < n) {
        for (le = ls; le < n && cps[le] != '\n'; le++)
            ;
        m = 0;
        for (k = ls; k < le; k++)
            if (!zhsi_is_space(cps[k])) {
                if (m == DOUBLE_MAX_LINE) {
                    m = 0;              /* too long to be a PDF line */
                    break;
                }
                idx[m++] = k;
            }
        for (len = m / 2; len >= DOUBLE_MIN_WHOLE; len--) {
            size_t a = m - 2 * len, i;
            if (2 * len != m && len < DOUBLE_MIN_TAIL)
                break;
            for (i = 0; i < len && cps[idx[a + i]] == cps[idx[a + len + i]];
                 i++)
                ;
            if (i == len) {
                for (k = idx[a + len]; k < le; k++)
                    cps[k] = DROPPED;
                break;
            }
        }
        ls = le + 1;
    }
}

/* Grows a pair of parallel arrays to hold at least `need` entries. */
static int grow2(uint32_t **a, uint32_t **b, size_t *cap, size_t need)
{
    size_t ncap = *cap;
    uint32_t *na, *nb;

    if (need <= *cap)
        return 0;
    while (ncap < need)
        ncap = ncap < 64 ? 64 : ncap * 2;
    na = realloc(*a, ncap * sizeof **a);
    if (na == NULL)
        return -1;
    *a = na;
    nb = realloc(*b, ncap * sizeof **b);
    if (nb == NULL)
        return -1;
    *b = nb;
    *cap = ncap;
    return 0;
}

/* Number of '#' heading marks at cps[i..) followed by a blank, or 0. */
static size_t heading_marks(const uint32_t *cps, size_t i, size_t n)
{
    size_t j = i;

    while (j < n && cps[j] == '#' && j - i < 7)
        j++;
    if (j - i >= 1 && j - i <= 6 && (j == n || cps[j] == ' '
                                     || cps[j] == '\t' || cps[j] == '\n'
                                     || cps[j] == '\r'))
        return j - i;
    return 0;
}

zhs_status zhsi_text_build(const char *utf8, size_t len, unsigned flags,
                           zhsi_text *t, char **errmsg)
{
    uint32_t *cps = NULL, fold[18];
    size_t n = 0, i, k, bad = 0, dcap = 0, ncap = 0;
    uint32_t line = 1, pending_line = 0;
    int at_bol = 1, pending_ws = 0, heading = 0;
    zhs_status st;

    memset(t, 0, sizeof *t);
    pthread_once(&t2s_once, t2s_init);
    st = zhsi_utf8_decode(utf8, len, &cps, &n, &bad);
    if (st == ZHS_EENCODING)
        return zhsi_fail(errmsg, st, "invalid UTF-8 at byte offset %zu", bad);
    if (st != ZHS_OK)
        return zhsi_fail(errmsg, st, "out of memory");

    if (flags & ZHSI_TEXT_DOC)
        drop_doubled_lines(cps, n);
    if (grow2(&t->disp, &t->disp_line, &dcap, n + 1) < 0
        || (t->disp_block_end = calloc(n + 1, 1)) == NULL)
        goto oom;
    for (i = 0; i < n; i++) {
        uint32_t c = cps[i];

        if (c == DROPPED)
            continue;

        if (c == '\n' || (c == '\r' && (i + 1 == n || cps[i + 1] != '\n'))) {
            if (heading && t->ndisp > 0)
                t->disp_block_end[t->ndisp - 1] = 1;    /* ends a passage */
            heading = 0;
            if (!pending_ws) {
                pending_ws = 1;
                pending_line = line;
            }
            line++;
            at_bol = 1;
            continue;
        }
        if (zhsi_is_space(c)) {
            if (!pending_ws) {
                pending_ws = 1;
                pending_line = line;
            }
            continue;
        }
        if (at_bol && c == '#' && (k = heading_marks(cps, i, n)) > 0) {
            i += k - 1;                 /* Markdown markup, not text */
            at_bol = 0;
            heading = 1;
            continue;
        }
        at_bol = 0;
        if (pending_ws) {
            /* A blank next to a CJK character is a layout artefact; one
             * between two other characters separates words. */
            if (t->ndisp > 0 && !zhsi_is_cjk(t->disp[t->ndisp - 1])
                && !zhsi_is_cjk(c)) {
                t->disp[t->ndisp] = ' ';
                t->disp_line[t->ndisp++] = pending_line;
            }
            pending_ws = 0;
        }
        t->disp[t->ndisp] = c;
        t->disp_line[t->ndisp++] = line;
    }
    free(cps);
    cps = NULL;

    if (grow2(&t->norm, &t->norm_map, &ncap, t->ndisp + 1) < 0)
        goto oom;
    for (i = 0; i < t->ndisp; i++) {
        size_t m = t->disp[i] == ' ' ? (fold[0] = ' ', 1)
                                     : fold_one(t->disp[i], fold);
        if (grow2(&t->norm, &t->norm_map, &ncap, t->nnorm + m + 1) < 0)
            goto oom;
        for (k = 0; k < m; k++) {
            /* A fold that yields white space (rare compatibility forms)
             * becomes a plain space, never two in a row. */
            uint32_t c = zhsi_is_space(fold[k]) ? ' ' : fold[k];
            if (c == ' ' && (t->nnorm == 0 || t->norm[t->nnorm - 1] == ' '))
                continue;
            t->norm[t->nnorm] = c;
            t->norm_map[t->nnorm++] = (uint32_t)i;
        }
    }
    return ZHS_OK;
oom:
    free(cps);
    zhsi_text_free(t);
    return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
}

void zhsi_text_free(zhsi_text *t)
{
    if (t == NULL)
        return;
    free(t->disp);
    free(t->disp_line);
    free(t->disp_block_end);
    free(t->norm);
    free(t->norm_map);
    memset(t, 0, sizeof *t);
}
