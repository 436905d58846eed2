/* normalize.c: display text, normalized text, and the map between them.
 *
 * Documents and queries go through the same code (doc/DESIGN.md, Chinese text
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

/* ---- layout repair for display -------------------------------------
 *
 * The display form keeps the document's lines and spaces unless they are
 * shown to be extraction artefacts.  Each line is measured first; then the
 * break after each non-blank line is kept (shown as " ⏎ ") or removed:
 *  - kept after a heading, a line ending in a Markdown hard break (two
 *    spaces), the first line (a plain text's title), and before a heading,
 *    a list item or option ("- ", "-l", "1.", "（一）", "▲", "第 5 章"),
 *    a more indented line (a less indented one follows only a paragraph's
 *    indented first line), around a table line (box drawing, columns
 *    aligned with blanks), or at a blank line (in a text that puts a blank
 *    line after every line, at two of them);
 *  - removed inside a hard-wrapped paragraph: nearby lines end near one
 *    width W (wrap_width), the next line's first word would not have
 *    fitted on the line, neither line is much longer than W, and the line
 *    does not end a sentence (it may when blank lines separate the
 *    paragraphs and it ends in CJK);
 *  - removed where a long line of prose stops in the middle of a sentence,
 *    between two Han characters, and the next line goes on with prose
 *    (医保二维码支 / 付等服务).
 * A removed break between two Latin words becomes a space, elsewhere
 * nothing.  Inline white space stays one space, except between two CJK
 * characters, where it goes when either neighbour stands alone (letter
 * spacing: 门 诊 总 量), is punctuation, or the line is prose (has
 * ，。、；： and the like: PDF columns joined with spaces, 扎 下根);
 * between names in a byline (通讯员 叶锡挺) or headline phrases it stays.
 * Matching ignores all of this: the normalized form is built from the
 * match view, which drops every white space run next to a CJK character
 * and turns the others into one space, exactly as before. */

struct lay_line {        /* 36 bytes: one per line of a text shown */
    uint32_t start, end; /* cps[start, end): the line without its break */
    uint32_t fv, lv;     /* first and last visible cp; fv == end: blank */
    unsigned indent;     /* columns of leading white space */
    unsigned endcol;     /* column just after the last visible cp */
    unsigned firstw;     /* columns of the first word */
    unsigned nblank;     /* blank lines before the next non-blank line */
    unsigned char heading; /* a Markdown heading (indented less than 4) */
    unsigned char item;  /* starts like a list item, option or chapter */
    unsigned char hard;  /* ends in two spaces: a Markdown hard break */
    unsigned char sent;  /* ends a sentence (。！？. …, closers skipped) */
    unsigned char prose; /* has clause punctuation (，。、；：！？) */
    unsigned char punct; /* has punctuation of prose, also Latin ", " */
    unsigned char table; /* box drawing, or columns aligned with blanks */
    unsigned char keep;  /* the break after it is shown */
};

#define WRAP_MIN 20u             /* columns, for a line ending wide */
#define WRAP_MIN_LATIN 50u       /* for one ending in a Latin word */
#define WRAP_MAX 200u
#define PROSE_MIN 40u
#define WRAP_WINDOW 3u

static int is_han(uint32_t c)
{
    return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF)
        || (c >= 0x20000 && c <= 0x3FFFF);
}

/* Han, kana and Hangul: CJK characters that are letters. */
static int is_cjk_letter(uint32_t c)
{
    return is_han(c) || (c >= 0x3041 && c <= 0x30FA)
        || (c >= 0xAC00 && c <= 0xD7AF);
}

/* Terminal columns, close enough for measuring lines (no ICU lookup). */
static unsigned cols(uint32_t c)
{
    if (c < 0x1100)
        return 1;
    if ((c >= 0x2018 && c <= 0x201F) || c == 0x2014 || c == 0x2026)
        return 2;                       /* ambiguous, wide in CJK text */
    return (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3)
        || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F)
        || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6)
        || (c >= 0x20000 && c <= 0x3FFFD) ? 2 : 1;
}

static int is_visible(uint32_t c)
{
    return c != DROPPED && !zhsi_is_space(c);
}

/* Punctuation that closes (a line may end on it after a sentence end). */
static int is_close_punct(uint32_t c)
{
    return c == 0x201D || c == 0x2019 || c == 0x300D || c == 0x300F
        || c == 0xFF09 || c == 0x3011 || c == 0x300B || c == ')'
        || c == '"' || c == '\'';
}

/* Punctuation that may not start a line (kinsoku): it belongs to the
 * word before it. */
static int is_nostart_punct(uint32_t c)
{
    return is_close_punct(c) || c == 0xFF0C || c == 0x3002 || c == 0x3001
        || c == 0xFF1B || c == 0xFF1A || c == 0xFF01 || c == 0xFF1F
        || c == 0x2026;
}

static int is_sent_end(uint32_t c)
{
    return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF1B
        || c == 0xFF1A || c == 0x2026 || c == 0xFF61 || c == '.'
        || c == '!' || c == '?' || c == ';' || c == ':';
}

static int is_clause_punct(uint32_t c)
{
    return c == 0xFF0C || c == 0x3002 || c == 0x3001 || c == 0xFF1B
        || c == 0xFF1A || c == 0xFF01 || c == 0xFF1F;
}

static int is_cjk_numeral(uint32_t c)
{
    static const uint32_t nums[] = {0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94,
                                    0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341,
                                    0x96F6, 0x767E};
    size_t i;

    for (i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (c == nums[i])
            return 1;
    return 0;
}

/* Whether cps[i..e) starts like a list item, an option or a chapter
 * heading: "- x", "-l", "1.", "2)", "3、", "(1)", "（一）", "一、", a
 * marker such as ▲ □ •, "第 5 章". */
static int starts_item(const uint32_t *cps, size_t i, size_t e)
{
    uint32_t c = cps[i], d = i + 1 < e ? cps[i + 1] : ' ';
    size_t j = i;

    if ((c == '-' || c == '*' || c == '+') && (zhsi_is_space(d)
                                               || (c == '-' && (d == '-'
                                               || zhsi_is_alnum(d)))))
        return 1;
    if (c == 0x2022 || c == 0x30FB || (c >= 0x25A0 && c <= 0x25FF)
        || c == 0x2605 || c == 0x2606)
        return 1;
    if (c >= '0' && c <= '9') {
        while (j < e && j - i < 3 && cps[j] >= '0' && cps[j] <= '9')
            j++;
        if (j + 1 < e && cps[j] == ' ' && cps[j + 1] == ' ')
            return 1;                   /* a numbered listing line */
        return j < e && (cps[j] == '.' || cps[j] == ')' || cps[j] == 0x3001
                         || cps[j] == 0xFF0E || cps[j] == 0xFF09)
            && (j + 1 == e || !(cps[j + 1] >= '0' && cps[j + 1] <= '9'));
    }
    if (c == '(' || c == 0xFF08) {
        for (j = i + 1; j < e && j - i <= 3 && ((cps[j] >= '0'
                                                 && cps[j] <= '9')
                                                || is_cjk_numeral(cps[j]));
             j++)
            ;
        return j > i + 1 && j < e && (cps[j] == ')' || cps[j] == 0xFF09);
    }
    if (is_cjk_numeral(c)) {
        while (j < e && j - i < 3 && is_cjk_numeral(cps[j]))
            j++;
        return j < e && cps[j] == 0x3001;
    }
    if (c == 0x7B2C) {                  /* 第 5 章, 第三节 */
        for (j = i + 1; j < e && cps[j] == ' '; j++)
            ;
        if (j == e || !((cps[j] >= '0' && cps[j] <= '9')
                        || is_cjk_numeral(cps[j])))
            return 0;
        while (j < e && j - i < 8 && ((cps[j] >= '0' && cps[j] <= '9')
                                      || is_cjk_numeral(cps[j])))
            j++;
        while (j < e && cps[j] == ' ')
            j++;
        return j < e && (cps[j] == 0x7AE0 || cps[j] == 0x8282
                         || cps[j] == 0x7BC7 || cps[j] == 0x90E8
                         || cps[j] == 0x56DE || cps[j] == 0x6761);
    }
    return 0;
}

/* Measures one line: its visible extent, indentation, width and shape. */
static void measure_line(const uint32_t *cps, size_t n, struct lay_line *l)
{
    size_t i;
    unsigned col = 0, w = 0;
    uint32_t last = 0;

    l->fv = l->lv = l->end;
    for (i = l->start; i < l->end; i++) {
        uint32_t c = cps[i];
        if (c == DROPPED)
            continue;
        if (zhsi_is_space(c)) {
            col = c == '\t' ? (col / 8 + 1) * 8 : col + (c == 0x3000 ? 2 : 1);
            continue;
        }
        if (l->fv == l->end) {
            l->fv = i;
            l->indent = col;
        }
        col += cols(c);
        l->lv = i;
        l->endcol = col;
        if (is_clause_punct(c)
            || ((c == ',' || c == ';') && zhsi_is_cjk(last)))
            l->prose = 1;
        if (l->prose || ((c == ',' || c == '.' || c == ';') && i + 1 < l->end
                         && cps[i + 1] == ' '))
            l->punct = 1;
        if ((c >= 0x2500 && c <= 0x257F) || (i >= 3 && cps[i - 1] == ' '
                                             && cps[i - 2] == ' '
                                             && cps[i - 3] == ' '
                                             && l->fv + 3 <= i - 3)
            || (c != '\t' && i > l->fv && cps[i - 1] == '\t'))
            l->table = 1;               /* box drawing, aligned columns */
        last = c;
    }
    if (l->fv == l->end)
        return;
    l->heading = l->indent < 4 && heading_marks(cps, l->fv, n) > 0;
    l->item = starts_item(cps, l->fv, l->end);
    l->hard = l->end - l->lv > 2 && cps[l->end - 1] == ' '
        && cps[l->end - 2] == ' ';
    for (i = l->lv; i > l->fv && is_close_punct(cps[i]); i--)
        ;
    l->sent = is_sent_end(cps[i]);
    /* the first word: a wide character with the punctuation that cannot
     * start a line after it, or a run of other visible characters */
    i = l->fv;
    if (cols(cps[i]) == 2) {
        w = 2;
        for (i++; i < l->end && is_nostart_punct(cps[i]); i++)
            w += cols(cps[i]);
    } else {
        for (; i < l->end && is_visible(cps[i]) && cols(cps[i]) == 1
             && w < 60; i++)
            w++;
    }
    l->firstw = w;
}

/* Whether the line at vis[p] is part of hard-wrapped text, and the wrap
 * width W of its neighbourhood: the second widest of the nearby lines (3 on each
 * side) that are not much wider than it, with at least three lines (it
 * included) ending near W, some punctuation among them, one of them
 * ending inside a clause (verse lines all end on punctuation), and W between
 * WRAP_MIN (WRAP_MIN_LATIN when the line ends in a narrow character: short
 * Latin lines are option lists and code, not wrapped prose) and
 * WRAP_MAX.  Looking at neighbours, not the whole text, lets
 * one page hold columns of different widths (newspaper PDFs do). */
static int wrap_width(const uint32_t *cps, const struct lay_line *ls,
                      const size_t *vis, size_t nvis, size_t p, unsigned *W)
{
    const struct lay_line *a = &ls[vis[p]];
    size_t lo = p > WRAP_WINDOW ? p - WRAP_WINDOW : 0;
    size_t hi = p + WRAP_WINDOW < nvis ? p + WRAP_WINDOW + 1 : nvis, q;
    unsigned w = 0, tolw = cols(cps[a->lv]) == 2 ? 4 : 12, support = 0;
    int punct = 0, open = 0;

    unsigned w1 = 0;

    for (q = lo; q < hi; q++) {         /* the second widest: one odd */
        const struct lay_line *l = &ls[vis[q]];   /* line is no measure */
        if (l->heading || l->endcol > a->endcol + 6)
            continue;
        if (l->endcol > w1) {
            w = w1;
            w1 = l->endcol;
        } else if (l->endcol > w) {
            w = l->endcol;
        }
    }
    if (w < (tolw == 4 ? WRAP_MIN : WRAP_MIN_LATIN) || w > WRAP_MAX)
        return 0;
    for (q = lo; q < hi; q++) {
        const struct lay_line *l = &ls[vis[q]];
        if (!l->heading && l->endcol <= w + 2 && l->endcol + tolw >= w) {
            support++;
            punct |= l->punct;
            open |= !is_nostart_punct(cps[l->lv]) && !is_sent_end(cps[l->lv]);
        }
    }
    *W = w;
    return support >= 3 && punct && open;
}

/* Decides which line breaks the display keeps (the keep flags). */
static zhs_status decide_breaks(const uint32_t *cps, struct lay_line *ls,
                                size_t nl)
{
    size_t i, p, nvis = 0, prev = (size_t)-1, trans[3] = {0, 0, 0};
    size_t *vis = malloc((nl + 1) * sizeof *vis);
    int dbl, para_blank;

    if (vis == NULL)
        return ZHS_ENOMEM;
    for (i = 0; i < nl; i++) {
        if (ls[i].fv == ls[i].end) {
            if (prev != (size_t)-1)
                ls[prev].nblank++;
            continue;
        }
        if (prev != (size_t)-1)
            trans[ls[prev].nblank > 2 ? 2 : ls[prev].nblank]++;
        vis[nvis++] = i;
        prev = i;
    }
    /* A text with a blank line after (nearly) every line: one blank line
     * is an ordinary line break there. */
    dbl = trans[1] >= 3
        && trans[1] * 5 >= (trans[0] + trans[1] + trans[2]) * 4;
    para_blank = !dbl && trans[1] + trans[2] >= 2;
    for (p = 0; p < nvis; p++) {
        struct lay_line *a = &ls[vis[p]], *b;
        unsigned blank, W;
        int latin;

        a->keep = 1;
        if (p + 1 == nvis)
            break;
        b = &ls[vis[p + 1]];
        blank = a->nblank > 0 && dbl ? a->nblank - 1 : a->nblank;
        if (p == 0 || a->heading || b->heading || b->item || a->hard
            || a->table || b->table || b->indent > a->indent
            || (a->indent > b->indent
                && (a->indent < 2 || !ls[vis[p - 1]].keep)))
            continue;                   /* only a paragraph's first line
                                         * may be indented more */
        if (a->nblank <= 1 && a->prose && b->prose
            && a->endcol - a->indent >= PROSE_MIN && is_han(cps[a->lv])
            && is_han(cps[b->fv])) {
            a->keep = 0;                /* 医保二维码支 / 付等服务 */
            continue;
        }
        if (blank > 0 || (a->sent && !(para_blank && a->nblank == 0
                                       && cols(cps[a->lv]) == 2))
            || !wrap_width(cps, ls, vis, nvis, p, &W) || b->endcol > W + 6)
            continue;
        latin = cols(cps[a->lv]) == 1 && cols(cps[b->fv]) == 1;
        if (a->endcol + latin + b->firstw + (latin ? 2 : 4) > W)
            a->keep = 0;                /* the next word did not fit */
    }
    free(vis);
    return ZHS_OK;
}

/* Whether cps[i] is a line break (a lone CR counts; CR LF breaks at LF). */
static int is_break_at(const uint32_t *cps, size_t i, size_t n)
{
    return cps[i] == '\n'
        || (cps[i] == '\r' && (i + 1 == n || cps[i + 1] != '\n'));
}

/* Appends the normalized form of match-view code point c to t, mapped to
 * display index at; -1 when out of memory. */
static int put_norm(zhsi_text *t, size_t *ncap, uint32_t c, uint32_t at)
{
    uint32_t fold[18];
    size_t nf = c == ' ' ? (fold[0] = ' ', 1) : fold_one(c, fold), k;

    if (grow2(&t->norm, &t->norm_map, ncap, t->nnorm + nf + 1) < 0)
        return -1;
    for (k = 0; k < nf; k++) {
        /* A fold that yields white space (rare compatibility forms)
         * becomes a plain space, never two in a row. */
        uint32_t f = zhsi_is_space(fold[k]) ? ' ' : fold[k];
        if (f == ' ' && (t->nnorm == 0 || t->norm[t->nnorm - 1] == ' '))
            continue;
        t->norm[t->nnorm] = f;
        t->norm_map[t->nnorm++] = at;
    }
    return 0;
}

/* The match view, folded into t's normalized form: every white space run
 * (line breaks included) next to a CJK character goes, other runs become
 * one space, Markdown heading marks go.  A code point from cps[i] maps to
 * display index dpos[i] (i itself when dpos is NULL).  -1 when out of
 * memory. */
static int match_view(const uint32_t *cps, size_t n, const uint32_t *dpos,
                      zhsi_text *t)
{
    size_t i, k, ncap = 0, pend_src = 0;
    uint32_t last = 0;
    int at_bol = 1, pending_ws = 0, any = 0;

    if (grow2(&t->norm, &t->norm_map, &ncap, n + 1) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        uint32_t c = cps[i];

        if (c == DROPPED)
            continue;
        if (zhsi_is_space(c)) {
            if (is_break_at(cps, i, n))
                at_bol = 1;
            if (!pending_ws) {
                pending_ws = 1;
                pend_src = i;
            }
            continue;
        }
        if (at_bol && c == '#' && (k = heading_marks(cps, i, n)) > 0) {
            i += k - 1;                 /* Markdown markup, not text */
            at_bol = 0;
            continue;
        }
        at_bol = 0;
        if (pending_ws) {
            if (any && !zhsi_is_cjk(last) && !zhsi_is_cjk(c)
                && put_norm(t, &ncap, ' ', (uint32_t)(dpos ? dpos[pend_src]
                                                           : pend_src)) < 0)
                return -1;
            pending_ws = 0;
        }
        if (put_norm(t, &ncap, c, (uint32_t)(dpos ? dpos[i] : i)) < 0)
            return -1;
        last = c;
        any = 1;
    }
    return 0;
}

/* Appends one display code point. */
static void put_disp(zhsi_text *t, uint32_t c, uint32_t line)
{
    t->disp[t->ndisp] = c;
    t->disp_line[t->ndisp++] = line;
}

/* The display form (see above); dpos[i] is the display index of the first
 * display code point emitted at or after cps[i]. */
static void display_view(const uint32_t *cps, size_t n,
                         const struct lay_line *ls, zhsi_text *t,
                         uint32_t *dpos)
{
    size_t i, li = 0, prev_li = 0, prev_src = 0, k, skip_to = 0;
    uint32_t line = 1, pending_line = 0, lastc = 0;
    int pending = 0, pend_break = 0;

    for (i = 0; i < n; i++) {
        uint32_t c = cps[i];

        dpos[i] = (uint32_t)t->ndisp;
        if (i < skip_to || c == DROPPED)
            continue;
        if (is_break_at(cps, i, n)) {
            if (ls[li].heading && ls[li].fv != ls[li].end && t->ndisp > 0
                && prev_li == li)
                t->disp_block_end[t->ndisp - 1] = 1;  /* ends a passage */
            if (!pending) {
                pending = 1;
                pending_line = line;
            }
            pend_break = 1;
            line++;
            li++;
            continue;
        }
        if (zhsi_is_space(c)) {
            if (!pending) {
                pending = 1;
                pending_line = line;
            }
            continue;
        }
        if (i == ls[li].fv && ls[li].heading
            && (k = heading_marks(cps, i, n)) > 0) {
            skip_to = i + k;            /* Markdown markup, not text */
            continue;
        }
        if (pending && t->ndisp > 0) {
            int latin = !zhsi_is_cjk(lastc) && !zhsi_is_cjk(c);
            int mixed = !zhsi_is_cjk(lastc) || !zhsi_is_cjk(c);
            if (pend_break) {
                if (ls[prev_li].keep) {
                    put_disp(t, ' ', pending_line);
                    put_disp(t, ZHSI_BREAK_CP, line);
                    put_disp(t, ' ', line);
                } else if (latin) {
                    put_disp(t, ' ', pending_line);
                }
            } else if (mixed
                       || (is_cjk_letter(lastc) && is_cjk_letter(c)
                           && !ls[li].prose && prev_src > ls[li].start
                           && is_visible(cps[prev_src - 1])
                           && i + 1 < ls[li].end && is_visible(cps[i + 1]))) {
                put_disp(t, ' ', pending_line);
            }
            dpos[i] = (uint32_t)t->ndisp;
        }
        pending = pend_break = 0;
        put_disp(t, c, line);
        lastc = c;
        prev_li = li;
        prev_src = i;
    }
    dpos[n] = (uint32_t)t->ndisp;
}

zhs_status zhsi_text_build(const char *utf8, size_t len, unsigned flags,
                           zhsi_text *t, char **errmsg)
{
    uint32_t *cps = NULL, *dpos = NULL;
    struct lay_line *ls = NULL;
    size_t n = 0, i, k, bad = 0, nl = 0, dcap, start = 0;
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
    if (!(flags & ZHSI_TEXT_NORM_ONLY)) {
        for (i = 0; i < n; i++)
            nl += is_break_at(cps, i, n);
        nl++;
        dcap = n + 2 * nl + 1;          /* a kept break adds " ⏎ " */
        ls = calloc(nl, sizeof *ls);
        dpos = malloc((n + 1) * sizeof *dpos);
        t->disp = malloc(dcap * sizeof *t->disp);
        t->disp_line = malloc(dcap * sizeof *t->disp_line);
        t->disp_block_end = calloc(dcap, 1);
        if (ls == NULL || dpos == NULL || t->disp == NULL
            || t->disp_line == NULL || t->disp_block_end == NULL)
            goto oom;
        for (i = 0, k = 0; i <= n; i++)
            if (i == n || is_break_at(cps, i, n)) {
                ls[k].start = start;
                ls[k].end = i;
                measure_line(cps, n, &ls[k++]);
                start = i + 1;
            }
        if (decide_breaks(cps, ls, nl) != ZHS_OK)
            goto oom;
        display_view(cps, n, ls, t, dpos);
        free(ls);
        ls = NULL;
    }
    if (match_view(cps, n, dpos, t) < 0)
        goto oom;
    free(cps);
    free(dpos);
    return ZHS_OK;
oom:
    free(cps);
    free(ls);
    free(dpos);
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
