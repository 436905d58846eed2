/* query.c: the query language, parsed into a tree and built into Xapian.
 *
 *   query   := or
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*
 *   unary   := ("NOT" | "-") unary | primary
 *   primary := "(" or ")" | "\"" text "\"" | field ":" value | word
 *   field   := title | source | author | id | date | pinyin | py
 *
 * Boolean operators are upper case: "and", "or" and "not" are words.  A
 * chunk that starts with ASCII letters and a colon (foo:bar) names a
 * field; one that is not a field is an error, so that a typo is not
 * searched as text (quote it, "foo:bar", to search for the text).
 *
 * A word (a white-space separated chunk) must occur as a substring of the
 * normalized text, so a hit never depends on how ICU segmented the
 * document.  ICU splits a chunk into words; characters it leaves single
 * (援|疆) are joined to their neighbours, separate words (阿克苏|医院) must
 * each occur.  The user dictionary is not used for this split (recall
 * never depends on it), only for the words that rank.
 *
 * No term has positions (see the scheme in zhs-int.h).  A string's Xapian
 * query is its character term or all its bigrams: exact for one or two
 * characters, a superset for longer (or anchored) strings, whose
 * candidates zhsi_query_check confirms against the stored normalized
 * text; a NOT of such a string is left to the check entirely.  Bigrams
 * rank as Chinese n-gram engines rank, words of three or more characters
 * add weight where the document has them as words, and the bigrams that
 * join a chunk's words (or words given side by side) stand in for phrase
 * boosts.  Runs of ASCII letters and digits in a word are anchored at
 * token boundaries (120 does not match 1200, ai does not match main);
 * "quoted text" matches exactly, with grep semantics.
 *
 * pinyin:yuanjiang (py: for short) is the vocabulary words read so, each
 * as if quoted, ORed (py:yuanjiang is "援疆" and any other word read yuan
 * jiang): the parser asks the index (zhsi_query_parse_py's resolver, see
 * pinyin.c) and builds that OR, so that checking and highlighting are
 * those of quoted text.  A reading no word has matches nothing.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "zhs-int.h"

enum qkind {
    Q_TEXT, Q_PHRASE, Q_AND, Q_OR, Q_NOT, Q_TITLE, Q_SOURCE, Q_ID, Q_DATE,
    Q_AUTHOR
};

struct zhsi_qnode {
    enum qkind kind;
    zhsi_qnode **kids;   /* AND, OR: operands; NOT, TITLE: one */
    size_t nkids;
    zhsi_needle *needles;/* TEXT: strings that must occur; PHRASE: one */
    size_t nneedles;
    zhsi_needle *words;  /* TEXT: word terms that rank */
    size_t nwords;
    zhsi_needle whole;   /* TEXT, PHRASE: the whole normalized text */
    int prefix;          /* TEXT: whole ends with a prefix token (deb*) */
    char *value;         /* SOURCE, ID, AUTHOR: the term's value */
    char lo[9], hi[9];   /* DATE: YYYYMMDD bounds */
};

/* ---- tokens ------------------------------------------------------ */

enum tkind {
    T_END, T_WORD, T_PHRASE, T_LPAREN, T_RPAREN, T_OR, T_AND, T_NOT,
    T_MINUS, T_FIELD
};

struct token {
    enum tkind kind;
    size_t pos;          /* 0-based code point offset in the query */
    size_t a, b;         /* payload [a, b) in code points */
    enum qkind field;    /* T_FIELD: Q_TITLE, Q_SOURCE, Q_AUTHOR, Q_ID,
                            Q_DATE, or Q_TEXT for pinyin: */
    int quoted;          /* T_FIELD: the value was "quoted" */
};

struct parser {
    const uint32_t *cps; /* the query */
    size_t n;
    struct token *toks;
    size_t ntoks, at;
    zhsi_segmenter *seg;
    zhsi_query *q;
    char **errmsg;
    zhsi_py_resolve_fn resolve; /* pinyin: words, or NULL */
    void *resolve_arg;
};

static int is_quote(uint32_t c) { return c == '"' || c == 0xFF02; }

static int word_char(uint32_t c)
{
    return !zhsi_is_space(c) && !is_quote(c) && c != '(' && c != ')';
}

static int cps_eq(const uint32_t *c, size_t n, const char *ascii)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (ascii[i] == '\0' || c[i] != (unsigned char)ascii[i])
            return 0;
    return ascii[n] == '\0';
}

static int ascii_letter(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether cps[i..n) starts with a field-like name: ASCII letters and a
 * colon not followed by "//" (http://... is text). */
static int field_like(const uint32_t *cps, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && ascii_letter(cps[k]))
        k++;
    return k > i && k < n && cps[k] == ':'
        && !(k + 2 < n && cps[k + 1] == '/' && cps[k + 2] == '/');
}

/* Whether the '-' at cps[i] (a word follows) is the NOT operator: before
 * a quote, a parenthesis, a field (-title:x) or a character that is not
 * ASCII after NFKC (-石河子).  Before an ASCII letter, digit or
 * punctuation it is part of the word: ls -l, --help, -5. */
static int minus_is_not(const uint32_t *cps, size_t n, size_t i)
{
    uint32_t f[18];
    size_t nf;

    if (i + 1 >= n)
        return 1;
    if (is_quote(cps[i + 1]) || cps[i + 1] == '(')
        return 1;
    if (field_like(cps, n, i + 1))
        return 1;
    nf = zhsi_fold_cp(cps[i + 1], f);
    return nf == 0 || f[0] >= 0x80;
}

static zhs_status tokenize(struct parser *p)
{
    static const struct {
        const char *name;
        enum qkind kind;
    } fields[] = {{"title:", Q_TITLE}, {"source:", Q_SOURCE},
                  {"author:", Q_AUTHOR}, {"id:", Q_ID}, {"date:", Q_DATE},
                  {"pinyin:", Q_TEXT}, {"py:", Q_TEXT}};
    const size_t nfields = sizeof fields / sizeof fields[0];
    size_t i = 0, f;

    p->toks = calloc(p->n + 1, sizeof *p->toks);
    if (p->toks == NULL)
        return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
    while (i < p->n) {
        struct token *t = &p->toks[p->ntoks];
        uint32_t c = p->cps[i];

        if (zhsi_is_space(c)) {
            i++;
            continue;
        }
        t->pos = i;
        if (c == '(' || c == ')') {
            t->kind = c == '(' ? T_LPAREN : T_RPAREN;
            i++;
        } else if (is_quote(c)) {
            size_t e = i + 1;
            while (e < p->n && !is_quote(p->cps[e]))
                e++;
            if (e == p->n)
                return zhsi_fail(p->errmsg, ZHS_EQUERY, "unbalanced quote at "
                                 "position %zu", i + 1);
            t->kind = T_PHRASE;
            t->a = i + 1;
            t->b = e;
            i = e + 1;
        } else if (c == '-' && (i + 1 == p->n || !word_char(p->cps[i + 1]))
                   && (i + 1 == p->n || !is_quote(p->cps[i + 1]))
                   && (i + 1 == p->n || p->cps[i + 1] != '(')) {
            return zhsi_fail(p->errmsg, ZHS_EQUERY, "'-' at position %zu "
                             "needs a term right after it", i + 1);
        } else if (c == '-' && minus_is_not(p->cps, p->n, i)) {
            t->kind = T_MINUS;
            i++;
        } else {
            size_t e = i;
            while (e < p->n && word_char(p->cps[e]))
                e++;
            t->kind = T_WORD;
            t->a = i;
            t->b = e;
            if (cps_eq(p->cps + i, e - i, "OR"))
                t->kind = T_OR;
            else if (cps_eq(p->cps + i, e - i, "AND"))
                t->kind = T_AND;
            else if (cps_eq(p->cps + i, e - i, "NOT"))
                t->kind = T_NOT;
            for (f = 0; t->kind == T_WORD && f < nfields; f++) {
                size_t fl = strlen(fields[f].name);
                if (e - i < fl || !cps_eq(p->cps + i, fl, fields[f].name))
                    continue;
                t->kind = T_FIELD;
                t->field = fields[f].kind;
                t->a = i + fl;
                if (t->a == e && e < p->n && is_quote(p->cps[e])) {
                    size_t qe = e + 1;  /* title:"..." */
                    while (qe < p->n && !is_quote(p->cps[qe]))
                        qe++;
                    if (qe == p->n)
                        return zhsi_fail(p->errmsg, ZHS_EQUERY, "unbalanced "
                                         "quote at position %zu", e + 1);
                    t->a = e + 1;
                    t->quoted = 1;
                    e = qe + 1;
                    t->b = qe;
                } else if (t->a == e) {
                    return zhsi_fail(p->errmsg, ZHS_EQUERY, "'%s' at position "
                                     "%zu needs a value", fields[f].name,
                                     i + 1);
                }
            }
            if (t->kind == T_WORD && field_like(p->cps, e, i)) {
                size_t k = i;
                char *name;
                zhs_status st;
                while (ascii_letter(p->cps[k]))
                    k++;
                name = zhsi_utf8_encode(p->cps + i, k - i);
                st = zhsi_fail(p->errmsg, ZHS_EQUERY, "unknown field "
                               "'%.40s:' at position %zu (fields: title, "
                               "source, author, id, date, pinyin or py; "
                               "quote text to "
                               "search for it as it is)",
                               name ? name : "?", i + 1);
                free(name);
                return st;
            }
            i = e;
        }
        p->ntoks++;
    }
    p->toks[p->ntoks].kind = T_END;
    p->toks[p->ntoks].pos = p->n;
    return ZHS_OK;
}

/* ---- nodes ------------------------------------------------------- */

static void free_needles(zhsi_needle *a, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        free(a[i].cps);
        free(a[i].utf8);
        free(a[i].utf16);
    }
    free(a);
}

static void free_node(zhsi_qnode *nd)
{
    size_t i;

    if (nd == NULL)
        return;
    for (i = 0; i < nd->nkids; i++)
        free_node(nd->kids[i]);
    free(nd->kids);
    free_needles(nd->needles, nd->nneedles);
    free_needles(nd->words, nd->nwords);
    free(nd->whole.cps);
    free(nd->value);
    free(nd);
}

static zhsi_qnode *new_node(enum qkind kind)
{
    zhsi_qnode *nd = calloc(1, sizeof *nd);
    if (nd)
        nd->kind = kind;
    return nd;
}

static int add_kid(zhsi_qnode *nd, zhsi_qnode *kid)
{
    zhsi_qnode **k = realloc(nd->kids, (nd->nkids + 1) * sizeof *k);
    if (k == NULL)
        return -1;
    nd->kids = k;
    nd->kids[nd->nkids++] = kid;
    return 0;
}

/* Appends a copy of cps[0..n) to a needle array, skipping duplicates. */
static int push_needle(zhsi_needle **arr, size_t *count, const uint32_t *cps,
                       size_t n, int anchor_start, int anchor_end)
{
    zhsi_needle *na;
    size_t i, j, key, head;

    for (i = 0; i < *count; i++)
        if ((*arr)[i].n == n && (*arr)[i].anchor_start == anchor_start
            && (*arr)[i].anchor_end == anchor_end
            && memcmp((*arr)[i].cps, cps, n * sizeof *cps) == 0)
            return 0;
    na = realloc(*arr, (*count + 1) * sizeof *na);
    if (na == NULL)
        return -1;
    *arr = na;
    na[*count].cps = malloc(n * sizeof *cps);
    if (na[*count].cps == NULL)
        return -1;
    memcpy(na[*count].cps, cps, n * sizeof *cps);
    /* the longest piece between joints is what memmem looks for */
    for (i = 0, key = 0, head = 0; i < n; i = j + 1) {
        for (j = i; j < n && !zhsi_is_joint(cps[j]); j++)
            ;
        if (j - i > head) {
            key = i;
            head = j - i;
        }
    }
    cps += key;
    na[*count].key = key;
    na[*count].nkey = head;
    na[*count].utf8 = zhsi_utf8_encode(cps, head);
    if (na[*count].utf8 == NULL) {
        free(na[*count].cps);
        return -1;
    }
    na[*count].nbytes = strlen(na[*count].utf8);
    if ((na[*count].utf16 = malloc(4 * head + 1)) == NULL) {
        free(na[*count].cps);
        free(na[*count].utf8);
        return -1;
    }
    na[*count].nbytes16 = 0;
    for (i = 0; i < head; i++)
        na[*count].nbytes16 += zhsi_utf16_put(na[*count].utf16
                                              + na[*count].nbytes16, cps[i]);
    na[*count].n = n;
    na[*count].anchor_start = anchor_start;
    na[*count].anchor_end = anchor_end;
    (*count)++;
    return 0;
}

/* Normalizes query text cps[a..b) into t. */
static zhs_status normalize_span(struct parser *p, size_t a, size_t b,
                                 zhsi_text *t)
{
    char *s = zhsi_utf8_encode(p->cps + a, b - a);
    zhs_status st;

    if (s == NULL)
        return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
    st = zhsi_text_build(s, strlen(s), ZHSI_TEXT_NORM_ONLY, t,
                         p->errmsg);
    free(s);
    return st;
}

/* Segments of one chunk, collected from the segmenter. */
struct segs {
    size_t (*s)[2];
    size_t n, cap;
    int oom;
};

static int collect_seg(size_t start, size_t end, void *arg)
{
    struct segs *c = arg;

    if (c->n == c->cap) {
        size_t (*ns)[2] = realloc(c->s, (c->cap ? c->cap * 2 : 16)
                                            * sizeof *ns);
        if (ns == NULL) {
            c->oom = 1;
            return 1;
        }
        c->s = ns;
        c->cap = c->cap ? c->cap * 2 : 16;
    }
    c->s[c->n][0] = start;
    c->s[c->n][1] = end;
    c->n++;
    return 0;
}

/* ---- Latin tokens ------------------------------------------------
 *
 * In an unquoted word, a run of letters and digits with the punctuation
 * that belongs to it is one token, looked for whole: .deb, c++, utf-8,
 * node.js, 3.14, x86_64, /etc/fstab, --help, v1.2.3, 96.43%.  Punctuation
 * may lead a token at the start of a word or after other ASCII
 * (LEAD_PUNCT), join two runs of letters and digits (INNER_PUNCT, and a
 * comma between digits: 1,000) and end one (TRAIL_PUNCT).  Anything else
 * (CJK, white space, other punctuation) separates tokens.  A token's
 * ends that are ASCII letters or digits are anchored at token
 * boundaries: deb does not match debian, unless written deb* (a '*'
 * right after a token makes it a prefix).  Separators are written either
 * way: a '-' or '_' between letters and digits, or the step between a
 * letter and a digit, is a joint (zhsi_needle), so utf-8, utf_8 and utf8
 * find each other, and x86_64 finds x86-64; two digits need their
 * separator (10-20 is not 1020); '.', '+', '/' and the others are
 * literal (node.js is not nodejs, 3.14 is not 314).
 */

#define LEAD_PUNCT ".-_/~$@#+%&\\"
#define INNER_PUNCT ".-_/:@+#'&~%=?\\"
#define TRAIL_PUNCT "+#%/_$"

static int in_set(uint32_t c, const char *set)
{
    return c > 0 && c < 0x80 && strchr(set, (int)c) != NULL;
}

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* Letters of a token: ASCII letters and digits (after folding), and the
 * letters of the alphabets written with them (é, ß, Greek, Cyrillic),
 * which join a token but do not anchor it (the index marks boundaries of
 * ASCII runs only). */
static int latin_letter(uint32_t c)
{
    return zhsi_is_alnum(c)
        || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7)
        || (c >= 0x370 && c <= 0x52F);
}

static int inner_at(const uint32_t *c, size_t n, size_t k)
{
    return in_set(c[k], INNER_PUNCT) || c[k] == 0x2019       /* don’t */
        || (c[k] == ',' && k > 0 && is_digit(c[k - 1]) && k + 1 < n
            && is_digit(c[k + 1]));
}

/* The end of the token whose first letter is c[j]. */
static size_t token_end(const uint32_t *c, size_t n, size_t j)
{
    size_t e = j, k;

    for (;;) {
        while (e < n && latin_letter(c[e]))
            e++;
        for (k = e; k < n && inner_at(c, n, k); k++)
            ;
        if (k == e || k == n || !latin_letter(c[k]))
            break;
        e = k;
    }
    while (e < n && in_set(c[e], TRAIL_PUNCT))
        e++;
    return e;
}

/* A required segment of a word: a Latin token or a piece of ICU's
 * segmentation outside the tokens. */
struct rseg {
    size_t a, b;         /* [a, b) in the normalized word */
    int prefix;          /* a token followed by '*' */
};

struct rsegs {
    struct rseg *v;
    size_t n, cap;
};

static int rs_push(struct rsegs *r, size_t a, size_t b, int prefix)
{
    if (a >= b)
        return 0;
    if (r->n == r->cap) {
        struct rseg *nv = realloc(r->v, (r->cap ? r->cap * 2 : 16)
                                            * sizeof *nv);
        if (nv == NULL)
            return -1;
        r->v = nv;
        r->cap = r->cap ? r->cap * 2 : 16;
    }
    r->v[r->n].a = a;
    r->v[r->n].b = b;
    r->v[r->n].prefix = prefix;
    r->n++;
    return 0;
}

static int by_rseg(const void *x, const void *y)
{
    const struct rseg *a = x, *b = y;
    return a->a < b->a ? -1 : a->a > b->a;
}

/* The required segments of normalized word c[0..n), given ICU's segments
 * sg: its Latin tokens, and the parts of ICU's segments outside them, in
 * text order.  -1 when out of memory. */
static int required_segments(const uint32_t *c, size_t n,
                             const struct segs *sg, struct rsegs *out)
{
    size_t i = 0, j, e, ntok, k;

    while (i < n) {
        for (j = i; j < n && in_set(c[j], LEAD_PUNCT)
                    && (j > i || i == 0 || c[i - 1] < 0x80);
             j++)
            ;
        if (j == n || !latin_letter(c[j])) {
            i = j > i ? j : i + 1;
            continue;
        }
        e = token_end(c, n, j);
        if (rs_push(out, i, e, e < n && c[e] == '*'
                                   && zhsi_is_alnum(c[e - 1])))
            return -1;
        i = e;
    }
    ntok = out->n;
    for (i = 0; i < sg->n; i++) {
        size_t a = sg->s[i][0], b = sg->s[i][1];
        for (k = 0; k < ntok && a < b; k++) {
            /* copied: rs_push may move out->v */
            size_t ta = out->v[k].a, tb = out->v[k].b;
            if (tb <= a || ta >= b)
                continue;
            if (ta > a && rs_push(out, a, ta, 0))
                return -1;
            a = tb;
        }
        if (a < b && rs_push(out, a, b, 0))
            return -1;
    }
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, by_rseg);
    return 0;
}

/* The needle pattern of normalized text c[0..n) in out (room for 2n code
 * points): a '-' or '_' between two ASCII letters or digits becomes a
 * joint, and so does the step between a letter and a digit (see above).
 * Returns its length. */
static size_t make_pattern(const uint32_t *c, size_t n, uint32_t *out)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++) {
        if (i > 0 && i + 1 < n && zhsi_is_joiner(c[i])
            && zhsi_is_alnum(c[i - 1]) && zhsi_is_alnum(c[i + 1])) {
            out[k++] = is_digit(c[i - 1]) && is_digit(c[i + 1])
                ? ZHSI_JOINT_REQ : ZHSI_JOINT_OPT;
            continue;
        }
        if (i > 0 && zhsi_is_alnum(c[i - 1]) && zhsi_is_alnum(c[i])
            && is_digit(c[i - 1]) != is_digit(c[i]))
            out[k++] = ZHSI_JOINT_OPT;
        out[k++] = c[i];
    }
    return k;
}

/* Appends the pattern of c[0..n) as a needle, anchored where its ends are
 * ASCII letters or digits (the end not when it is a prefix). */
static int push_pattern(zhsi_needle **arr, size_t *count, const uint32_t *c,
                        size_t n, int prefix)
{
    uint32_t *pat = malloc((2 * n + 1) * sizeof *pat);
    size_t k;
    int r;

    if (pat == NULL)
        return -1;
    k = make_pattern(c, n, pat);
    r = push_needle(arr, count, pat, k, zhsi_is_alnum(c[0]),
                    zhsi_is_alnum(c[n - 1]) && !prefix);
    free(pat);
    return r;
}

/* A word or phrase node from query text [a, b); *out is NULL when the text
 * holds nothing searchable (only punctuation). */
static zhs_status text_node(struct parser *p, size_t a, size_t b, int exact,
                            zhsi_qnode **out)
{
    zhsi_text t = {0};
    struct segs sg = {NULL, 0, 0, 0};
    struct rsegs rs = {NULL, 0, 0};
    zhsi_qnode *nd = NULL;
    size_t i, j;
    zhs_status st;

    *out = NULL;
    if ((st = normalize_span(p, a, b, &t)) != ZHS_OK)
        return st;
    if (exact) {
        if (t.nnorm == 0) {
            zhsi_text_free(&t);
            return zhsi_fail(p->errmsg, ZHS_EQUERY, "empty phrase at "
                             "position %zu", a);
        }
        nd = new_node(Q_PHRASE);
        if (nd == NULL || push_needle(&nd->needles, &nd->nneedles, t.norm,
                                      t.nnorm, 0, 0))
            goto oom;
    } else {
        st = zhsi_segment_icu(p->seg, t.norm, t.nnorm, collect_seg, &sg,
                              p->errmsg);
        if (st == ZHS_OK && !sg.oom
            && required_segments(t.norm, t.nnorm, &sg, &rs) < 0)
            sg.oom = 1;
        if (st != ZHS_OK || sg.oom || rs.n == 0) {
            if (sg.oom)
                goto oom;
            free(sg.s);
            zhsi_text_free(&t);
            return st;
        }
        nd = new_node(Q_TEXT);
        if (nd == NULL)
            goto oom;
        /* Required strings: the Latin tokens and ICU's segments, single
         * characters joined to the segments they touch. */
        for (i = 0; i < rs.n; i = j) {
            size_t s0 = rs.v[i].a, e0;
            for (j = i + 1; j < rs.n && rs.v[j].a == rs.v[j - 1].b
                            && (rs.v[j].b - rs.v[j].a == 1
                                || rs.v[j - 1].b - rs.v[j - 1].a == 1);
                 j++)
                ;
            e0 = rs.v[j - 1].b;
            if (push_pattern(&nd->needles, &nd->nneedles, t.norm + s0,
                             e0 - s0, rs.v[j - 1].prefix)
                || push_needle(&nd->words, &nd->nwords, t.norm + s0, e0 - s0,
                               0, 0))
                goto oom;
        }
        /* The whole word, highlighted where it occurs whole (add_marks);
         * a prefix's '*' is not part of it. */
        if (rs.v[rs.n - 1].prefix && rs.v[rs.n - 1].b + 1 == t.nnorm) {
            t.nnorm--;
            nd->prefix = 1;
        }
        /* Rank words: the multi-character words of the segmentation with
         * the dictionary (what the documents were indexed with); without
         * one, that is the ICU segmentation already at hand. */
        if (zhsi_segmenter_has_dict(p->seg)) {
            sg.n = 0;
            st = zhsi_segment(p->seg, t.norm, t.nnorm, collect_seg, &sg,
                              p->errmsg);
            if (sg.oom)
                goto oom;
        }
        for (i = 0; st == ZHS_OK && i < sg.n; i++)
            if (sg.s[i][1] - sg.s[i][0] > 1
                && push_needle(&nd->words, &nd->nwords, t.norm + sg.s[i][0],
                               sg.s[i][1] - sg.s[i][0], 0, 0))
                goto oom;
        if (st != ZHS_OK) {
            free(sg.s);
            free(rs.v);
            zhsi_text_free(&t);
            free_node(nd);
            return st;
        }
    }
    nd->whole.cps = t.norm;             /* the node takes the text */
    nd->whole.n = t.nnorm;
    t.norm = NULL;
    free(sg.s);
    free(rs.v);
    zhsi_text_free(&t);
    *out = nd;
    return ZHS_OK;
oom:
    free(sg.s);
    free(rs.v);
    zhsi_text_free(&t);
    free_node(nd);
    return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
}

/* Records what a positive text node should highlight. */
static int add_marks(zhsi_query *q, const zhsi_qnode *nd)
{
    size_t i;

    for (i = 0; i < nd->nneedles; i++)
        if (push_needle(&q->marks, &q->nmarks, nd->needles[i].cps,
                        nd->needles[i].n, nd->needles[i].anchor_start,
                        nd->needles[i].anchor_end))
            return -1;
    /* The whole chunk too, so that 门诊总量 and 96.43% light up whole where
     * they occur whole (overlapping highlights merge); as a pattern with
     * anchors, like its tokens (push_needle skips it when it is the one
     * needle). */
    if (nd->kind == Q_TEXT && nd->whole.n > 0
        && push_pattern(&q->marks, &q->nmarks, nd->whole.cps, nd->whole.n,
                        nd->prefix))
        return -1;
    return 0;
}

/* ---- parsing ----------------------------------------------------- */

static zhs_status parse_or(struct parser *p, int neg, zhsi_qnode **out);

static struct token *peek(struct parser *p) { return &p->toks[p->at]; }

static int starts_term(enum tkind k)
{
    return k == T_WORD || k == T_PHRASE || k == T_LPAREN || k == T_NOT
        || k == T_MINUS || k == T_FIELD;
}

/* pinyin:READING: the vocabulary words read so, each a phrase, ORed. */
static zhs_status pinyin_node(struct parser *p, const struct token *t,
                              int neg, zhsi_qnode **out)
{
    zhsi_text v = {0};
    zhsi_qnode *nd, *kid;
    char **words = NULL;
    size_t nwords = 0, i;
    zhs_status st;

    *out = NULL;
    if (p->resolve == NULL)
        return zhsi_fail(p->errmsg, ZHS_EQUERY, "pinyin: at position %zu "
                         "needs an index to find words in", t->pos + 1);
    if ((st = normalize_span(p, t->a, t->b, &v)) != ZHS_OK)
        return st;
    for (i = 0; i < v.nnorm; i++)
        if (!((v.norm[i] >= 'a' && v.norm[i] <= 'z') || v.norm[i] == '\''
              || zhsi_is_space(v.norm[i])))
            break;
    if (i < v.nnorm || v.nnorm == 0) {
        zhsi_text_free(&v);
        return zhsi_fail(p->errmsg, ZHS_EQUERY, "pinyin: at position %zu "
                         "wants letters (pinyin without tones, such as "
                         "py:yuanjiang or pinyin:\"yuan jiang\")",
                         t->pos + 1);
    }
    st = p->resolve(p->resolve_arg, v.norm, v.nnorm, &words, &nwords,
                    p->errmsg);
    zhsi_text_free(&v);
    if (st != ZHS_OK)
        return st;
    if ((nd = new_node(Q_OR)) == NULL)
        goto oom;
    for (i = 0; i < nwords; i++) {
        uint32_t *c = NULL;
        size_t n = 0, bad = 0;
        if (zhsi_utf8_decode(words[i], strlen(words[i]), &c, &n, &bad)
            != ZHS_OK)
            goto oom;
        kid = new_node(Q_PHRASE);
        if (kid == NULL || push_needle(&kid->needles, &kid->nneedles, c, n,
                                       0, 0)) {
            free(c);
            free_node(kid);
            goto oom;
        }
        kid->whole.cps = c;
        kid->whole.n = n;
        if (add_kid(nd, kid)) {
            free_node(kid);
            goto oom;
        }
        if (!neg && add_marks(p->q, kid))
            goto oom;
    }
    for (i = 0; i < nwords; i++)
        free(words[i]);
    free(words);
    *out = nd;
    return ZHS_OK;
oom:
    for (i = 0; i < nwords; i++)
        free(words[i]);
    free(words);
    free_node(nd);
    return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
}

static zhs_status field_node(struct parser *p, const struct token *t, int neg,
                             zhsi_qnode **out)
{
    zhsi_qnode *nd = NULL, *kid = NULL;
    zhsi_text v = {0};
    zhs_status st;

    *out = NULL;
    if (t->field == Q_TEXT)
        return pinyin_node(p, t, neg, out);
    if (t->field == Q_TITLE) {
        st = text_node(p, t->a, t->b, t->quoted, &kid);
        if (st != ZHS_OK || kid == NULL)
            return st != ZHS_OK ? st
                : zhsi_fail(p->errmsg, ZHS_EQUERY, "title: at position %zu "
                            "has nothing to search for", t->pos + 1);
        if ((nd = new_node(Q_TITLE)) == NULL || add_kid(nd, kid)
            || (!neg && add_marks(p->q, kid))) {
            free_node(kid);
            free_node(nd);
            return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
        }
        *out = nd;
        return ZHS_OK;
    }
    if (t->field == Q_DATE) {
        char *s = zhsi_utf8_encode(p->cps + t->a, t->b - t->a), *dots;
        char lo[9] = "00000000", hi[9] = "99999999", x[9];
        int bad = 0;
        if (s == NULL)
            return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
        dots = strstr(s, "..");
        if (dots) {
            *dots = '\0';
            bad = (s[0] && zhsi_date_range(s, strlen(s), lo, x) < 0)
                || (dots[2] && zhsi_date_range(dots + 2, strlen(dots + 2), x,
                                               hi) < 0)
                || (!s[0] && !dots[2]);
        } else {
            bad = zhsi_date_range(s, strlen(s), lo, hi) < 0;
        }
        if (!bad && strcmp(lo, hi) > 0)
            bad = 1;
        free(s);
        if (bad)
            return zhsi_fail(p->errmsg, ZHS_EQUERY, "invalid date at position "
                             "%zu (want YYYY, YYYY-MM or YYYY-MM-DD, or a "
                             "range A..B of those)", t->a + 1);
        if ((nd = new_node(Q_DATE)) == NULL)
            return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
        memcpy(nd->lo, lo, 9);
        memcpy(nd->hi, hi, 9);
        *out = nd;
        return ZHS_OK;
    }
    /* source: and author: are matched on their normalized form, id:
     * exactly. */
    nd = new_node(t->field);
    if (nd == NULL)
        return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
    if (t->field == Q_SOURCE || t->field == Q_AUTHOR) {
        if ((st = normalize_span(p, t->a, t->b, &v)) != ZHS_OK) {
            free_node(nd);
            return st;
        }
        nd->value = zhsi_utf8_encode(v.norm, v.nnorm);
        zhsi_text_free(&v);
    } else {
        nd->value = zhsi_utf8_encode(p->cps + t->a, t->b - t->a);
    }
    if (nd->value == NULL) {
        free_node(nd);
        return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
    }
    *out = nd;
    return ZHS_OK;
}

static zhs_status parse_unary(struct parser *p, int neg, zhsi_qnode **out)
{
    struct token *t = peek(p);
    zhsi_qnode *nd = NULL, *kid = NULL;
    zhs_status st;

    *out = NULL;
    switch (t->kind) {
    case T_NOT:
    case T_MINUS:
        p->at++;
        if (!starts_term(peek(p)->kind))
            return zhsi_fail(p->errmsg, ZHS_EQUERY, "%s at position %zu "
                             "needs a term after it",
                             t->kind == T_NOT ? "NOT" : "'-'", t->pos + 1);
        if ((st = parse_unary(p, !neg, &kid)) != ZHS_OK || kid == NULL)
            return st;
        if ((nd = new_node(Q_NOT)) == NULL || add_kid(nd, kid)) {
            free_node(kid);
            free_node(nd);
            return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
        }
        *out = nd;
        return ZHS_OK;
    case T_LPAREN:
        p->at++;
        if (peek(p)->kind == T_RPAREN)
            return zhsi_fail(p->errmsg, ZHS_EQUERY, "empty parentheses at "
                             "position %zu", t->pos + 1);
        if ((st = parse_or(p, neg, &nd)) != ZHS_OK)
            return st;
        if (peek(p)->kind != T_RPAREN) {
            free_node(nd);
            return zhsi_fail(p->errmsg, ZHS_EQUERY, "unbalanced '(' at "
                             "position %zu", t->pos + 1);
        }
        p->at++;
        *out = nd;
        return ZHS_OK;
    case T_WORD:
    case T_PHRASE:
        p->at++;
        st = text_node(p, t->a, t->b, t->kind == T_PHRASE, &nd);
        if (st == ZHS_OK && nd != NULL && !neg && add_marks(p->q, nd)) {
            free_node(nd);
            return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
        }
        *out = nd;
        return st;
    case T_FIELD:
        p->at++;
        return field_node(p, t, neg, out);
    default:
        return zhsi_fail(p->errmsg, ZHS_EQUERY, "unexpected %s at position "
                         "%zu", t->kind == T_RPAREN ? "')'"
                         : t->kind == T_OR ? "OR" : t->kind == T_AND ? "AND"
                         : "end", t->pos + 1);
    }
}

/* Items of an implicit AND; NULL items (punctuation) are dropped. */
static zhs_status parse_and(struct parser *p, int neg, zhsi_qnode **out)
{
    zhsi_qnode *nd = new_node(Q_AND), *kid;
    zhs_status st;

    *out = NULL;
    if (nd == NULL)
        return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
    for (;;) {
        struct token *t = peek(p);
        if (t->kind == T_AND) {
            if (nd->nkids == 0 || !starts_term(p->toks[p->at + 1].kind)) {
                free_node(nd);
                return zhsi_fail(p->errmsg, ZHS_EQUERY, "AND at position %zu "
                                 "needs a term on each side", t->pos + 1);
            }
            p->at++;
            continue;
        }
        if (!starts_term(t->kind))
            break;
        if ((st = parse_unary(p, neg, &kid)) != ZHS_OK) {
            free_node(nd);
            return st;
        }
        if (kid != NULL && add_kid(nd, kid)) {
            free_node(kid);
            free_node(nd);
            return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
        }
    }
    if (nd->nkids == 1) {               /* no need for a one-item AND */
        kid = nd->kids[0];
        nd->nkids = 0;
        free_node(nd);
        nd = kid;
    } else if (nd->nkids == 0) {
        free_node(nd);
        nd = NULL;
    }
    *out = nd;
    return ZHS_OK;
}

static zhs_status parse_or(struct parser *p, int neg, zhsi_qnode **out)
{
    zhsi_qnode *nd = NULL, *kid = NULL;
    zhs_status st;

    *out = NULL;
    if (peek(p)->kind == T_OR)
        return zhsi_fail(p->errmsg, ZHS_EQUERY, "OR at position %zu needs a "
                         "term on each side", peek(p)->pos + 1);
    if ((st = parse_and(p, neg, &kid)) != ZHS_OK)
        return st;
    while (peek(p)->kind == T_OR) {
        struct token *t = peek(p);
        p->at++;
        if (!starts_term(peek(p)->kind)) {
            free_node(kid);
            free_node(nd);
            return zhsi_fail(p->errmsg, ZHS_EQUERY, "OR at position %zu "
                             "needs a term on each side", t->pos + 1);
        }
        if (nd == NULL && (nd = new_node(Q_OR)) == NULL)
            goto oom;
        if (kid != NULL && add_kid(nd, kid))
            goto oom;
        kid = NULL;
        if ((st = parse_and(p, neg, &kid)) != ZHS_OK) {
            free_node(nd);
            return st;
        }
    }
    if (nd == NULL) {
        *out = kid;
        return ZHS_OK;
    }
    if (kid != NULL && add_kid(nd, kid))
        goto oom;
    if (nd->nkids <= 1) {               /* operands were only punctuation */
        kid = nd->nkids ? nd->kids[0] : NULL;
        nd->nkids = 0;
        free_node(nd);
        nd = kid;
    }
    *out = nd;
    return ZHS_OK;
oom:
    free_node(kid);
    free_node(nd);
    return zhsi_fail(p->errmsg, ZHS_ENOMEM, "out of memory");
}

zhs_status zhsi_query_parse(zhsi_segmenter *seg, const char *qs,
                            zhsi_query *q, char **errmsg)
{
    return zhsi_query_parse_py(seg, qs, NULL, NULL, q, errmsg);
}

zhs_status zhsi_query_parse_py(zhsi_segmenter *seg, const char *qs,
                               zhsi_py_resolve_fn resolve, void *resolve_arg,
                               zhsi_query *q, char **errmsg)
{
    struct parser p = {0};
    uint32_t *cps = NULL;
    size_t n = 0, bad = 0, i;
    zhs_status st;

    memset(q, 0, sizeof *q);
    st = zhsi_utf8_decode(qs, strlen(qs), &cps, &n, &bad);
    if (st == ZHS_EENCODING)
        return zhsi_fail(errmsg, ZHS_EQUERY,
                         "query is not valid UTF-8 (byte offset %zu)", bad);
    if (st != ZHS_OK)
        return zhsi_fail(errmsg, st, "out of memory");
    if (n > ZHS_MAX_QUERY_CP) {
        free(cps);
        return zhsi_fail(errmsg, ZHS_EQUERY, "query is longer than %u "
                         "characters (%zu)", ZHS_MAX_QUERY_CP, n);
    }
    p.cps = cps;
    p.n = n;
    p.seg = seg;
    p.q = q;
    p.errmsg = errmsg;
    p.resolve = resolve;
    p.resolve_arg = resolve_arg;
    if ((st = tokenize(&p)) == ZHS_OK) {
        if (p.ntoks == 0)
            st = zhsi_fail(errmsg, ZHS_EQUERY, "empty query");
        else
            st = parse_or(&p, 0, &q->root);
    }
    if (st == ZHS_OK && peek(&p)->kind != T_END)
        st = zhsi_fail(errmsg, ZHS_EQUERY, "unbalanced ')' at position %zu",
                       peek(&p)->pos + 1);
    if (st == ZHS_OK && q->root == NULL) {
        for (i = 0; i < n && zhsi_is_space(cps[i]); i++)
            ;
        st = zhsi_fail(errmsg, ZHS_EQUERY, "query has nothing to search for "
                       "(only punctuation?) at position %zu", i + 1);
    }
    free(p.toks);
    free(cps);
    if (st != ZHS_OK)
        zhsi_query_free(q);
    return st;
}

void zhsi_query_free(zhsi_query *q)
{
    if (q == NULL)
        return;
    free_node(q->root);
    free_needles(q->marks, q->nmarks);
    memset(q, 0, sizeof *q);
}

/* ---- describing -------------------------------------------------- */

struct buf {
    char *s;
    size_t n, cap;
};

static void put(struct buf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->n + l + 1 > b->cap) {
        size_t nc = (b->n + l + 1) * 2;
        char *ns = realloc(b->s, nc);
        if (ns == NULL)
            return;
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->n, s, l + 1);
    b->n += l;
}

/* Code points, joints spelt as the character classes they match. */
static void put_cps(struct buf *b, const uint32_t *c, size_t n)
{
    size_t i, k;
    char *s;

    for (i = 0; i < n; i = k) {
        for (k = i; k < n && !zhsi_is_joint(c[k]); k++)
            ;
        if ((s = zhsi_utf8_encode(c + i, k - i)) != NULL)
            put(b, s);
        free(s);
        if (k < n) {
            put(b, c[k] == ZHSI_JOINT_OPT ? "[-_]?" : "[-_]");
            k++;
        }
    }
}

static void describe(struct buf *b, const zhsi_qnode *nd)
{
    static const char *ops[] = {"", "", "AND(", "OR(", "NOT(", "title:",
                                "source:", "id:", "date:", "author:"};
    size_t i;

    switch (nd->kind) {
    case Q_TEXT:
        put(b, "W(");
        for (i = 0; i < nd->nneedles; i++) {
            put(b, i ? "," : "");
            put(b, nd->needles[i].anchor_start ? "^" : "");
            put_cps(b, nd->needles[i].cps, nd->needles[i].n);
            put(b, nd->needles[i].anchor_end ? "$" : "");
        }
        put(b, ")");
        break;
    case Q_PHRASE:
        put(b, "\"");
        put_cps(b, nd->needles[0].cps, nd->needles[0].n);
        put(b, "\"");
        break;
    case Q_SOURCE:
    case Q_ID:
    case Q_AUTHOR:
        put(b, ops[nd->kind]);
        put(b, nd->value);
        break;
    case Q_DATE:
        put(b, "date:");
        put(b, nd->lo);
        put(b, "..");
        put(b, nd->hi);
        break;
    default:
        put(b, ops[nd->kind]);
        for (i = 0; i < nd->nkids; i++) {
            put(b, i ? " " : "");
            describe(b, nd->kids[i]);
        }
        if (nd->kind != Q_TITLE)
            put(b, ")");
    }
}

char *zhsi_query_describe(const zhsi_query *q)
{
    struct buf b = {NULL, 0, 0};
    put(&b, "");
    if (q->root)
        describe(&b, q->root);
    return b.s;
}

/* ---- building ---------------------------------------------------- */

/* A list of owned subqueries, combined and freed together. */
struct xlist {
    zhsi_xq **v;
    size_t n, cap;
};

static zhs_status xl_push(struct xlist *l, zhsi_xq *q, char **errmsg)
{
    if (l->n == l->cap) {
        zhsi_xq **nv = realloc(l->v, (l->cap ? l->cap * 2 : 8) * sizeof *nv);
        if (nv == NULL) {
            zhsi_xq_free(q);
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        }
        l->v = nv;
        l->cap = l->cap ? l->cap * 2 : 8;
    }
    l->v[l->n++] = q;
    return ZHS_OK;
}

static void xl_free(struct xlist *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        zhsi_xq_free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Combines the list (one item: itself) into *out and frees the list. */
static zhs_status xl_combine(struct xlist *l, enum zhsi_xop op,
                             zhsi_xq **out, char **errmsg)
{
    zhs_status st = ZHS_OK;

    if (l->n == 1) {
        *out = l->v[0];
        l->n = 0;
    } else {
        st = zhsi_xq_combine(op, l->v, l->n, out, errmsg);
    }
    xl_free(l);
    return st;
}

/* a OP b, consuming both. */
static zhs_status pair(enum zhsi_xop op, zhsi_xq *a, zhsi_xq *b,
                       zhsi_xq **out, char **errmsg)
{
    zhsi_xq *v[2] = {a, b};
    zhs_status st = zhsi_xq_combine(op, v, 2, out, errmsg);
    zhsi_xq_free(a);
    zhsi_xq_free(b);
    return st;
}

/* Whether the terms of a needle decide exactly which documents contain
 * it: a character or a bigram without anchors, or one whole Latin run
 * (its "W" term).  Other strings are matched by their terms as
 * candidates and checked against the stored normalized text
 * (zhsi_query_check). */
static int needle_exact(const zhsi_needle *nd)
{
    size_t i;

    if (nd->n <= 2 && !nd->anchor_start && !nd->anchor_end)
        return 1;
    /* one whole run of letters and digits: its "W" term (deb, c, 120) */
    if (!nd->anchor_start || !nd->anchor_end || nd->n > ZHSI_MAX_RUN)
        return 0;
    for (i = 0; i < nd->n; i++)
        if (!zhsi_is_alnum(nd->cps[i]))
            return 0;
    return 1;
}

/* The run terms of needle nd: for each group of runs of ASCII letters
 * and digits joined by joints whose ends are the needle's anchored ends
 * or literal characters (so that a matching text has those runs whole),
 * the group squeezed, as the writer spells it: a "W" term for a group
 * without a joint (.deb: Wdeb; /etc/fstab: Wetc and Wfstab), "W" or "V"
 * for one with joints, which the text may write with or without
 * separators (e-mail: Wemail OR Vemail). */
static zhs_status each_run(const zhsi_needle *nd, const char *prefix,
                           struct xlist *l, char **errmsg)
{
    uint32_t run[ZHSI_MAX_RUN];
    char term[ZHSI_MAX_RUN + 8];
    size_t i, e, k, len, runs;
    zhsi_xq *t;
    zhs_status st = ZHS_OK;

    for (i = 0; st == ZHS_OK && i < nd->n; i = e) {
        if (!zhsi_is_alnum(nd->cps[i])) {
            e = i + 1;
            continue;
        }
        for (e = i, len = 0, runs = 1;
             e < nd->n && (zhsi_is_alnum(nd->cps[e])
                           || zhsi_is_joint(nd->cps[e])); e++) {
            if (zhsi_is_joint(nd->cps[e]))
                runs++;
            else if (len < ZHSI_MAX_RUN)
                run[len++] = nd->cps[e];
            else
                runs = ZHSI_RUN_GROUP + 1;      /* too long: no term */
        }
        if (runs > ZHSI_RUN_GROUP || (i == 0 && !nd->anchor_start)
            || (e == nd->n && !nd->anchor_end))
            continue;
        k = zhsi_run_term(term, prefix, 0, run, len);
        if ((st = zhsi_xq_term(term, k, &t, errmsg)) == ZHS_OK && runs > 1) {
            zhsi_xq *v[2] = {t, NULL};
            k = zhsi_run_term(term, prefix, 1, run, len);
            if ((st = zhsi_xq_term(term, k, &v[1], errmsg)) == ZHS_OK) {
                st = zhsi_xq_combine(ZHSI_XQ_OR, v, 2, &t, errmsg);
                zhsi_xq_free(v[1]);
            }
            zhsi_xq_free(v[0]);
        }
        if (st == ZHS_OK)
            st = xl_push(l, t, errmsg);
    }
    return st;
}

/* Whether a node's documents are exactly what its Xapian query matches:
 * it holds no needle that needs checking. */
static int node_exact(const zhsi_qnode *nd)
{
    size_t i;

    for (i = 0; i < nd->nneedles; i++)
        if (!needle_exact(&nd->needles[i]))
            return 0;
    for (i = 0; i < nd->nkids; i++)
        if (!node_exact(nd->kids[i]))
            return 0;
    return 1;
}

/* The query for a needle's candidates: its character term, or every
 * distinct bigram of it (and its boundary markers) in one document.  Exact
 * for a character or a bigram; a superset otherwise. */
static zhs_status substring_query(const zhsi_needle *nd, const char *prefix,
                                  zhsi_xq **out, char **errmsg)
{
    struct xlist l = {0};
    char term[24], seen[ZHS_MAX_QUERY_CP + 2][24];
    size_t i, j, k, nseen = 0, seenlen[ZHS_MAX_QUERY_CP + 2];
    zhsi_xq *t;
    zhs_status st = ZHS_OK;
    uint32_t a = ZHSI_BOUNDARY, b;
    int have_a = nd->anchor_start;

    if (nd->n == 1 && !nd->anchor_start && !nd->anchor_end) {
        k = zhsi_unigram_term(term, prefix, nd->cps[0]);
        return zhsi_xq_term(term, k, out, errmsg);
    }
    /* Bigrams of the code points with the joints left out: across a
     * joint, the index has the bigram whether or not the text writes a
     * separator there (see the scheme). */
    for (i = 0; st == ZHS_OK && i <= nd->n; i++, a = b, have_a = 1) {
        if (i < nd->n && zhsi_is_joint(nd->cps[i])) {
            b = a;
            continue;
        }
        if (i == nd->n && !nd->anchor_end)
            break;
        b = i == nd->n ? ZHSI_BOUNDARY : nd->cps[i];
        if (!have_a)
            continue;
        k = zhsi_bigram_term(term, prefix, a, b);
        for (j = 0; j < nseen && (seenlen[j] != k
                                  || memcmp(seen[j], term, k) != 0); j++)
            ;
        if (j < nseen || nseen == sizeof seen / sizeof seen[0])
            continue;                   /* 哈哈哈: 哈哈 once */
        memcpy(seen[nseen], term, k);
        seenlen[nseen++] = k;
        if ((st = zhsi_xq_term(term, k, &t, errmsg)) == ZHS_OK)
            st = xl_push(&l, t, errmsg);
    }
    if (st == ZHS_OK)
        st = each_run(nd, prefix, &l, errmsg);
    if (st != ZHS_OK) {
        xl_free(&l);
        return st;
    }
    return xl_combine(&l, ZHSI_XQ_AND, out, errmsg);
}

/* The term of a word that ranks: words of three or more code points have
 * terms of their own; shorter ones are the needle's own terms. */
static zhs_status word_query(const zhsi_needle *nd, const char *prefix,
                             zhsi_xq **out, char **errmsg)
{
    char *s, buf[ZHSI_MAX_WORD_BYTES + 8];
    zhs_status st = ZHS_OK;

    *out = NULL;
    if (nd->n < 3)
        return ZHS_OK;
    if ((s = zhsi_utf8_encode(nd->cps, nd->n)) == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    if (strlen(s) <= ZHSI_MAX_WORD_BYTES) {
        snprintf(buf, sizeof buf, "%s%s", prefix, s);
        st = zhsi_xq_term(buf, strlen(buf), out, errmsg);
    }
    free(s);
    return st;
}

/* Whether the bigram at c[0..2) lies inside one of a node's needles. */
static int in_needles(const zhsi_qnode *nd, const uint32_t *c)
{
    size_t i, j;

    for (i = 0; i < nd->nneedles; i++)
        for (j = 0; j + 1 < nd->needles[i].n; j++)
            if (nd->needles[i].cps[j] == c[0]
                && nd->needles[i].cps[j + 1] == c[1])
                return 1;
    return 0;
}

static zhs_status bigram_query(uint32_t a, uint32_t b, const char *prefix,
                               zhsi_xq **out, char **errmsg)
{
    char term[24];
    size_t k = zhsi_bigram_term(term, prefix, a, b);
    return zhsi_xq_term(term, k, out, errmsg);
}

/* What building needs besides the tree. */
struct bctx {
    zhsi_termfreq_fn tf;      /* document frequencies, or NULL */
    void *tf_arg;
    char **errmsg;
};

/* rank: 0 under NOT, where only what matches matters. */
static zhs_status build(const zhsi_qnode *nd, const char *prefix, int rank,
                        const struct bctx *c, zhsi_xq **out);

static zhs_status build_text(const zhsi_qnode *nd, const char *prefix,
                             int rank, const struct bctx *c, zhsi_xq **out)
{
    char **errmsg = c->errmsg;
    struct xlist req = {0}, ranks = {0};
    zhsi_xq *t, *a = NULL, *b = NULL;
    size_t i;
    zhs_status st = ZHS_OK;

    for (i = 0; st == ZHS_OK && i < nd->nneedles; i++)
        if ((st = substring_query(&nd->needles[i], prefix, &t, errmsg))
            == ZHS_OK)
            st = xl_push(&req, t, errmsg);
    for (i = 0; rank && st == ZHS_OK && i < nd->nwords; i++)
        if ((st = word_query(&nd->words[i], prefix, &t, errmsg)) == ZHS_OK
            && t != NULL)
            st = xl_push(&ranks, t, errmsg);
    /* The chunk whole ranks higher than its words apart (门诊总量 over
     * 门诊…总量): the bigrams that join its words, which only the whole
     * has, stand in for a phrase. */
    for (i = 0; rank && st == ZHS_OK && nd->nneedles > 1
                && i + 1 < nd->whole.n; i++)
        if (!in_needles(nd, nd->whole.cps + i)
            && (st = bigram_query(nd->whole.cps[i], nd->whole.cps[i + 1],
                                  prefix, &t, errmsg)) == ZHS_OK)
            st = xl_push(&ranks, t, errmsg);
    /* Where the title holds a string, it ranks higher: the title's own
     * terms ("S"), which without positions are what says that the
     * query's words stand together (a title is short).  Measured with
     * tools/mrr: MRR@10 0.954 without, 0.967 with; weighting them 2x or 4x
     * changed nothing. */
    for (i = 0; rank && st == ZHS_OK && prefix[0] == '\0'
                && zhsi_rank()->title > 0 && i < nd->nneedles; i++)
        if ((st = substring_query(&nd->needles[i], ZHSI_PFX_TITLE, &t, errmsg))
            == ZHS_OK) {
            zhsi_xq *sc = t;
            if (zhsi_rank()->title != 1.0) {
                st = zhsi_xq_scale(t, zhsi_rank()->title, &sc, errmsg);
                zhsi_xq_free(t);
            }
            if (st == ZHS_OK)
                st = xl_push(&ranks, sc, errmsg);
        }
    if (st != ZHS_OK) {
        xl_free(&req);
        xl_free(&ranks);
        return st;
    }
    if (ranks.n == 0) {
        xl_free(&ranks);
        return xl_combine(&req, ZHSI_XQ_AND, out, errmsg);
    }
    if ((st = xl_combine(&req, ZHSI_XQ_AND, &a, errmsg)) != ZHS_OK) {
        xl_free(&ranks);
        return st;
    }
    if ((st = xl_combine(&ranks, ZHSI_XQ_OR, &b, errmsg)) != ZHS_OK) {
        zhsi_xq_free(a);
        return st;
    }
    return pair(ZHSI_XQ_AND_MAYBE, a, b, out, errmsg);
}

/* An AND of its operands; a NOT operand is left to Xapian only when its
 * query is exact (otherwise leaving out its candidates would lose
 * documents: the check drops what it matches instead). */
static zhs_status build_and(const zhsi_qnode *nd, const char *prefix,
                            int rank, const struct bctx *c, zhsi_xq **out)
{
    char **errmsg = c->errmsg;
    struct xlist pos = {0}, neg = {0}, boosts = {0};
    const zhsi_qnode *prev;
    zhsi_xq *t, *base = NULL, *x;
    size_t i;
    zhs_status st = ZHS_OK;

    for (i = 0; st == ZHS_OK && i < nd->nkids; i++) {
        const zhsi_qnode *k = nd->kids[i];
        if (k->kind == Q_NOT) {
            if (node_exact(k->kids[0])
                && (st = build(k->kids[0], prefix, 0, c, &t)) == ZHS_OK)
                st = xl_push(&neg, t, errmsg);
        } else if ((st = build(k, prefix, rank, c, &t)) == ZHS_OK) {
            st = xl_push(&pos, t, errmsg);
        }
    }
    /* Texts given side by side rank higher where they stand side by side
     * (援疆 医疗队 -> 援疆医疗队): the bigram across each join. */
    for (i = 0, prev = NULL; rank && st == ZHS_OK && i < nd->nkids; i++) {
        const zhsi_qnode *k = nd->kids[i];
        if (k->kind != Q_TEXT && k->kind != Q_PHRASE) {
            prev = NULL;
            continue;
        }
        if (prev != NULL
            && (st = bigram_query(prev->whole.cps[prev->whole.n - 1],
                                  k->whole.cps[0], prefix, &t, errmsg))
                   == ZHS_OK)
            st = xl_push(&boosts, t, errmsg);
        prev = k;
    }
    if (st == ZHS_OK)
        st = pos.n ? xl_combine(&pos, ZHSI_XQ_AND, &base, errmsg)
                   : zhsi_xq_all(&base, errmsg);
    if (st == ZHS_OK && boosts.n) {
        if ((st = xl_combine(&boosts, ZHSI_XQ_OR, &t, errmsg)) == ZHS_OK) {
            st = pair(ZHSI_XQ_AND_MAYBE, base, t, &x, errmsg);
            base = st == ZHS_OK ? x : NULL;
        }
    }
    if (st == ZHS_OK && neg.n) {
        if ((st = xl_combine(&neg, ZHSI_XQ_OR, &t, errmsg)) == ZHS_OK) {
            st = pair(ZHSI_XQ_AND_NOT, base, t, &x, errmsg);
            base = st == ZHS_OK ? x : NULL;
        }
    }
    xl_free(&pos);
    xl_free(&neg);
    xl_free(&boosts);
    if (st != ZHS_OK) {
        zhsi_xq_free(base);
        return st;
    }
    *out = base;
    return ZHS_OK;
}

static zhs_status build(const zhsi_qnode *nd, const char *prefix, int rank,
                        const struct bctx *c, zhsi_xq **out)
{
    char **errmsg = c->errmsg;
    struct xlist l = {0};
    zhsi_xq *t, *all;
    char term[256];
    size_t i;
    zhs_status st = ZHS_OK;

    switch (nd->kind) {
    case Q_TEXT:
        return build_text(nd, prefix, rank, c, out);
    case Q_PHRASE:
        return substring_query(&nd->needles[0], prefix, out, errmsg);
    case Q_TITLE:
        return build(nd->kids[0], ZHSI_PFX_TITLE, rank, c, out);
    case Q_AND:
        return build_and(nd, prefix, rank, c, out);
    case Q_NOT:
        if (!node_exact(nd->kids[0]))
            return zhsi_xq_all(out, errmsg);    /* the check decides */
        if ((st = build(nd->kids[0], prefix, 0, c, &t)) != ZHS_OK)
            return st;
        if ((st = zhsi_xq_all(&all, errmsg)) != ZHS_OK) {
            zhsi_xq_free(t);
            return st;
        }
        return pair(ZHSI_XQ_AND_NOT, all, t, out, errmsg);
    case Q_OR:
        if (nd->nkids == 0)             /* a reading no word has */
            return zhsi_xq_nothing(out, errmsg);
        for (i = 0; st == ZHS_OK && i < nd->nkids; i++)
            if ((st = build(nd->kids[i], prefix, rank, c, &t)) == ZHS_OK)
                st = xl_push(&l, t, errmsg);
        if (st != ZHS_OK) {
            xl_free(&l);
            return st;
        }
        return xl_combine(&l, ZHSI_XQ_OR, out, errmsg);
    case Q_SOURCE:
    case Q_ID:
    case Q_AUTHOR:
        zhsi_field_term(term, nd->kind == Q_SOURCE ? ZHSI_PFX_SOURCE[0]
                              : nd->kind == Q_AUTHOR ? ZHSI_PFX_AUTHOR[0]
                              : ZHSI_PFX_ID[0],
                        nd->value, nd->kind == Q_ID ? ZHSI_ID_MAX
                                                    : ZHSI_FIELD_MAX);
        if ((st = zhsi_xq_term(term, strlen(term), &t, errmsg)) != ZHS_OK)
            return st;
        st = zhsi_xq_scale(t, 0, out, errmsg);  /* a filter: no weight */
        zhsi_xq_free(t);
        return st;
    case Q_DATE:
        return zhsi_xq_value_range(ZHSI_SLOT_DATE, nd->lo, nd->hi, out,
                                   errmsg);
    }
    return zhsi_fail(errmsg, ZHS_EINTERNAL, "unknown query node");
}

/* ---- title features ----------------------------------------------
 *
 * BM25 over one document's terms cannot tell a short title that the query
 * covers from a long one that merely contains it (数字签名 against
 * 应用数字签名), nor a title that is the query.  So two features add
 * constant weights (measured on tools/rankbench, see zhsi_rank): a title
 * whose key is the query's chunks joined in some order ("T" term: 计时 排练
 * finds 排练计时), and a title holding every query string, weighted by the
 * share of the title's units the query covers ("L" terms: qunits / L for
 * titles of L units).  They apply to a query of texts and phrases ANDed
 * (NOTs and filters beside them); an OR or title: query ranks by BM25
 * alone. */

#define MAX_CHUNKS 8
#define PERM_CHUNKS 4           /* up to 4! = 24 orders are tried */

/* The positive text and phrase nodes of a query's top level, or 0 when
 * the title features do not apply. */
static size_t top_chunks(const zhsi_qnode *root, const zhsi_qnode **out)
{
    size_t i, n = 0;

    if (root->kind == Q_TEXT || root->kind == Q_PHRASE) {
        out[0] = root;
        return 1;
    }
    if (root->kind != Q_AND)
        return 0;
    for (i = 0; i < root->nkids; i++) {
        const zhsi_qnode *k = root->kids[i];
        if (k->kind == Q_TEXT || k->kind == Q_PHRASE) {
            if (n == MAX_CHUNKS)
                return 0;
            out[n++] = k;
        } else if (k->kind == Q_OR || k->kind == Q_TITLE) {
            return 0;
        }
    }
    return n;
}

static const zhsi_needle *chunk_text(const zhsi_qnode *nd)
{
    return nd->kind == Q_TEXT ? &nd->whole : &nd->needles[0];
}

/* Next permutation of p[0..n) in lexicographic order; 0 after the last. */
static int next_perm(size_t *p, size_t n)
{
    size_t i, j, t;

    if (n < 2)
        return 0;
    for (i = n - 1; i > 0 && p[i - 1] >= p[i]; i--)
        ;
    if (i == 0)
        return 0;
    for (j = n - 1; p[j] <= p[i - 1]; j--)
        ;
    t = p[i - 1], p[i - 1] = p[j], p[j] = t;
    for (j = n - 1; i < j; i++, j--)
        t = p[i], p[i] = p[j], p[j] = t;
    return 1;
}

/* The exact-title part: "T" terms of the chunks' keys joined in each
 * order, with weight w. */
static zhs_status exact_title(const zhsi_qnode **ch, size_t n, double w,
                              zhsi_xq **out, char **errmsg)
{
    struct xlist l = {0};
    size_t p[MAX_CHUNKS], i, len = 0, k;
    uint32_t *key;
    char term[ZHSI_FIELD_TERM_BUF], *s;
    zhsi_xq *t, *any;
    zhs_status st = ZHS_OK;

    *out = NULL;
    for (i = 0; i < n; i++) {
        p[i] = i;
        len += chunk_text(ch[i])->n;
    }
    if ((key = malloc((len + 1) * sizeof *key)) == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    do {
        for (i = 0, k = 0; i < n; i++) {
            const zhsi_needle *c = chunk_text(ch[p[i]]);
            k += zhsi_title_key(c->cps, c->n, key + k, NULL);
        }
        if (k == 0 || (s = zhsi_utf8_encode(key, k)) == NULL) {
            if (k == 0)
                break;
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
            break;
        }
        zhsi_field_term(term, ZHSI_PFX_TITLE_KEY[0], s, ZHSI_FIELD_MAX);
        free(s);
        if ((st = zhsi_xq_term(term, strlen(term), &t, errmsg)) == ZHS_OK)
            st = xl_push(&l, t, errmsg);
    } while (st == ZHS_OK && n <= PERM_CHUNKS && next_perm(p, n));
    free(key);
    if (st != ZHS_OK || l.n == 0) {
        xl_free(&l);
        return st;
    }
    if ((st = xl_combine(&l, ZHSI_XQ_OR, &any, errmsg)) != ZHS_OK)
        return st;
    st = zhsi_xq_const(any, w, out, errmsg);
    zhsi_xq_free(any);
    return st;
}

/* The coverage part: titles holding every chunk's strings ("S" terms,
 * unchecked: a feature, not a filter), weighted w * qunits / L by their
 * length L in units, for L up to qunits + span. */
static zhs_status title_cover(const zhsi_qnode **ch, size_t n, double w,
                              double span, zhsi_xq **out, char **errmsg)
{
    struct xlist in = {0}, lens = {0};
    unsigned qunits = 0, u, L, hi;
    size_t i, j;
    uint32_t *key;
    char term[16];
    zhsi_xq *t, *c, *all = NULL, *len = NULL, *zero = NULL;
    zhs_status st = ZHS_OK;

    *out = NULL;
    for (i = 0; i < n; i++) {
        const zhsi_needle *c0 = chunk_text(ch[i]);
        if ((key = malloc((c0->n + 1) * sizeof *key)) == NULL)
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        zhsi_title_key(c0->cps, c0->n, key, &u);
        free(key);
        qunits += u;
    }
    if (qunits == 0 || qunits > ZHSI_MAX_UNITS)
        return ZHS_OK;
    for (i = 0; st == ZHS_OK && i < n; i++)
        for (j = 0; st == ZHS_OK && j < ch[i]->nneedles; j++)
            if ((st = substring_query(&ch[i]->needles[j], "S", &t, errmsg))
                == ZHS_OK)
                st = xl_push(&in, t, errmsg);
    hi = qunits + (unsigned)span;
    if (hi > ZHSI_MAX_UNITS)
        hi = ZHSI_MAX_UNITS;
    for (L = qunits; st == ZHS_OK && L <= hi; L++) {
        snprintf(term, sizeof term, ZHSI_PFX_TITLE_UNITS "%u", L);
        if ((st = zhsi_xq_term(term, strlen(term), &t, errmsg)) != ZHS_OK)
            break;
        st = zhsi_xq_const(t, w * qunits / L, &c, errmsg);
        zhsi_xq_free(t);
        if (st == ZHS_OK)
            st = xl_push(&lens, c, errmsg);
    }
    if (st != ZHS_OK || in.n == 0 || lens.n == 0) {
        xl_free(&in);
        xl_free(&lens);
        return st;
    }
    if ((st = xl_combine(&in, ZHSI_XQ_AND, &all, errmsg)) != ZHS_OK) {
        xl_free(&lens);
        return st;
    }
    if ((st = xl_combine(&lens, ZHSI_XQ_OR, &len, errmsg)) == ZHS_OK
        && (st = zhsi_xq_scale(all, 0, &zero, errmsg)) == ZHS_OK) {
        zhsi_xq_free(all);
        all = NULL;
        st = pair(ZHSI_XQ_AND, zero, len, out, errmsg);
        len = NULL;
    }
    zhsi_xq_free(all);
    zhsi_xq_free(len);
    return st;
}

/* base, ranked higher where the title features hold (consumes base). */
static zhs_status with_title_features(const zhsi_query *q, zhsi_xq *base,
                                      zhsi_xq **out, char **errmsg)
{
    const zhsi_rank_params *rp = zhsi_rank();
    const zhsi_qnode *ch[MAX_CHUNKS];
    size_t n = top_chunks(q->root, ch);
    zhsi_xq *e = NULL, *c = NULL, *v[2];
    zhs_status st = ZHS_OK;

    *out = base;
    if (n == 0)
        return ZHS_OK;
    if (rp->exact > 0)
        st = exact_title(ch, n, rp->exact, &e, errmsg);
    if (st == ZHS_OK && rp->cover > 0)
        st = title_cover(ch, n, rp->cover, rp->span, &c, errmsg);
    if (st == ZHS_OK && (e || c)) {
        zhsi_xq *boost;
        v[0] = e ? e : c;
        v[1] = c;
        st = e && c ? zhsi_xq_combine(ZHSI_XQ_OR, v, 2, &boost, errmsg)
                    : (boost = v[0], e = c = NULL, ZHS_OK);
        if (st == ZHS_OK) {
            st = pair(ZHSI_XQ_AND_MAYBE, base, boost, out, errmsg);
            base = NULL;                /* consumed */
        }
    }
    zhsi_xq_free(e);
    zhsi_xq_free(c);
    if (st != ZHS_OK) {
        zhsi_xq_free(base);
        *out = NULL;
    }
    return st;
}

zhs_status zhsi_query_build(const zhsi_query *q, zhsi_termfreq_fn tf,
                            void *tf_arg, zhsi_xq **out, char **errmsg)
{
    struct bctx c = {tf, tf_arg, errmsg};
    zhsi_xq *base;
    zhs_status st = build(q->root, "", 1, &c, &base);

    if (st != ZHS_OK)
        return st;
    return with_title_features(q, base, out, errmsg);
}

/* ---- checking ---------------------------------------------------- */

int zhsi_query_exact(const zhsi_query *q)
{
    return node_exact(q->root);
}

size_t zhsi_needle_at(const zhsi_needle *nd, const uint32_t *c, size_t n,
                      size_t i)
{
    size_t k, j = i;

    if (nd->anchor_start && i > 0 && zhsi_is_alnum(c[i - 1]))
        return 0;
    for (k = 0; k < nd->n; k++) {
        uint32_t w = nd->cps[k];
        if (zhsi_is_joint(w)) {
            if (j < n && zhsi_is_joiner(c[j]))
                j++;
            else if (w == ZHSI_JOINT_REQ)
                return 0;
            continue;
        }
        if (j >= n || c[j] != w)
            return 0;
        j++;
    }
    if (nd->anchor_end && j < n && zhsi_is_alnum(c[j]))
        return 0;
    return j;
}

/* Where needle nd's code points after its key end if they match UTF-8
 * text from p on, else NULL.  A joint's neighbours are letters or
 * digits, never separators, so each step has one choice. */
static const char *after8(const zhsi_needle *nd, const char *p,
                          const char *end)
{
    char b[4];
    size_t k, l;

    for (k = nd->key + nd->nkey; k < nd->n; k++) {
        uint32_t w = nd->cps[k];
        if (zhsi_is_joint(w)) {
            if (p < end && zhsi_is_joiner((unsigned char)*p))
                p++;
            else if (w == ZHSI_JOINT_REQ)
                return NULL;
            continue;
        }
        l = zhsi_utf8_put(b, w);
        if ((size_t)(end - p) < l || memcmp(p, b, l) != 0)
            return NULL;
        p += l;
    }
    return p;
}

/* Where the needle's code points before its key start if they match the
 * UTF-8 text ending at p (text starting at s), else NULL. */
static const char *before8(const zhsi_needle *nd, const char *s,
                           const char *p)
{
    char b[4];
    size_t k, l;

    for (k = nd->key; k-- > 0;) {
        uint32_t w = nd->cps[k];
        if (zhsi_is_joint(w)) {
            if (p > s && zhsi_is_joiner((unsigned char)p[-1]))
                p--;
            else if (w == ZHSI_JOINT_REQ)
                return NULL;
            continue;
        }
        l = zhsi_utf8_put(b, w);
        if ((size_t)(p - s) < l || memcmp(p - l, b, l) != 0)
            return NULL;
        p -= l;
    }
    return p;
}

/* Whether needle nd occurs in UTF-8 text s[0..n), its anchored ends on
 * token boundaries.  Bytes compare as code points do (UTF-8 is
 * self-synchronizing), and a byte of a multi-byte character is never an
 * ASCII letter or digit.  memmem finds the needle's key (all of it when
 * it has no joint); the rest is compared in place around it. */
static int occurs8(const zhsi_needle *nd, const char *s, size_t n)
{
    const char *p = s, *end = s + n, *hit;

    while ((size_t)(end - p) >= nd->nbytes
           && (hit = memmem(p, (size_t)(end - p), nd->utf8, nd->nbytes))
                  != NULL) {
        const char *start = hit, *after = hit + nd->nbytes;
        if (nd->nkey < nd->n) {
            start = before8(nd, s, hit);
            if (start != NULL)
                after = after8(nd, after, end);
        }
        if (start != NULL && after != NULL
            && (!nd->anchor_start || start == s
                || !zhsi_is_alnum((unsigned char)start[-1]))
            && (!nd->anchor_end || after == end
                || !zhsi_is_alnum((unsigned char)*after)))
            return 1;
        p = hit + 1;
    }
    return 0;
}

/* The first place at or after s where the n16 16-bit units of key occur
 * in the n units of s, on a unit boundary; NULL if none.  Candidates are
 * where both the key's first and its last unit match, 8 places a step
 * with SSE2 (any x86-64); the key's bytes are compared only there.  A
 * candidate document of a phrase has each of its characters somewhere,
 * so glibc's memmem, which stops at every occurrence of the key's first
 * two bytes and also at places off the unit boundary, cost a third of
 * such a query's time. */
static const char *find16(const char *s, size_t n, const char *key,
                          size_t n16)
{
    uint16_t f, l;
    size_t i = 0, span = n16 - 1;

    if (n16 == 0 || n < n16)
        return n16 == 0 ? s : NULL;
    /* the units as stored, in the host's order: no byte swap needed */
    memcpy(&f, key, 2);
    memcpy(&l, key + 2 * span, 2);
#ifdef __SSE2__
    {
        const __m128i first = _mm_set1_epi16((short)f);
        const __m128i last = _mm_set1_epi16((short)l);
        for (; i + span + 8 <= n; i += 8) {
            __m128i a = _mm_loadu_si128((const __m128i *)(s + 2 * i));
            __m128i b = _mm_loadu_si128((const __m128i *)(s + 2 * (i + span)));
            unsigned m = (unsigned)_mm_movemask_epi8(
                _mm_and_si128(_mm_cmpeq_epi16(a, first),
                              _mm_cmpeq_epi16(b, last)));
            while (m != 0) {
                size_t j = (size_t)__builtin_ctz(m) / 2;
                if (memcmp(s + 2 * (i + j), key, 2 * n16) == 0)
                    return s + 2 * (i + j);
                m &= ~(3u << (2 * j));
            }
        }
    }
#endif
    for (; i + span < n; i++) {
        uint16_t u, v;
        memcpy(&u, s + 2 * i, 2);
        memcpy(&v, s + 2 * (i + span), 2);
        if (u == f && v == l && memcmp(s + 2 * i, key, 2 * n16) == 0)
            return s + 2 * i;
    }
    return NULL;
}

/* Whether the UTF-16LE unit at p is an ASCII letter or digit. */
static int alnum16(const char *p)
{
    return p[1] == 0 && zhsi_is_alnum((unsigned char)p[0]);
}

static int joiner16(const char *p)
{
    return p[1] == 0 && zhsi_is_joiner((unsigned char)p[0]);
}

/* after8 and before8 for UTF-16LE text (p on a unit). */
static const char *after16(const zhsi_needle *nd, const char *p,
                           const char *end)
{
    char b[4];
    size_t k, l;

    for (k = nd->key + nd->nkey; k < nd->n; k++) {
        uint32_t w = nd->cps[k];
        if (zhsi_is_joint(w)) {
            if (end - p >= 2 && joiner16(p))
                p += 2;
            else if (w == ZHSI_JOINT_REQ)
                return NULL;
            continue;
        }
        l = zhsi_utf16_put(b, w);
        if ((size_t)(end - p) < l || memcmp(p, b, l) != 0)
            return NULL;
        p += l;
    }
    return p;
}

static const char *before16(const zhsi_needle *nd, const char *s,
                            const char *p)
{
    char b[4];
    size_t k, l;

    for (k = nd->key; k-- > 0;) {
        uint32_t w = nd->cps[k];
        if (zhsi_is_joint(w)) {
            if (p - s >= 2 && joiner16(p - 2))
                p -= 2;
            else if (w == ZHSI_JOINT_REQ)
                return NULL;
            continue;
        }
        l = zhsi_utf16_put(b, w);
        if ((size_t)(p - s) < l || memcmp(p - l, b, l) != 0)
            return NULL;
        p -= l;
    }
    return p;
}

/* The same in UTF-16LE text: a match must start on a unit (UTF-16 is
 * self-synchronizing too: surrogates never equal other units). */
static int occurs16(const zhsi_needle *nd, const char *s, size_t n)
{
    const char *p = s, *end = s + (n & ~(size_t)1), *hit;

    while ((size_t)(end - p) >= nd->nbytes16
           && (hit = find16(p, (size_t)(end - p) / 2, nd->utf16,
                            nd->nbytes16 / 2)) != NULL) {
        const char *start = hit, *after = hit + nd->nbytes16;
        if (nd->nkey < nd->n) {
            start = before16(nd, s, hit);
            if (start != NULL)
                after = after16(nd, after, end);
        }
        if (start != NULL && after != NULL
            && (!nd->anchor_start || start == s || !alnum16(start - 2))
            && (!nd->anchor_end || after == end || !alnum16(after)))
            return 1;
        p = hit + 2;
    }
    return 0;
}

static int occurs(const zhsi_needle *nd, const char *s, size_t n, int wide)
{
    return wide ? occurs16(nd, s, n) : occurs8(nd, s, n);
}

static int in_doc(const zhsi_needle *nd, const zhsi_doccheck *d, int title)
{
    return occurs(nd, d->title, d->ntitle, d->wide)
        || (!title && occurs(nd, d->body, d->nbody, d->wide));
}

/* Exact truth of a node for one document: in the title alone (title:) or
 * in the title or the body, as the terms put them. */
static int check(const zhsi_qnode *nd, const zhsi_doccheck *d, int title)
{
    char term[256];
    size_t i;

    switch (nd->kind) {
    case Q_TEXT:
    case Q_PHRASE:
        for (i = 0; i < nd->nneedles; i++)
            if (!in_doc(&nd->needles[i], d, title))
                return 0;
        return 1;
    case Q_TITLE:
        return check(nd->kids[0], d, 1);
    case Q_AND:
        for (i = 0; i < nd->nkids; i++)
            if (!check(nd->kids[i], d, title))
                return 0;
        return 1;
    case Q_OR:
        for (i = 0; i < nd->nkids; i++)
            if (check(nd->kids[i], d, title))
                return 1;
        return 0;
    case Q_NOT:
        return !check(nd->kids[0], d, title);
    case Q_SOURCE:
    case Q_ID:
    case Q_AUTHOR:
    case Q_DATE:
        /* Filters are exact in Xapian; where one sits under OR or NOT
         * with a checked string, the document's own term (or date value)
         * decides, as Xapian would. */
        if (nd->kind == Q_DATE)
            return d->field(d->arg, 0, NULL, nd->lo, nd->hi);
        zhsi_field_term(term, nd->kind == Q_SOURCE ? ZHSI_PFX_SOURCE[0]
                              : nd->kind == Q_AUTHOR ? ZHSI_PFX_AUTHOR[0]
                              : ZHSI_PFX_ID[0],
                        nd->value, nd->kind == Q_ID ? ZHSI_ID_MAX
                                                    : ZHSI_FIELD_MAX);
        return d->field(d->arg, 1, term, NULL, NULL);
    }
    return 1;
}

int zhsi_query_check(const zhsi_query *q, const zhsi_doccheck *d)
{
    return check(q->root, d, 0);
}

/* ---- relaxation ---------------------------------------------------
 *
 * A strict query that matches fewer documents than a page asks for is
 * relaxed: its unquoted strings become words, a string of three or more
 * ideographs split where it joins least often in the index (the rarest
 * bigram across the cut, so 组团式援疆 becomes 组团式 + 援疆 and 党建引领
 * 党建 + 引领), and a relaxed match is a document that is no strict match
 * and has at least half of the words (rounded up) besides every quoted
 * phrase, filter and NOT of the query.  Each word a document has adds
 * the constant coord, so documents with more of the words rank first
 * (all the split words first: the "split" step), BM25 within.  Phrases
 * never relax. */

struct zhsi_relax {
    const zhsi_query *strict;/* the strict query (borrowed) */
    zhsi_needle *words;  /* the relaxed words, in query order */
    size_t nwords;
    size_t kmin;         /* fewest words a relaxed match has */
    int split;           /* a string was split into words */
    const zhsi_qnode **rest; /* top-level phrases, NOTs and filters */
    size_t nrest;
    zhsi_needle *marks;  /* what relaxed hits highlight */
    size_t nmarks;
};

static int all_ideographs(const zhsi_needle *nd)
{
    size_t i;

    if (nd->anchor_start || nd->anchor_end)
        return 0;
    for (i = 0; i < nd->n; i++)
        if (nd->cps[i] < 0x3400 || zhsi_is_joint(nd->cps[i])
            || !zhsi_is_cjk(nd->cps[i]))
            return 0;
    return 1;
}

/* Appends cps[0..n) to r's words, split at its rarest joins down to
 * pieces of at most three code points (pieces of two or more where the
 * string allows). */
static int split_word(zhsi_relax *r, const uint32_t *cps, size_t n,
                      zhsi_termfreq_fn tf, void *tf_arg)
{
    char term[24];
    size_t b, best = 0, lo, hi;
    unsigned f, bestf = 0;

    if (n < 4 || !zhsi_rank()->split)
        return push_needle(&r->words, &r->nwords, cps, n, 0, 0);
    lo = 2;
    hi = n - 2;
    for (b = lo; b <= hi; b++) {
        size_t k = zhsi_bigram_term(term, "", cps[b - 1], cps[b]);
        f = tf ? tf(term, k, tf_arg) : 0;
        if (best == 0 || f < bestf) {
            best = b;
            bestf = f;
        }
    }
    r->split = 1;
    return split_word(r, cps, best, tf, tf_arg)
        || split_word(r, cps + best, n - best, tf, tf_arg);
}

void zhsi_relax_free(zhsi_relax *r)
{
    if (r == NULL)
        return;
    free_needles(r->words, r->nwords);
    free_needles(r->marks, r->nmarks);
    free(r->rest);
    free(r);
}

zhs_status zhsi_relax_new(const zhsi_query *q, zhsi_termfreq_fn tf,
                          void *tf_arg, zhsi_relax **out, char **errmsg)
{
    const zhsi_qnode *root = q->root, *const *kids;
    zhsi_relax *r;
    size_t nk, i, j;
    int ntext = 0;

    *out = NULL;
    if (root == NULL || zhsi_rank()->relax <= 0)
        return ZHS_OK;
    if (root->kind == Q_AND) {
        kids = (const zhsi_qnode *const *)root->kids;
        nk = root->nkids;
    } else {
        kids = (const zhsi_qnode *const *)&q->root;
        nk = 1;
    }
    for (i = 0; i < nk; i++) {
        if (kids[i]->kind == Q_OR || kids[i]->kind == Q_TITLE
            || kids[i]->kind == Q_AND)
            return ZHS_OK;
        ntext += kids[i]->kind == Q_TEXT;
    }
    if (ntext == 0)
        return ZHS_OK;
    if ((r = calloc(1, sizeof *r)) == NULL
        || (r->rest = calloc(nk, sizeof *r->rest)) == NULL)
        goto oom;
    r->strict = q;
    for (i = 0; i < nk; i++) {
        const zhsi_qnode *k = kids[i];
        if (k->kind != Q_TEXT) {
            r->rest[r->nrest++] = k;
            if (k->kind == Q_PHRASE
                && push_needle(&r->marks, &r->nmarks, k->needles[0].cps,
                               k->needles[0].n, 0, 0))
                goto oom;
            continue;
        }
        for (j = 0; j < k->nneedles; j++) {
            const zhsi_needle *nd = &k->needles[j];
            if (all_ideographs(nd) ? split_word(r, nd->cps, nd->n, tf,
                                                tf_arg)
                                   : push_needle(&r->words, &r->nwords,
                                                 nd->cps, nd->n,
                                                 nd->anchor_start,
                                                 nd->anchor_end))
                goto oom;
        }
    }
    if (r->nwords < 2) {                /* nothing to relax */
        zhsi_relax_free(r);
        return ZHS_OK;
    }
    for (i = 0; i < r->nwords; i++)
        if (push_needle(&r->marks, &r->nmarks, r->words[i].cps,
                        r->words[i].n, r->words[i].anchor_start,
                        r->words[i].anchor_end))
            goto oom;
    r->kmin = (r->nwords + 1) / 2;
    *out = r;
    return ZHS_OK;
oom:
    zhsi_relax_free(r);
    return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
}

zhs_status zhsi_relax_build(const zhsi_relax *r, zhsi_termfreq_fn tf,
                            void *tf_arg, zhsi_xq **out, char **errmsg)
{
    struct bctx c = {tf, tf_arg, errmsg};
    struct xlist any = {0}, req = {0}, neg = {0};
    zhsi_xq *w, *cw, *base = NULL, *t, *x;
    size_t i;
    zhs_status st = ZHS_OK;

    for (i = 0; st == ZHS_OK && i < r->nwords; i++) {
        if ((st = substring_query(&r->words[i], "", &w, errmsg)) != ZHS_OK)
            break;
        if ((st = zhsi_xq_const(w, zhsi_rank()->coord, &cw, errmsg))
            != ZHS_OK) {
            zhsi_xq_free(w);
            break;
        }
        if ((st = pair(ZHSI_XQ_OR, w, cw, &t, errmsg)) == ZHS_OK)
            st = xl_push(&any, t, errmsg);
    }
    for (i = 0; st == ZHS_OK && i < r->nrest; i++) {
        const zhsi_qnode *k = r->rest[i];
        if (k->kind == Q_NOT) {
            if (node_exact(k->kids[0])
                && (st = build(k->kids[0], "", 0, &c, &t)) == ZHS_OK)
                st = xl_push(&neg, t, errmsg);
        } else if ((st = build(k, "", 1, &c, &t)) == ZHS_OK) {
            st = xl_push(&req, t, errmsg);
        }
    }
    if (st == ZHS_OK)
        st = xl_combine(&any, ZHSI_XQ_OR, &base, errmsg);
    if (st == ZHS_OK && req.n) {
        if ((st = xl_combine(&req, ZHSI_XQ_AND, &t, errmsg)) == ZHS_OK) {
            st = pair(ZHSI_XQ_AND, base, t, &x, errmsg);
            base = st == ZHS_OK ? x : NULL;
        }
    }
    if (st == ZHS_OK && neg.n) {
        if ((st = xl_combine(&neg, ZHSI_XQ_OR, &t, errmsg)) == ZHS_OK) {
            st = pair(ZHSI_XQ_AND_NOT, base, t, &x, errmsg);
            base = st == ZHS_OK ? x : NULL;
        }
    }
    xl_free(&any);
    xl_free(&req);
    xl_free(&neg);
    if (st != ZHS_OK) {
        zhsi_xq_free(base);
        return st;
    }
    *out = base;
    return ZHS_OK;
}

size_t zhsi_relax_count(const zhsi_relax *r, const zhsi_doccheck *d)
{
    size_t i, n = 0;

    for (i = 0; i < r->nwords; i++)
        n += in_doc(&r->words[i], d, 0) != 0;
    return n;
}

int zhsi_relax_check(const zhsi_relax *r, const zhsi_doccheck *d)
{
    size_t i;

    for (i = 0; i < r->nrest; i++)
        if (!check(r->rest[i], d, 0))
            return 0;
    return zhsi_relax_count(r, d) >= r->kmin
        && !check(r->strict->root, d, 0);
}

const zhsi_needle *zhsi_relax_words(const zhsi_relax *r, size_t *n)
{
    *n = r->nwords;
    return r->words;
}

const zhsi_needle *zhsi_relax_marks(const zhsi_relax *r, size_t *n)
{
    *n = r->nmarks;
    return r->marks;
}

size_t zhsi_relax_kmin(const zhsi_relax *r) { return r->kmin; }
int zhsi_relax_split(const zhsi_relax *r) { return r->split; }
