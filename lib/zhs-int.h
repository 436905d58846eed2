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

/* Prefixes an existing *errmsg with "prefix: " (used to add a path),
 * unless it already starts so. */
void zhsi_errmsg_prefix(char **errmsg, const char *prefix);

/* ---- sums.c ------------------------------------------------------ */

/* Block checksums of an index's files (DIR/zhsearch.sums; the file's
 * comment says how readers and writers keep them right). */

/* A writer about to change DIR: removes its checksums (and syncs the
 * directory), which no longer describe what will be there. */
zhs_status zhsi_sums_drop(const char *dir, char **errmsg);
/* A writer that has just committed revision of the database uuid in
 * DIR, still holding the lock: records checksums of every file. */
zhs_status zhsi_sums_write(const char *dir, const char *uuid,
                           unsigned long revision, char **errmsg);
/* Checks DIR against its checksums, before anything reads it: ZHS_OK
 * when they match or cannot judge (none, a later revision, a writer at
 * work), ZHS_ECORRUPT naming the file and bytes that differ.  Files whose
 * size, inode and mtime are as recorded are not read. */
zhs_status zhsi_sums_check(const char *dir, char **errmsg);
/* The size, inode and times of DIR's files as one string (malloc'd), to
 * tell cheaply whether anything changed since a check; NULL when out of
 * memory. */
char *zhsi_sums_signature(const char *dir);

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
/* Appends the UTF-16LE encoding of cp to buf (at least 4 bytes free);
 * returns the bytes written. */
size_t zhsi_utf16_put(char *buf, uint32_t cp);

/* ---- decode.c ---------------------------------------------------- */

/* Valid UTF-8, or UTF-8 with corruption: at least two sequences of three
 * or four bytes before the first invalid byte. */
int zhsi_looks_utf8(const char *in, size_t len);

/* "UTF-16LE" or "UTF-16BE" when in[0..len) (even len) looks like UTF-16
 * without a byte order mark: NUL bytes (ASCII characters) at two or more
 * odd offsets and under a third as many at even ones, or the reverse;
 * else NULL. */
const char *zhsi_detect_utf16(const char *in, size_t len);

/* ---- files.c ----------------------------------------------------- */

/* Sets doc field *f of fd to an owned copy of v (v NULL: *f = NULL);
 * -1 when out of memory or storage. */
int zhsi_file_doc_set(zhs_file_doc *fd, const char **f, const char *v);
/* Makes the malloc'd buf fd's text, owned by fd; -1 on failure (buf is
 * then still the caller's). */
int zhsi_file_doc_take_text(zhs_file_doc *fd, char *buf, size_t len);
/* A document's title: the first Markdown heading's text, else the first
 * non-empty line.  In plain text (markdown 0) a heading counts only in the
 * header block at the top: among the first 5 non-empty lines, after lines
 * that are short and end no sentence (a "# ..." line further down is a
 * shell prompt or a comment).  Trimmed and at most 400 bytes; malloc'd,
 * NULL if there is none or out of memory. */
char *zhsi_derive_title(const char *text, size_t len, int markdown);
/* ---- html.c ------------------------------------------------------ */

/* The text a reader sees of the HTML page html[0..len) (UTF-8): body
 * text with entities decoded, white space collapsed except in <pre>, a
 * line break around block elements, no script, style or head; *title the
 * <title>, else the first <h1>, else NULL.  Both malloc'd.  ZHS_EENCODING
 * for a page without text, ZHS_ENOMEM; ZHS_EUSAGE when built without
 * libxml2.  Messages name path. */
zhs_status zhsi_html_text(const char *html, size_t len, const char *path,
                          char **text, size_t *text_len, char **title,
                          char **errmsg);
/* 1 if HTML pages can be read (built with libxml2). */
int zhsi_html_supported(void);

/* ---- normalize.c ------------------------------------------------- */

/* A text in two forms.  The display form is the document's own text with
 * only proven extraction artefacts removed (normalize.c says which): the
 * line breaks inside a hard-wrapped paragraph, white space between CJK
 * characters that is letter spacing or joined PDF columns, the second copy
 * of a line doubled by PDF extraction, Markdown heading marks.  Runs of
 * white space become one space; a line or paragraph break that stays is
 * shown as " ⏎ " (space, ZHSI_BREAK_CP, space), so that one-line
 * snippets never glue two paragraphs.  The normalized form is folded from
 * the match view, which ignores all layout: every white space run next to
 * a CJK character goes, the others become one space; then NFKC, case
 * folding and traditional-to-simplified apply per code point.  It is what
 * is indexed and matched.  norm_map gives, for each normalized code
 * point, the display code point it came from (for a space, the display
 * text where its white space run is shown), so a match in normalized text
 * maps back to exact display offsets. */
typedef struct zhsi_text {
    uint32_t *disp;      /* display code points */
    uint32_t *disp_line; /* 1-based source line of each display cp */
    unsigned char *disp_block_end; /* 1 on the last cp of a heading line */
    size_t ndisp;        /* number of display code points */
    uint32_t *norm;      /* normalized code points */
    uint32_t *norm_map;  /* display index of each normalized cp */
    size_t nnorm;        /* number of normalized code points */
} zhsi_text;

/* Builds both forms from UTF-8.  flags: ZHSI_TEXT_DOC for a document's
 * body, which also drops PDF-doubled lines (never for queries: a quoted
 * query must match exactly what it says); ZHSI_TEXT_NORM_ONLY below.
 * Returns ZHS_EENCODING (with the byte offset in the message) on invalid
 * UTF-8, ZHS_ENOMEM. */
#define ZHSI_TEXT_DOC 1u
/* Only the normalized form (what indexing and queries need): no display
 * form (disp NULL, ndisp 0), and norm_map gives source code point
 * offsets.  Builds about three times faster. */
#define ZHSI_TEXT_NORM_ONLY 2u
/* How the display form shows a line or paragraph break that stays (with a
 * space on each side): U+23CE RETURN SYMBOL. */
#define ZHSI_BREAK_CP 0x23CEu
zhs_status zhsi_text_build(const char *utf8, size_t len, unsigned flags,
                           zhsi_text *t, char **errmsg);
void zhsi_text_free(zhsi_text *t);

/* NFKC + case folding + traditional-to-simplified of one code point:
 * writes up to 18 code points to out and returns how many (0 for
 * default-ignorable characters). */
size_t zhsi_fold_cp(uint32_t cp, uint32_t out[18]);

/* pinyin-table.c, generated at build time by tools/gen-pinyin: entries
 * "word\treading|reading\n" sorted by bytes (readings are toneless
 * syllables separated by spaces), zhsi_py_offsets[i] where entry i starts
 * (one more at the end), the syllables seen, sorted, and where the
 * readings came from. */
extern const char zhsi_py_source[];
extern const int zhsi_py_has_dict;
extern const size_t zhsi_py_count;
extern const char zhsi_py_data[];
extern const uint32_t zhsi_py_offsets[];
extern const size_t zhsi_py_nsyllables;
extern const char *const zhsi_py_syllables[];

/* t2s-table.c, generated at build time by tools/gen-t2s: (traditional,
 * simplified) code point pairs, sorted. */
extern const uint32_t zhsi_t2s_pairs[][2];
extern const size_t zhsi_t2s_npairs;

/* Character classes used by layout repair and snippets. */
int zhsi_is_cjk(uint32_t cp);
/* White space: inline, as normalization asks it of every character. */
static inline int zhsi_is_space(uint32_t cp)
{
    if (cp < 0x80)
        return cp <= 0x20 || cp == 0x7F;
    if (cp < 0xA0)
        return 1;                           /* C1 controls */
    /* Unicode's White_Space property is this fixed set; testing it here
     * keeps an ICU property lookup off the path of every character. */
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
        || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
        || cp == 0x3000;
}

/* ---- segment.c --------------------------------------------------- */

/* An ICU word-break iterator bound to one thread's use. */
typedef struct zhsi_segmenter zhsi_segmenter;

zhs_status zhsi_segmenter_new(zhsi_segmenter **out, char **errmsg);
void zhsi_segmenter_free(zhsi_segmenter *s);

/* Called for each word of a text, as [start, end) code point offsets;
 * return non-zero to stop. */
typedef int (*zhsi_word_fn)(size_t start, size_t end, void *arg);

/* Segments cps[0..n) with ICU word-break rules and the user dictionary
 * and calls fn for each word in text order, never overlapping (letters,
 * numbers, ideographs, kana and dictionary words; never spaces or
 * punctuation).
 * Returns ZHS_ENOMEM / ZHS_EINTERNAL on ICU failure. */
zhs_status zhsi_segment(zhsi_segmenter *s, const uint32_t *cps, size_t n,
                        zhsi_word_fn fn, void *arg, char **errmsg);
/* The same with ICU's rules alone, ignoring the dictionary: what a query's
 * required strings are cut from, so that recall never depends on the
 * dictionary. */
zhs_status zhsi_segment_icu(zhsi_segmenter *s, const uint32_t *cps, size_t n,
                            zhsi_word_fn fn, void *arg, char **errmsg);

/* A user dictionary: normalized words that segmentation treats as words. */
typedef struct zhsi_dict zhsi_dict;

/* Builds a dictionary from text with one word a line (normalized like
 * documents; empty lines and lines starting with '#' are skipped; words
 * over 32 characters are ignored).  Returns ZHS_EENCODING with the line
 * number for invalid UTF-8, ZHS_ENOMEM. */
zhs_status zhsi_dict_new(const char *text, size_t len, zhsi_dict **out,
                         char **errmsg);
void zhsi_dict_free(zhsi_dict *d);
/* The sorted, distinct normalized words joined by newlines: what an index
 * records, and what zhsi_dict_new reads back. */
const char *zhsi_dict_serial(const zhsi_dict *d);
/* A 16-hex-digit hash of the serial form, naming the dictionary. */
const char *zhsi_dict_id(const zhsi_dict *d);
size_t zhsi_dict_count(const zhsi_dict *d);
/* Makes s use d (borrowed; NULL for none) from the next zhsi_segment. */
void zhsi_segmenter_set_dict(zhsi_segmenter *s, const zhsi_dict *d);
/* Whether s segments with a (non-empty) dictionary. */
int zhsi_segmenter_has_dict(const zhsi_segmenter *s);

/* ---- terms.c ----------------------------------------------------- */

/* The term scheme.  No term carries positions: positional postings halve
 * Xapian's writer and triple the index (measured in README.md), so exact
 * substrings are checked against the stored normalized text instead.
 *   "U" c      every normalized code point but space: exactly the
 *              documents containing that character.  (In "U" and "G"
 *              terms code points are spelt by terms.c's compact code, two
 *              bytes for a common ideograph, not UTF-8.)
 *   "G" c1 c2  every pair of adjacent normalized code points: exactly the
 *              documents containing that bigram.  A longer
 *              string's candidates are the documents having all its
 *              bigrams; the stored text decides (zhsi_query_check).
 *              Bigrams are also what ranks: Chinese retrieval does as well
 *              on them as on words (doc/DESIGN.md), and a two-character word
 *              is its own bigram.
 *   word       ICU (and dictionary) words of three or more code points,
 *              unprefixed; they rank.  (Shorter words are the terms
 *              above.)  Title terms get ZHSI_TITLE_WDF per occurrence.
 *   "G" B c / "G" c B   token boundaries: B (U+0001) before the first and after the
 *              last character of each run of ASCII letters and digits.
 *              Anchored query tokens need them (120 does not match 1200,
 *              ai does not match main; checked exactly on the text).
 *   "G" c1 c2  also for c1 '-' c2 and c1 '_' c2 (c1, c2 ASCII letters or
 *              digits): the bigram across one joiner, so that a Latin
 *              token's candidates are the same whichever way it was
 *              written (utf-8, utf_8 and utf8 all have "Gf8").  A needle's
 *              joint (see zhsi_needle) asks for this bigram.
 *   "W" run    every whole run of ASCII letters and digits of at most
 *              ZHSI_MAX_RUN characters: exactly the documents having that
 *              token (deb, c, 120), so that a Latin word of one run needs
 *              no check, and a needle holding a whole run (.deb, c++,
 *              /etc/fstab) has few candidates to check.  With wdf 0
 *              ("W" and "V"): they select, the bigrams rank.
 *   "V" runs   each sequence of 2 to ZHSI_RUN_GROUP runs joined by single
 *              '-' or '_', without them (e-mail: "Vemail"): a token with
 *              joints (e-mail, utf-8, x86_64) has as candidates the
 *              documents with "W" or "V" of its squeezed form, whichever
 *              way the text writes it.
 *   "S" + any of the above: the same for the title alone (title:).
 *   "T" key    the title's key (zhsi_title_key: no spaces or punctuation),
 *              as a field term (zhsi_field_term), wdf 0: a query whose
 *              words, in some order, are the whole title finds it.
 *   "L" units  the title's length in units (zhsi_title_key), at most
 *              ZHSI_MAX_UNITS, wdf 0: how much of a title a query covers.
 *   "Q" id     the unique id term (replace by id; id:).
 *   "B" source the normalized source (source:).
 *   "A" author the normalized author field whole, each author of a list
 *              separated by , ; / | (or their full-width forms) or 、, and
 *              each white-space separated word of each (author:).
 *   "Y" yyyy, "M" yyyymm   the date's year and month.
 *   "O" hash   where the document came from (zhs_doc.origin) and each
 *              directory above it, hashed (zhs_writer_prune).
 *   value 1    the content hash (zhs_writer_doc_hash), for incremental runs.
 *   value 2    the id: equal scores rank by id, so a sharded index (whose
 *              document numbers interleave) ranks exactly as one index.
 *   value 0    the date as YYYYMMDD, 00 for an unknown month or day
 *              (date: ranges; so a date with only a year or month sorts
 *              before every day of it: date:2024 and date:2023..2024-06
 *              match it, date:2024-01-01 does not).
 *   value 3    the source as given (the source facet).
 *   value 4, 5 the date's year "YYYY" and month "YYYY-MM" (facets).
 *   value 6    the text's SimHash, 16 hex digits (dup.c), when the text is
 *              long enough; "H" band hex: its ZHSI_DUP_BANDS bands.
 *   value 7    the near-duplicate cluster key, 16 hex digits, and "K" key:
 *              documents with the same key are collapsed in results.
 *   value 8    ZHSI_NORM_UTF8 and the normalized title, a NUL and the
 *              normalized body in UTF-8, or ZHSI_NORM_UTF16 and the same
 *              in UTF-16LE (a NUL unit between), whichever is smaller:
 *              what zhsi_query_check reads.
 *   data       the stored JSON: zhs_file_doc's fields and the text.
 * Bump ZHSI_SCHEME when this changes: old indexes are then refused. */
#define ZHSI_SCHEME "zhs-8"
#define ZHSI_META_SCHEME "zhsearch.scheme"
#define ZHSI_META_DICT "zhsearch.dict"
#define ZHSI_META_DICT_ID "zhsearch.dict_id"
#define ZHSI_META_DICT_NAME "zhsearch.dict_name"
/* The directory file ids are relative to (cmd_index.c). */
#define ZHSI_META_ROOT "zhsearch.root"
/* The zstd dictionary of stored records, hex (shim.cc) */
#define ZHSI_META_ZDICT "zhsearch.zdict"
#define ZHSI_TITLE_WDF 3
#define ZHSI_MAX_WORD_BYTES 64
#define ZHSI_BOUNDARY 0x01u
#define ZHSI_MAX_RUN 32
#define ZHSI_RUN_GROUP 4
#define ZHSI_SLOT_DATE 0
#define ZHSI_SLOT_HASH 1
#define ZHSI_SLOT_ID 2
#define ZHSI_SLOT_SOURCE 3
#define ZHSI_SLOT_YEAR 4
#define ZHSI_SLOT_MONTH 5
#define ZHSI_SLOT_SIMHASH 6
#define ZHSI_SLOT_CLUSTER 7
#define ZHSI_SLOT_NORM 8
#define ZHSI_NORM_UTF8 '8'
#define ZHSI_NORM_UTF16 'w'

/* The prefixes of the scheme above, each one ASCII capital: as a string,
 * ZHSI_PFX_ID "%s" in a format, or its first char, ZHSI_PFX_ID[0].  No
 * other file spells a prefix. */
#define ZHSI_PFX_UNIGRAM "U"
#define ZHSI_PFX_BIGRAM "G"
#define ZHSI_PFX_RUN "W"
#define ZHSI_PFX_JOINED "V"
#define ZHSI_PFX_TITLE "S"
#define ZHSI_PFX_ID "Q"
#define ZHSI_PFX_SOURCE "B"
#define ZHSI_PFX_AUTHOR "A"
#define ZHSI_PFX_YEAR "Y"
#define ZHSI_PFX_MONTH "M"
#define ZHSI_PFX_ORIGIN "O"
#define ZHSI_PFX_CLUSTER "K"
#define ZHSI_PFX_BAND "H"
#define ZHSI_PFX_TITLE_KEY "T"
#define ZHSI_PFX_TITLE_UNITS "L"

/* The unique id term of a document, ZHSI_PFX_ID + id (malloc'd; NULL when
 * out of memory). */
char *zhsi_id_term(const char *id);

/* Writes prefix ("" or "S") + the bigram term for a, b into buf (>= 12
 * bytes); returns its length.  Likewise the unigram term (>= 8 bytes). */
size_t zhsi_bigram_term(char *buf, const char *prefix, uint32_t a,
                        uint32_t b);
size_t zhsi_unigram_term(char *buf, const char *prefix, uint32_t c);
/* Filter terms ("B" source, "A" author, "Q" id) of one value: the writer
 * and the query build them with this one function, so that they agree
 * for every value.  A value of at most max bytes is the term whole (max:
 * ZHSI_FIELD_MAX, or ZHSI_ID_MAX for ids); a longer one is its first
 * bytes cut at a character boundary, the byte 0xFF (never in UTF-8) and
 * 16 hex digits of a hash of the whole value, so that two long values
 * that share a beginning still get two terms.  Writes prefix and the
 * value's term into buf (at least ZHSI_FIELD_TERM_BUF bytes, NUL-
 * terminated); returns its length. */
#define ZHSI_FIELD_MAX 200
#define ZHSI_ID_MAX 240
#define ZHSI_FIELD_TERM_BUF 256
size_t zhsi_field_term(char *buf, char prefix, const char *value,
                       size_t max);
/* Of a field term's value v[0..len) (after the prefix): the bytes that
 * are the field's own text (all of it, or a long value's cut beginning);
 * *cut is set when a hash followed them. */
size_t zhsi_field_term_text(const char *v, size_t len, int *cut);
/* Writes prefix + the "W" term of run[0..n) (ASCII letters and digits,
 * n <= ZHSI_MAX_RUN), or its "V" term if joined (runs joined by
 * separators, squeezed), into buf (>= ZHSI_MAX_RUN + 4 bytes); returns
 * its length. */
size_t zhsi_run_term(char *buf, const char *prefix, int joined,
                     const uint32_t *run, size_t n);
/* ASCII letters and digits: the characters of anchored tokens. */
int zhsi_is_alnum(uint32_t c);

/* Reads a date in the forms real corpora use (ISO 8601 with a time and
 * zone, 2025/12/19, 2025.12.19, Chinese forms with spaces, weekdays and
 * Chinese numerals, English month names as in RFC 2822 and date(1)) into
 * out as YYYY-MM-DD, YYYY-MM or YYYY: the precision it was written with.
 * A weekday, time and zone are understood and dropped.  Returns -1 if it
 * is not a date, 0 if all of it was read, 1 if text after a date known at
 * least to the month was ignored (then copied, trimmed and cut to
 * ignored_size - 1 bytes, into ignored). */
int zhsi_parse_date(const char *in, char out[11], char *ignored,
                    size_t ignored_size);

/* A title's key: its normalized code points without white space and
 * punctuation (letters, digits and ideographs, as ICU classes them), in
 * out (room for n); returns the key's length, and in *units (if non-NULL)
 * its length in units: an ideograph or other letter outside ASCII is
 * one, a run of ASCII letters and digits one.  The writer indexes the
 * title's key ("T" term) and units ("L" term); a query compares its own
 * (see the scheme and query.c). */
size_t zhsi_title_key(const uint32_t *cps, size_t n, uint32_t *out,
                      unsigned *units);
/* Most title units an "L" term records (longer titles say ZHSI_MAX_UNITS). */
#define ZHSI_MAX_UNITS 60

/* Ranking parameters, chosen by measurement on tools/rankbench (README,
 * Ranking).  The environment variable ZHSEARCH_RANK, read once per
 * process, overrides them for measuring: comma-separated name=value
 * pairs with the names of the fields below (k1=1.2,exact=0). */
typedef struct zhsi_rank_params {
    double k1;           /* BM25 k1: how fast repeated terms saturate */
    double b;            /* BM25 b: how much document length counts */
    double exact;        /* weight of a title equal to the query's words
                            (in any order) */
    double cover;        /* weight of a title holding every query string,
                            times the share of the title they cover */
    double span;         /* titles up to this many units longer than the
                            query get the cover weight */
    double title;        /* scale of the title's own terms ("S") */
    double coord;        /* relaxed searches: weight per query word a
                            document has, so more words rank first */
    double relax;        /* 0 turns relaxation off */
    double split;        /* 0: relaxation does not split strings */
} zhsi_rank_params;
const zhsi_rank_params *zhsi_rank(void);

/* Parses a date of the form YYYY, YYYY-MM or YYYY-MM-DD (a time after 'T'
 * or ' ' is ignored) into the range of keys it covers: lo and hi are
 * YYYYMMDD strings with 00/99 for an unknown month or day.  Returns -1 if
 * s[0..n) is not such a date (including impossible days). */
int zhsi_date_range(const char *s, size_t n, char lo[9], char hi[9]);

/* ---- writer.c ---------------------------------------------------- */

typedef struct zhsi_xdoc zhsi_xdoc;   /* document being built (shim.cc) */
typedef struct zhsi_xwdb zhsi_xwdb;   /* write handle (shim.cc) */

/* Bins of a text's shingle signature (dup.c). */
#define ZHSI_SIG_BINS 64

/* A document ready to be put (zhs_prepare). */
struct zhs_prepared {
    zhsi_xdoc *doc;      /* terms, values and data */
    char *idterm;        /* "Q" + id */
    uint64_t simhash;    /* the text's SimHash (dup.c) */
    uint16_t sig[ZHSI_SIG_BINS]; /* its shingle signature (dup.c) */
    int has_simhash;     /* 0: too short to have one */
    char *words;         /* its distinct words of two or more characters,
                            each followed by a NUL (the vocabulary) */
    size_t nwords;       /* bytes of words */
};

/* The words of a batch and the documents each is in, kept by the writer
 * and written to the index's spelling table (what completion reads) at
 * the commit. */
typedef struct zhsi_vocab zhsi_vocab;
zhsi_vocab *zhsi_vocab_new(void);
/* Counts p's words; -1 when out of memory. */
int zhsi_vocab_add(zhsi_vocab *v, const zhs_prepared *p);
/* Adds the counts to x's spelling table and empties v. */
zhs_status zhsi_vocab_write(zhsi_vocab *v, zhsi_xwdb *x, char **errmsg);
void zhsi_vocab_free(zhsi_vocab *v);

/* Gives p cluster key `key` (value 7 and its "K" term). */
zhs_status zhsi_prepared_set_cluster(zhs_prepared *p, const char *key,
                                     char **errmsg);

/* ---- bulk.c ------------------------------------------------------ */

/* A first build written by parallel part writers (see bulk.c). */
#define ZHSI_BULK_PARTS 8
typedef struct zhsi_bulk zhsi_bulk;

/* Starts nparts part writers under dir/.zhs-build with main_db's
 * scheme and dictionary metadata. */
zhs_status zhsi_bulk_start(const char *dir, zhsi_xwdb *main_db,
                           unsigned nparts, zhsi_bulk **out, char **errmsg);
/* Gives p its cluster key and queues it for its part (consumed). */
zhs_status zhsi_bulk_put(zhsi_bulk *b, zhs_prepared *p, zhs_outcome *outcome,
                         char **errmsg);
/* Lets the parts commit what they hold while vocab and the index's
 * metadata go into a database of their own, merges the parts and it, and
 * moves the result into dir. */
zhs_status zhsi_bulk_finish(zhsi_bulk *b, zhsi_vocab *vocab, char **errmsg);
/* Stops and removes the build (after zhsi_bulk_finish, or instead). */
void zhsi_bulk_free(zhsi_bulk *b);
/* Removes what an interrupted build left in dir. */
void zhsi_bulk_cleanup(const char *dir);
/* Moves the database files of directory `from` into `to`, iamglass last,
 * and removes table files of `to` that `from` did not have: at every
 * moment `to` is the old database, none, or the new one. */
zhs_status zhsi_swap_in(const char *from, const char *to, char **errmsg);
/* Removes path and everything under it. */
void zhsi_remove_tree(const char *path);

/* ---- dup.c ------------------------------------------------------- */

/* SimHash over shingles of ZHSI_SHINGLE Han characters or ASCII letters
 * and digits; texts with fewer than ZHSI_DUP_MIN_SHINGLES shingles get
 * none (too short to tell an edit from another text).  Near-duplicates
 * differ in at most ZHSI_DUP_MAX_BITS of 64 bits (the measurements are
 * in README.md, the tests in tests/unit/check_dup.c).  Candidates are
 * found by ZHSI_DUP_NPROBES band terms (see dup.c), which find every
 * hash within 2 * ZHSI_DUP_BANDS - 1 bits. */
#define ZHSI_SHINGLE 4
#define ZHSI_DUP_MIN_SHINGLES 50
#define ZHSI_DUP_MAX_BITS 7
#define ZHSI_DUP_BANDS 4
#define ZHSI_DUP_NPROBES (ZHSI_DUP_BANDS * (1 + 64 / ZHSI_DUP_BANDS))
#define ZHSI_BAND_TERM_SIZE 8
#define ZHSI_CLUSTER_KEY_LEN 16
/* Candidates examined per document, exact-band matches first: a bound
 * on the cost for huge or degenerate corpora. */
#define ZHSI_DUP_MAX_CANDIDATES 500u

/* The SimHash of normalized text cps[0..n) in *out; -1 if too short. */
int zhsi_simhash(const uint32_t *cps, size_t n, uint64_t *out);
/* The same, and (sig non-NULL) the text's shingle signature: one
 * permutation MinHash, the least 16-bit value of the shingles falling in
 * each of ZHSI_SIG_BINS bins (0xffff: none).  SimHash measures how alike
 * two texts are in bulk, so two short texts that share a long boilerplate
 * paragraph come within ZHSI_DUP_MAX_BITS; the signature estimates the
 * share of shingles they have in common (Jaccard), which must be at
 * least ZHSI_DUP_MIN_SHARE percent as well (measured in README.md). */
#define ZHSI_DUP_MIN_SHARE 75
int zhsi_simhash_sig(const uint32_t *cps, size_t n, uint64_t *out,
                     uint16_t sig[ZHSI_SIG_BINS]);
/* Percent of shingles two signatures estimate the texts share. */
int zhsi_sig_share(const uint16_t *a, const uint16_t *b);
/* Value 6: 16 hex digits of the SimHash, then (since zhs-7) the signature,
 * 2 bytes a bin, little-endian.  Parses len bytes of it into *h and sig;
 * returns 1 with a signature, 0 without (an older index), -1 if it is
 * not one. */
#define ZHSI_SIMHASH_VALUE_LEN (16 + 2 * ZHSI_SIG_BINS)
int zhsi_parse_simhash_value(const char *v, size_t len, uint64_t *h,
                             uint16_t sig[ZHSI_SIG_BINS]);
void zhsi_format_simhash_value(uint64_t h, const uint16_t *sig,
                               char out[ZHSI_SIMHASH_VALUE_LEN]);
/* Whether two documents within ZHSI_DUP_MAX_BITS are near-duplicates:
 * their signatures (either NULL: not known, yes) share enough. */
int zhsi_dup_confirmed(const uint16_t *a, const uint16_t *b);
/* Bits in which a and b differ. */
int zhsi_hamming(uint64_t a, uint64_t b);
/* The term for band `band` of h in buf (ZHSI_BAND_TERM_SIZE bytes);
 * returns its length.  A document is indexed with its bands' terms. */
size_t zhsi_band_term(char *buf, uint64_t h, unsigned band);
/* The ZHSI_DUP_NPROBES terms whose documents may be within
 * ZHSI_DUP_MAX_BITS of h: its bands, then their one-bit variants. */
void zhsi_dup_probes(uint64_t h, char terms[][ZHSI_BAND_TERM_SIZE]);
/* The cluster key founded by the document founder_id with SimHash
 * founder: 16 hex digits.  The hash is part of it, so a founder that is
 * later edited beyond the threshold founds a new cluster instead of
 * rejoining its old one. */
void zhsi_cluster_key(uint64_t founder, const char *founder_id,
                      char out[ZHSI_CLUSTER_KEY_LEN + 1]);
/* Parses exactly 16 lower-case hex digits; -1 otherwise. */
int zhsi_parse_hex64(const char *s, uint64_t *out);

/* SimHashes held in memory, probed as an index's band terms are. */
typedef struct zhsi_dupmem zhsi_dupmem;
zhsi_dupmem *zhsi_dupmem_new(void);
void zhsi_dupmem_free(zhsi_dupmem *m);
/* The nearest document of m within ZHSI_DUP_MAX_BITS of h, other than
 * self and those skip(arg, id) rejects (skip may be NULL), among the first
 * ZHSI_DUP_MAX_CANDIDATES the probes find; equal distances: the smaller
 * id.  Returns the distance and sets *key and *id (owned by m), or -1. */
int zhsi_dupmem_nearest(zhsi_dupmem *m, uint64_t h, const uint16_t *sig,
                        const char *self,
                        int (*skip)(void *, const char *), void *arg,
                        const char **key, const char **id);
/* Records document id with SimHash h and signature sig in cluster key;
 * -1 out of memory. */
int zhsi_dupmem_add(zhsi_dupmem *m, uint64_t h, const uint16_t *sig,
                    const char *id, const char *key);

/* ---- shim.cc: the only C++; every body is one try ---------------- */

typedef struct zhsi_xdb zhsi_xdb;     /* read handle */
typedef struct zhsi_xq zhsi_xq;       /* query */

zhs_status zhsi_xdb_open(const char *path, zhsi_xdb **out, char **errmsg);
/* Opens the shards a stub file lists ("auto|glass PATH", "remote
 * HOST:PORT", "remote tcp HOST PORT") as one database, remote ones with
 * timeout_ms for connecting and for each operation.  A shard that cannot
 * be opened is an error naming it, or with allow_partial is left out and
 * its stub line added to *missing (malloc'd, lines; NULL if none). */
zhs_status zhsi_xdb_open_stub(const char *stub, unsigned timeout_ms,
                              int allow_partial, zhsi_xdb **out,
                              char **missing, char **errmsg);
/* Picks up the latest commit; *changed (if non-NULL) says whether there
 * was one. */
zhs_status zhsi_xdb_reopen(zhsi_xdb *db, int *changed, char **errmsg);
/* Xapian's UUID of the database in *uuid (malloc'd): several shards' joined
 * by ':'; "" when a shard has none.  It names the database the version
 * file at the path describes now, as of the last open or reopen. */
zhs_status zhsi_xdb_uuid(zhsi_xdb *db, char **uuid, char **errmsg);
void zhsi_xdb_close(zhsi_xdb *db);
zhs_status zhsi_xdb_doccount(zhsi_xdb *db, unsigned *out, char **errmsg);
/* Documents containing term; 0 on any error (it only guides costs). */
unsigned zhsi_xdb_termfreq(zhsi_xdb *db, const char *term, size_t len);
/* *value is malloc'd ("" when the key is unset). */
zhs_status zhsi_xdb_metadata(zhsi_xdb *db, const char *key, char **value,
                             char **errmsg);
zhs_status zhsi_xdb_value_of(zhsi_xdb *db, const char *idterm, unsigned slot,
                             char **value, int *found, char **errmsg);
/* The stored data of the document indexed by idterm (malloc'd). */
zhs_status zhsi_xdb_data_of(zhsi_xdb *db, const char *idterm, char **data,
                            int *found, char **errmsg);

typedef struct zhsi_xhit {
    double weight;       /* Xapian relevance weight */
    char *data;          /* document data, malloc'd */
    size_t len;          /* bytes of data */
    char *date;          /* zhsi_xdb_scan: value 0 ("" none), malloc'd */
    char *source;        /* zhsi_xdb_scan: the "B" term's value ("" none) */
    unsigned ndups;      /* matching documents collapsed into this one */
    char **dup_ids;      /* their ids in rank order (at most
                            ZHS_MAX_DUPLICATE_IDS), malloc'd; or NULL */
    size_t ndup_ids;     /* number of dup_ids */
    char *norm;          /* with zhsi_xsearch.want_norm: its value
                            ZHSI_SLOT_NORM, malloc'd; else NULL */
    size_t nnorm;        /* bytes of norm */
    unsigned words;      /* relaxed searches: words it has (search.c) */
} zhsi_xhit;

/* How to run a search. */
/* Candidates the counting pass of a search checks at most (see
 * zhsi_xsearch.exact_upto). */
#define ZHSI_COUNT_CHECKS 3000u
/* Candidates it checks when there are more than ZHSI_COUNT_CHECKS: a
 * sample for an estimate. */
#define ZHSI_COUNT_SAMPLE 300u

typedef struct zhsi_xsearch {
    unsigned offset;     /* hits to skip */
    unsigned limit;      /* hits to return */
    unsigned check_at_least; /* matches to examine at least */
    unsigned exact_upto; /* totals up to this are counted exactly (a
                            second, unweighted pass when the page's pass
                            left the total an estimate, checking at most
                            ZHSI_COUNT_CHECKS candidates); 0: no pass */
    zhs_sort sort;       /* relevance (ties by id) or date */
    unsigned facets;     /* ZHS_FACET_* to count */
    int collapse;        /* collapse on the cluster key (value 7) */
    int want_norm;       /* fill zhsi_xhit.norm */
    /* NULL, or whether a candidate is a match, given its value
     * ZHSI_SLOT_NORM and the Xapian document (for zhsi_xdoc_data_of); it
     * must not fail. */
    int (*accept)(void *arg, const char *norm, size_t len, const void *doc);
    void *accept_arg;
} zhsi_xsearch;

/* The results of a search. */
typedef struct zhsi_xresult {
    zhsi_xhit *hits;     /* the page, malloc'd */
    size_t nhits;        /* number of hits */
    unsigned total;      /* Xapian's estimate of all matches (clusters
                            counted once when collapsing) */
    int exact;           /* total is exact */
    zhs_facet *facets;   /* the facets asked for, source/year/month order */
    size_t nfacets;      /* number of facets */
} zhsi_xresult;

/* Runs q as o says into *r (cleared first; free with
 * zhsi_xresult_clear, also after a failure).  Returns ZHS_EMODIFIED when
 * the database changed underneath (reopen and retry). */
zhs_status zhsi_xdb_search(zhsi_xdb *db, const zhsi_xq *q,
                           const zhsi_xsearch *o, zhsi_xresult *r,
                           char **errmsg);
void zhsi_xresult_clear(zhsi_xresult *r);
void zhsi_xhits_free(zhsi_xhit *hits, size_t n);
/* Like zhsi_xdb_search without counting matches, and with each hit's date
 * value and source term (for grouping by period).  Pages of one reader
 * see one revision; ZHS_EMODIFIED if it was overwritten meanwhile. */
zhs_status zhsi_xdb_scan(zhsi_xdb *db, const zhsi_xq *q,
                         const zhsi_xsearch *o, zhsi_xhit **hits,
                         size_t *nhits, char **errmsg);
/* What zhs_db_info reports, as the shim sees it. */
typedef struct zhsi_xinfo {
    unsigned long long terms;  /* distinct terms, every prefix */
    unsigned long long words;  /* distinct unprefixed terms (words) */
    char date_lo[9];     /* smallest value 0 (YYYYMMDD), "" if none */
    char date_hi[9];     /* largest value 0, "" if none */
    unsigned with_date;  /* documents having value 0 */
} zhsi_xinfo;
zhs_status zhsi_xdb_info(zhsi_xdb *db, zhsi_xinfo *out, char **errmsg);
/* Frees facets[0..n) and the array. */
void zhsi_facets_free(zhs_facet *facets, size_t n);

/* Calls fn(term, len, termfreq, arg) for the index's terms starting with
 * prefix, in byte order, until fn returns non-zero or max_scan terms. */
typedef int (*zhsi_term_fn)(const char *term, size_t len, unsigned termfreq,
                            void *arg);
zhs_status zhsi_xdb_allterms(zhsi_xdb *db, const char *prefix,
                             size_t max_scan, zhsi_term_fn fn, void *arg,
                             char **errmsg);
/* Calls fn(data, arg) with the stored data of every document, in
 * document order, until fn returns non-zero. */
zhs_status zhsi_xdb_each_data(zhsi_xdb *db,
                              int (*fn)(const char *data, void *arg),
                              void *arg, char **errmsg);
/* The same over the vocabulary (the spelling table: words of two or more
 * characters with the number of documents they were indexed in). */
zhs_status zhsi_xdb_spellings(zhsi_xdb *db, const char *prefix,
                              size_t max_scan, zhsi_term_fn fn, void *arg,
                              char **errmsg);
/* The same over the pinyin keys (pinyin.c) that start with prefix, in
 * byte order (termfreq is 0). */
zhs_status zhsi_xdb_pinyin_keys(zhsi_xdb *db, const char *prefix,
                                size_t max_scan, zhsi_term_fn fn, void *arg,
                                char **errmsg);
/* The vocabulary counts of n words (NUL-terminated, in byte order), as
 * the spelling table has them (all shards summed), in freqs[i]. */
zhs_status zhsi_xdb_spelling_freqs(zhsi_xdb *db, const char *const *words,
                                   size_t n, unsigned *freqs, char **errmsg);
/* The revision of the open database; *known is 0 for several shards. */
zhs_status zhsi_xdb_revision(zhsi_xdb *db, unsigned long long *rev,
                             int *known, char **errmsg);
/* Bounds the matcher's time per search (Xapian stops early and the total
 * becomes an estimate); 0 for no bound. */
void zhsi_xdb_set_time_limit(zhsi_xdb *db, double seconds);

/* A reader's parts, for library files other than search.c. */
zhsi_xdb *zhsi_db_xdb(zhs_db *db);
zhsi_segmenter *zhsi_db_segmenter(zhs_db *db);

zhs_status zhsi_xwdb_open(const char *path, zhsi_xwdb **out, char **errmsg);
zhs_status zhsi_xwdb_doccount(zhsi_xwdb *db, unsigned *out, char **errmsg);
zhs_status zhsi_xwdb_term_exists(zhsi_xwdb *db, const char *term, int *exists,
                                 char **errmsg);
/* The value in slot of the document indexed by idterm (malloc'd); *found
 * is 0 if there is none.  Sees the uncommitted batch. */
zhs_status zhsi_xwdb_value_of(zhsi_xwdb *db, const char *idterm,
                              unsigned slot, char **value, int *found,
                              char **errmsg);
/* A possible near-duplicate found by its SimHash bands. */
typedef struct zhsi_xcand {
    char *id;            /* its id (value 2), malloc'd */
    char *simhash;       /* value 6, malloc'd */
    size_t simhash_len;  /* its length (the signature holds NULs) */
    char *cluster;       /* value 7, malloc'd */
} zhsi_xcand;

/* The documents (the uncommitted batch included) having any of the n
 * terms, at most max of them, in *out (malloc'd; free with
 * zhsi_xcands_free). */
zhs_status zhsi_xwdb_candidates(zhsi_xwdb *db, char *const *terms, size_t n,
                                unsigned max, zhsi_xcand **out,
                                size_t *nout, char **errmsg);
/* The same from committed documents (of every shard of a stub). */
zhs_status zhsi_xdb_candidates(zhsi_xdb *db, char *const *terms, size_t n,
                               unsigned max, zhsi_xcand **out, size_t *nout,
                               char **errmsg);
void zhsi_xcands_free(zhsi_xcand *c, size_t n);

/* Deletes the documents having term `term` whose "Q" id term keep()
 * rejects (returns 0); *deleted counts them. */
zhs_status zhsi_xwdb_prune(zhsi_xwdb *db, const char *term,
                           int (*keep)(const char *idterm, void *arg),
                           void *arg, unsigned *deleted, char **errmsg);
zhs_status zhsi_xwdb_metadata(zhsi_xwdb *db, const char *key, char **value,
                              char **errmsg);
zhs_status zhsi_xwdb_set_metadata(zhsi_xwdb *db, const char *key,
                                  const char *value, char **errmsg);
/* The documents counted so far for each of n vocabulary words (0: none),
 * given in byte order, in freqs[i]. */
zhs_status zhsi_xwdb_spelling_freqs(zhsi_xwdb *db, const char *const *words,
                                    const size_t *lens, size_t n,
                                    unsigned *freqs, char **errmsg);
/* Adds (add != 0) or removes a pinyin key (pinyin.c) in the synonym
 * table. */
zhs_status zhsi_xwdb_pinyin_key(zhsi_xwdb *db, const char *key, size_t len,
                                int add, char **errmsg);
/* Adds freq documents to a vocabulary word's count. */
zhs_status zhsi_xwdb_add_spelling(zhsi_xwdb *db, const char *word, size_t len,
                                  unsigned freq, char **errmsg);
/* Replaces (or adds) the document indexed by the unique term idterm. */
zhs_status zhsi_xwdb_replace(zhsi_xwdb *db, const char *idterm,
                             zhsi_xdoc *doc, char **errmsg);
/* Offers doc's record to the samples that train db's dictionary of stored
 * data, which is trained (and set in db's metadata) once there are enough;
 * a no-op once db has one.  Call before writing doc. */
zhs_status zhsi_xwdb_sample(zhsi_xwdb *db, zhsi_xdoc *doc, char **errmsg);
/* A part of a parallel build compresses with main_db's dictionary. */
void zhsi_xwdb_share_dict(zhsi_xwdb *part, zhsi_xwdb *main_db);
zhs_status zhsi_xwdb_commit(zhsi_xwdb *db, char **errmsg);
/* Discards uncommitted changes and releases the lock. */
void zhsi_xwdb_close(zhsi_xwdb *db);
/* A new database at path (replacing any there) for one part of a parallel
 * first build: no transaction, no fsync; zhsi_xwdb_commit commits it. */
zhs_status zhsi_xwdb_open_part(const char *path, zhsi_xwdb **out,
                               char **errmsg);
/* Merges the n databases at parts into a new compacted database at out,
 * then commits metadata key = value on top of it. */
zhs_status zhsi_compact(const char *const *parts, size_t n, const char *out,
                        const char *key, const char *value, char **errmsg);

zhs_status zhsi_xdoc_new(zhsi_xdoc **out, char **errmsg);
void zhsi_xdoc_free(zhsi_xdoc *doc);
zhs_status zhsi_xdoc_add_term(zhsi_xdoc *doc, const char *term, size_t len,
                              unsigned wdfinc, char **errmsg);
zhs_status zhsi_xdoc_set_data(zhsi_xdoc *doc, const char *data, size_t len,
                              char **errmsg);
zhs_status zhsi_xdoc_add_boolean(zhsi_xdoc *doc, const char *term, size_t len,
                                 char **errmsg);
zhs_status zhsi_xdoc_set_value(zhsi_xdoc *doc, unsigned slot,
                               const char *value, char **errmsg);
/* How many distinct terms doc has (0 if Xapian cannot say). */
size_t zhsi_xdoc_terms(const zhsi_xdoc *doc);
zhs_status zhsi_xdoc_set_value_n(zhsi_xdoc *doc, unsigned slot,
                                 const char *value, size_t len,
                                 char **errmsg);
/* Whether a Xapian::Document (given as void *, for a check called from
 * the matcher) has a term; its value in slot, malloc'd (NULL on
 * failure). */
int zhsi_xdoc_has_term(const void *xapian_doc, const char *term);
char *zhsi_xdoc_value(const void *xapian_doc, unsigned slot);

enum zhsi_xop {
    ZHSI_XQ_AND, ZHSI_XQ_OR, ZHSI_XQ_AND_MAYBE, ZHSI_XQ_AND_NOT,
    ZHSI_XQ_SYNONYM
};
zhs_status zhsi_xq_term(const char *term, size_t len, zhsi_xq **out,
                        char **errmsg);
/* Combines n >= 1 subqueries (not consumed: free them yourself). */
zhs_status zhsi_xq_combine(enum zhsi_xop op, zhsi_xq *const *subs, size_t n,
                           zhsi_xq **out, char **errmsg);
/* Every document. */
zhs_status zhsi_xq_all(zhsi_xq **out, char **errmsg);
/* The query no document matches. */
zhs_status zhsi_xq_nothing(zhsi_xq **out, char **errmsg);
/* q with its weight multiplied by factor (0: a pure filter). */
zhs_status zhsi_xq_scale(const zhsi_xq *q, double factor, zhsi_xq **out,
                         char **errmsg);
/* The documents of q, each with the constant weight w. */
zhs_status zhsi_xq_const(const zhsi_xq *q, double w, zhsi_xq **out,
                         char **errmsg);
/* Documents whose value in slot lies in [lo, hi] (string order). */
zhs_status zhsi_xq_value_range(unsigned slot, const char *lo, const char *hi,
                               zhsi_xq **out, char **errmsg);
/* Xapian's description of q, malloc'd (for tests and --explain). */
char *zhsi_xq_describe(const zhsi_xq *q);
void zhsi_xq_free(zhsi_xq *q);

/* ---- pinyin.c ---------------------------------------------------- */

/* Readings of a word (or a character) of normalized text as the readings
 * table gives them: at most ZHSI_PY_MAX_READINGS, each toneless syllables
 * separated by single spaces, written to out[i]. */
#define ZHSI_PY_MAX_READINGS 4
#define ZHSI_PY_READING_BYTES 160
/* Number of readings of word (UTF-8, len bytes): those of its dictionary
 * entry, else those of the longest dictionary words and characters it is
 * made of (at most ZHSI_PY_MAX_READINGS combinations); 0 when a character
 * has none (not Han) or the word is too long. */
int zhsi_pinyin_readings(const char *word, size_t len,
                         char out[][ZHSI_PY_READING_BYTES], int max);
/* Gives a vocabulary word its pinyin keys for its count going from old
 * to old + add documents (the keys carry the count). */
zhs_status zhsi_pinyin_index_word(zhsi_xwdb *x, const char *word, size_t len,
                                  unsigned old, unsigned add, char **errmsg);
/* Whether a word (UTF-8) can have a reading: it starts with a non-ASCII
 * character. */
#define ZHSI_PY_CANDIDATE(w) ((unsigned char)(w)[0] >= 0x80)

/* A vocabulary word that a pinyin input matched. */
typedef struct zhsi_py_match {
    char *word;          /* the word, UTF-8, malloc'd */
    char *reading;       /* its reading that matched, malloc'd */
    unsigned docs;       /* documents holding it */
} zhsi_py_match;
/* Modes of zhsi_pinyin_match. */
#define ZHSI_PY_COMPLETE 0 /* full, prefix, initials, mixed with Han */
#define ZHSI_PY_EXACT 1    /* whole syllables, the whole word */
/* The vocabulary words that input (normalized text: letters, Han
 * characters, spaces or apostrophes between syllables) matches, the most
 * documents first, at most max, in *out (free with zhsi_py_matches_free).
 * No match (also for input that is not pinyin) is success with *n 0.
 * Index errors. */
zhs_status zhsi_pinyin_match(zhsi_xdb *db, const uint32_t *input, size_t n,
                             int mode, size_t max, zhsi_py_match **out,
                             size_t *nout, char **errmsg);
void zhsi_py_matches_free(zhsi_py_match *m, size_t n);
/* A zhsi_py_resolve_fn (query.c) over the index arg (a zhs_db): the
 * words read exactly so, the most documents first, at most
 * ZHSI_PY_MAX_WORDS. */
#define ZHSI_PY_MAX_WORDS 32u
zhs_status zhsi_pinyin_resolve(void *db, const uint32_t *cps, size_t n,
                               char ***words, size_t *nwords, char **errmsg);

/* ---- query.c ----------------------------------------------------- */

/* A string that must occur, as normalized code points.  Anchored ends
 * must fall on a token boundary (see the term scheme).  Inside a Latin
 * token a needle may hold joints, code points outside Unicode that stand
 * for the separators users write either way (utf-8, utf_8, utf8):
 * ZHSI_JOINT_OPT matches one '-' or '_' or nothing, ZHSI_JOINT_REQ one
 * '-' or '_'.  A joint always lies between two ASCII letters or digits,
 * so a needle never starts or ends with one and matching it needs no
 * backtracking (zhsi_needle_at). */
#define ZHSI_JOINT_OPT 0x110000u
#define ZHSI_JOINT_REQ 0x110001u
typedef struct zhsi_needle {
    uint32_t *cps;       /* normalized code points (and joints) */
    size_t n;            /* number of code points, >= 1 */
    char *utf8;          /* cps[key..key+nkey) as UTF-8 (NULL in needles
                            made outside query.c, which only snippets
                            read) */
    size_t nbytes;       /* bytes of utf8 */
    char *utf16;         /* the same as UTF-16LE (likewise) */
    size_t nbytes16;     /* bytes of utf16 */
    size_t key, nkey;    /* the longest run of cps without a joint (all
                            of them if there is none; query.c only): what
                            the check looks for first */
    int anchor_start;    /* must start a run of ASCII letters/digits */
    int anchor_end;      /* must end a run of ASCII letters/digits */
} zhsi_needle;

/* The separators a joint stands for. */
static inline int zhsi_is_joiner(uint32_t c) { return c == '-' || c == '_'; }
static inline int zhsi_is_joint(uint32_t c)
{
    return c == ZHSI_JOINT_OPT || c == ZHSI_JOINT_REQ;
}

/* Where needle nd, matched at cps[i] of the normalized text cps[0..n),
 * ends (its anchors and joints honoured), or 0 if it does not match
 * there.  What snippets highlight is exactly this match. */
size_t zhsi_needle_at(const zhsi_needle *nd, const uint32_t *cps, size_t n,
                      size_t i);

typedef struct zhsi_qnode zhsi_qnode;

/* A parsed query: its tree, and the strings to highlight in snippets (the
 * needles of every term not under NOT, and whole chunks). */
typedef struct zhsi_query {
    zhsi_qnode *root;    /* the parse tree */
    zhsi_needle *marks;  /* strings to highlight */
    size_t nmarks;       /* number of marks */
} zhsi_query;

/* Parses a query (grammar in zhsearch(1)).  Returns ZHS_EQUERY with a
 * message giving the 1-based code point position for: invalid UTF-8, over
 * ZHS_MAX_QUERY_CP code points, unbalanced quotes or parentheses, an empty
 * phrase or group, a dangling operator, a field without a value, a bad
 * date, a query with nothing searchable. */
zhs_status zhsi_query_parse(zhsi_segmenter *seg, const char *q,
                            zhsi_query *out, char **errmsg);
/* The words a pinyin: value (normalized: letters, spaces, apostrophes)
 * stands for, in *words (malloc'd, each malloc'd; none is success). */
typedef zhs_status (*zhsi_py_resolve_fn)(void *arg, const uint32_t *cps,
                                         size_t n, char ***words,
                                         size_t *nwords, char **errmsg);
/* zhsi_query_parse with pinyin: and py: resolved by resolve (NULL: they
 * are a query error). */
zhs_status zhsi_query_parse_py(zhsi_segmenter *seg, const char *q,
                               zhsi_py_resolve_fn resolve, void *resolve_arg,
                               zhsi_query *out, char **errmsg);
void zhsi_query_free(zhsi_query *q);
/* The parsed form, for tests: AND(x y), OR(x y), NOT(x), W(needle,...) for
 * words (^ and $ mark anchors), "..." for phrases, title:x, source:x, id:x,
 * date:lo..hi.  malloc'd. */
char *zhsi_query_describe(const zhsi_query *q);
/* Document frequency of a term, for the query builder's cost estimates;
 * arg is the builder's stats_arg. */
typedef unsigned (*zhsi_termfreq_fn)(const char *term, size_t len, void *arg);

/* The Xapian query for a parsed query: exactly its documents when
 * zhsi_query_exact(q), else a superset of them that zhsi_query_check
 * narrows.  tf (may be NULL) gives document frequencies. */
zhs_status zhsi_query_build(const zhsi_query *q, zhsi_termfreq_fn tf,
                            void *tf_arg, zhsi_xq **out, char **errmsg);
/* Whether the Xapian query of q needs no check of the stored text. */
int zhsi_query_exact(const zhsi_query *q);

/* One document as the check sees it: its normalized title and body
 * (UTF-8, from the stored data), and its filter fields on demand. */
typedef struct zhsi_doccheck {
    int wide;            /* title and body are UTF-16LE, not UTF-8 */
    const char *title;   /* normalized title */
    size_t ntitle;       /* its bytes */
    const char *body;    /* normalized body */
    size_t nbody;        /* its bytes */
    /* Whether the document passes a filter: kind 1, it has the term
     * `value` (source:, author:, id:); kind 0, its date key (value 0) lies
     * within lo..hi. */
    int (*field)(void *arg, int kind, const char *value, const char *lo,
                 const char *hi);
    void *arg;
} zhsi_doccheck;

/* Whether the document satisfies q exactly (grep semantics on the
 * normalized text, the filters as Xapian applies them). */
int zhsi_query_check(const zhsi_query *q, const zhsi_doccheck *d);

/* A strict query's relaxed form (see query.c, relaxation). */
typedef struct zhsi_relax zhsi_relax;
/* The relaxed form of q (which must outlive it) in *out, or NULL when q
 * has nothing to relax (one word, or an OR or title: at its top). */
zhs_status zhsi_relax_new(const zhsi_query *q, zhsi_termfreq_fn tf,
                          void *tf_arg, zhsi_relax **out, char **errmsg);
void zhsi_relax_free(zhsi_relax *r);
/* Its Xapian query: a superset of the relaxed matches, which
 * zhsi_relax_check decides. */
zhs_status zhsi_relax_build(const zhsi_relax *r, zhsi_termfreq_fn tf,
                            void *tf_arg, zhsi_xq **out, char **errmsg);
/* Whether a document is a relaxed match: no strict match, every phrase,
 * filter and NOT of the query holds, and at least kmin of the words
 * occur. */
int zhsi_relax_check(const zhsi_relax *r, const zhsi_doccheck *d);
/* How many of the words occur in the document. */
size_t zhsi_relax_count(const zhsi_relax *r, const zhsi_doccheck *d);
const zhsi_needle *zhsi_relax_words(const zhsi_relax *r, size_t *n);
/* What relaxed hits highlight: the words and the phrases. */
const zhsi_needle *zhsi_relax_marks(const zhsi_relax *r, size_t *n);
size_t zhsi_relax_kmin(const zhsi_relax *r);
/* Whether a string was split into words. */
int zhsi_relax_split(const zhsi_relax *r);

/* ---- search.c ---------------------------------------------------- */

/* Milliseconds on the monotonic clock, for took_ms. */
double zhsi_now_ms(void);

/* Makes w segment with the dictionary whose serial form (as an index
 * records it) is serial, and record it under name. */
zhs_status zhsi_writer_use_dict(zhs_writer *w, const char *serial,
                                const char *name, char **errmsg);

/* Makes xs check candidates against q's strings (zhsi_query_check) when
 * q's Xapian query is not exact; q must outlive the search. */
void zhsi_use_check(const zhsi_query *q, zhsi_xsearch *xs);
/* The check itself: arg is the zhsi_query, norm the document's value
 * ZHSI_SLOT_NORM, doc the Xapian document. */
int zhsi_accept(void *arg, const char *norm, size_t len, const void *doc);


/* ---- stored.c ---------------------------------------------------- */

/* A document's stored form (the Xapian data): a JSON object of its
 * fields ("id", "title", "path", "date", "source", "url", "author",
 * "origin": a string or null) and its "text", NUL characters stored as
 * spaces; malloc'd, NULL when out of memory. */
char *zhsi_stored_encode(const zhs_doc *doc);
/* The stored form data[0..len) back as a file document (*out).  Returns
 * ZHS_ECORRUPT when it is not such an object or lacks the id or the
 * text, ZHS_ENOMEM. */
zhs_status zhsi_stored_decode(const char *data, size_t len,
                              zhs_file_doc **out, char **errmsg);
/* Moves a field's string out of fd (the caller frees it; the field is
 * then NULL); NULL if the field has no value. */
char *zhsi_file_doc_take(zhs_file_doc *fd, const char **field);

/* ---- snippet.c --------------------------------------------------- */

#define ZHSI_SNIPPET_MAX_CP 120

/* Chooses up to max passages of t that best cover the needles (sentence
 * bounded, distinct, best first) and fills snippets[0..*n).  Always returns
 * at least one snippet for a non-empty text.  Returns ZHS_ENOMEM. */
zhs_status zhsi_snippets(const zhsi_text *t, const zhsi_needle *needles,
                         size_t nneedles, size_t max, zhs_snippet *snippets,
                         size_t *n);
void zhsi_snippet_clear(zhs_snippet *s);

/* Every occurrence of the needles in t as display spans (cp offsets),
 * ascending; overlapping occurrences merge into one span, as highlights
 * do.  *spans is malloc'd (also when *n is 0).  Returns ZHS_ENOMEM. */
zhs_status zhsi_find_spans(const zhsi_text *t, const zhsi_needle *needles,
                           size_t nneedles, zhs_span **spans, size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* ZHS_INT_H */
