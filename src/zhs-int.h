/* zhs-int.h: library-internal declarations, one section per source file.
 *
 * Names here start with zhsi_ and are not exported from libzhsearch (the
 * shared library exports only ^zhs_).  Unit tests link the convenience
 * library and may use them.
 */
#ifndef ZHS_INT_H
#define ZHS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "zhsearch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status.c ---------------------------------------------------- */

/* Stores a formatted message in *errmsg (if errmsg is non-NULL) and returns
 * st, so that callers can write `return zhsi_fail(...)`. */
zhs_status zhsi_fail(char **errmsg, zhs_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes an existing *errmsg with "prefix: " (used to add a path). */
void zhsi_errmsg_prefix(char **errmsg, const char *prefix);

/* ---- utf8.c ------------------------------------------------------ */

/* Decodes UTF-8 strictly (no overlongs, surrogates or values past
 * U+10FFFF) into a malloc'd array of code points.  Returns ZHS_EENCODING
 * with *bad_offset set to the byte offset of the first invalid sequence. */
zhs_status zhsi_utf8_decode(const char *s, size_t len, uint32_t **out,
                            size_t *n, size_t *bad_offset);
/* Byte offset of the first invalid sequence, or (size_t)-1 if valid. */
size_t zhsi_utf8_invalid_at(const char *s, size_t len);
/* Appends the UTF-8 encoding of cp to buf (at least 4 bytes free);
 * returns the bytes written. */
size_t zhsi_utf8_put(char *buf, uint32_t cp);
/* Encodes n code points as a malloc'd NUL-terminated string. */
char *zhsi_utf8_encode(const uint32_t *cps, size_t n);

/* ---- normalize.c ------------------------------------------------- */

/* A text in two forms.  The display form is the document's own text with
 * extraction artefacts removed: white space next to a CJK character is
 * dropped (it comes from PDF/OCR line breaks and letter spacing), other
 * white space runs become one space, and Markdown heading marks are
 * dropped.  The normalized form applies NFKC with case folding to each
 * display code point; it is what is indexed and matched.  norm_map gives,
 * for each normalized code point, the display code point it came from, so
 * a match in normalized text maps back to exact display offsets. */
typedef struct zhsi_text {
    uint32_t *disp;      /* display code points */
    uint32_t *disp_line; /* 1-based source line of each display cp */
    size_t ndisp;        /* number of display code points */
    uint32_t *norm;      /* normalized code points */
    uint32_t *norm_map;  /* display index of each normalized cp */
    size_t nnorm;        /* number of normalized code points */
} zhsi_text;

/* Builds both forms from UTF-8.  Returns ZHS_EENCODING (with the byte
 * offset in the message) on invalid UTF-8, ZHS_ENOMEM. */
zhs_status zhsi_text_build(const char *utf8, size_t len, zhsi_text *t,
                           char **errmsg);
void zhsi_text_free(zhsi_text *t);

/* NFKC + case folding of one code point: writes up to 18 code points to
 * out and returns how many (0 for default-ignorable characters). */
size_t zhsi_fold_cp(uint32_t cp, uint32_t out[18]);

/* Character classes used by layout repair and snippets. */
int zhsi_is_cjk(uint32_t cp);
int zhsi_is_space(uint32_t cp);

/* ---- segment.c --------------------------------------------------- */

/* An ICU word-break iterator bound to one thread's use. */
typedef struct zhsi_segmenter zhsi_segmenter;

zhs_status zhsi_segmenter_new(zhsi_segmenter **out, char **errmsg);
void zhsi_segmenter_free(zhsi_segmenter *s);

/* Called for each word of a text, as [start, end) code point offsets;
 * return non-zero to stop. */
typedef int (*zhsi_word_fn)(size_t start, size_t end, void *arg);

/* Segments cps[0..n) with ICU word-break rules and calls fn for each word
 * (letters, numbers, ideographs, kana; never spaces or punctuation).
 * Returns ZHS_ENOMEM / ZHS_EINTERNAL on ICU failure. */
zhs_status zhsi_segment(zhsi_segmenter *s, const uint32_t *cps, size_t n,
                        zhsi_word_fn fn, void *arg, char **errmsg);

/* ---- terms.c ----------------------------------------------------- */

/* The term scheme (see DESIGN.md, "Facts worth knowing"):
 *   word       ICU words of the normalized text, unprefixed, no positions;
 *              they rank.  Title words get extra within-document frequency.
 *   "G" c1 c2  every pair of adjacent normalized code points, positioned at
 *              the first one's offset (1-based).  A string of n >= 2 code
 *              points occurs in the text exactly when its n-1 bigrams occur
 *              at consecutive positions: an exact phrase query.  They give
 *              recall independent of segmentation.
 *   "U" c      every normalized code point but space, no positions: the
 *              match for one-character strings.
 *   "Q" id     the unique id term (replace by id).
 * Bump ZHSI_SCHEME when this changes: old indexes are then refused. */
#define ZHSI_SCHEME "zhs-1"
#define ZHSI_META_SCHEME "zhsearch.scheme"
#define ZHSI_TITLE_WDF 3
#define ZHSI_MAX_WORD_BYTES 64

/* Writes the bigram term for cps a, b into buf (>= 10 bytes); returns its
 * length.  Likewise the unigram term (>= 6 bytes). */
size_t zhsi_bigram_term(char *buf, uint32_t a, uint32_t b);
size_t zhsi_unigram_term(char *buf, uint32_t c);

/* ---- shim.cc: the only C++; every body is one try ---------------- */

typedef struct zhsi_xdb zhsi_xdb;     /* read handle */
typedef struct zhsi_xwdb zhsi_xwdb;   /* write handle */
typedef struct zhsi_xdoc zhsi_xdoc;   /* document being built */
typedef struct zhsi_xq zhsi_xq;       /* query */

zhs_status zhsi_xdb_open(const char *path, zhsi_xdb **out, char **errmsg);
zhs_status zhsi_xdb_reopen(zhsi_xdb *db, char **errmsg);
void zhsi_xdb_close(zhsi_xdb *db);
zhs_status zhsi_xdb_doccount(zhsi_xdb *db, unsigned *out, char **errmsg);
/* *value is malloc'd ("" when the key is unset). */
zhs_status zhsi_xdb_metadata(zhsi_xdb *db, const char *key, char **value,
                             char **errmsg);

typedef struct zhsi_xhit {
    double weight;       /* Xapian relevance weight */
    char *data;          /* document data, malloc'd */
    size_t len;          /* bytes of data */
} zhsi_xhit;

/* Runs q and returns up to `limit` hits from `offset`; *total is Xapian's
 * estimate of all matches, exact when *exact is set.  Returns ZHS_EMODIFIED
 * when the database changed underneath (reopen and retry). */
zhs_status zhsi_xdb_search(zhsi_xdb *db, const zhsi_xq *q, unsigned offset,
                           unsigned limit, unsigned check_at_least,
                           zhsi_xhit **hits, size_t *nhits, unsigned *total,
                           int *exact, char **errmsg);
void zhsi_xhits_free(zhsi_xhit *hits, size_t n);

zhs_status zhsi_xwdb_open(const char *path, zhsi_xwdb **out, char **errmsg);
zhs_status zhsi_xwdb_metadata(zhsi_xwdb *db, const char *key, char **value,
                              char **errmsg);
zhs_status zhsi_xwdb_set_metadata(zhsi_xwdb *db, const char *key,
                                  const char *value, char **errmsg);
/* Replaces (or adds) the document indexed by the unique term idterm. */
zhs_status zhsi_xwdb_replace(zhsi_xwdb *db, const char *idterm,
                             zhsi_xdoc *doc, char **errmsg);
zhs_status zhsi_xwdb_commit(zhsi_xwdb *db, char **errmsg);
/* Discards uncommitted changes and releases the lock. */
void zhsi_xwdb_close(zhsi_xwdb *db);

zhs_status zhsi_xdoc_new(zhsi_xdoc **out, char **errmsg);
void zhsi_xdoc_free(zhsi_xdoc *doc);
zhs_status zhsi_xdoc_add_term(zhsi_xdoc *doc, const char *term, size_t len,
                              unsigned wdfinc, char **errmsg);
zhs_status zhsi_xdoc_add_posting(zhsi_xdoc *doc, const char *term,
                                 size_t len, unsigned pos, char **errmsg);
zhs_status zhsi_xdoc_set_data(zhsi_xdoc *doc, const char *data, size_t len,
                              char **errmsg);

enum zhsi_xop {
    ZHSI_XQ_AND, ZHSI_XQ_OR, ZHSI_XQ_AND_MAYBE, ZHSI_XQ_AND_NOT,
    ZHSI_XQ_PHRASE, ZHSI_XQ_SYNONYM
};
zhs_status zhsi_xq_term(const char *term, size_t len, zhsi_xq **out,
                        char **errmsg);
/* Combines n >= 1 subqueries (not consumed: free them yourself). For
 * PHRASE, window is the phrase window (0: the number of subqueries). */
zhs_status zhsi_xq_combine(enum zhsi_xop op, zhsi_xq *const *subs, size_t n,
                           unsigned window, zhsi_xq **out, char **errmsg);
/* Xapian's description of q, malloc'd (for tests and --explain). */
char *zhsi_xq_describe(const zhsi_xq *q);
void zhsi_xq_free(zhsi_xq *q);

/* ---- query.c ----------------------------------------------------- */

/* A parsed query: the strings that must occur (needles, normalized code
 * points) and how they rank. */
typedef struct zhsi_needle {
    uint32_t *cps;       /* normalized code points */
    size_t n;            /* number of code points, >= 1 */
    int exact;           /* 1: from "quoted text"; 0: an ICU word */
} zhsi_needle;

typedef struct zhsi_query {
    zhsi_needle *needles;/* every needle must occur in a hit */
    size_t nneedles;     /* number of needles */
    zhsi_needle *words;  /* word terms that rank where present */
    size_t nwords;       /* number of words */
    zhsi_needle *boosts; /* whole unquoted chunks that rank when present */
    size_t nboosts;      /* number of boosts */
} zhsi_query;

/* Parses a query.  Returns ZHS_EQUERY with a message that gives the
 * 1-based code point position for: invalid UTF-8, over ZHS_MAX_QUERY_CP
 * code points, an unbalanced quote, an empty phrase, a query with nothing
 * searchable. */
zhs_status zhsi_query_parse(zhsi_segmenter *seg, const char *q,
                            zhsi_query *out, char **errmsg);
void zhsi_query_free(zhsi_query *q);
/* The Xapian query for a parsed query. */
zhs_status zhsi_query_build(const zhsi_query *q, zhsi_xq **out,
                            char **errmsg);

/* ---- snippet.c --------------------------------------------------- */

#define ZHSI_SNIPPET_MAX_CP 120

/* Chooses up to max passages of t that best cover the needles (sentence
 * bounded, distinct, best first) and fills snippets[0..*n).  Always returns
 * at least one snippet for a non-empty text.  Returns ZHS_ENOMEM. */
zhs_status zhsi_snippets(const zhsi_text *t, const zhsi_needle *needles,
                         size_t nneedles, size_t max, zhs_snippet *snippets,
                         size_t *n);
void zhsi_snippet_clear(zhs_snippet *s);

#ifdef __cplusplus
}
#endif

#endif /* ZHS_INT_H */
