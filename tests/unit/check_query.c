/* check_query.c: the query grammar as a table of input -> parsed form or
 * error. */
#include "testutil.h"

struct qcase {
    const char *in;
    zhs_status st;
    const char *want;    /* parsed form, or a fragment of the error */
};

static const struct qcase cases[] = {
    /* words, joined single characters, separate words */
    {"援疆 医疗队", ZHS_OK, "AND(W(援疆) W(医疗队))"},
    {"援疆医疗队", ZHS_OK, "W(援疆医疗队)"},
    {"阿克苏医院", ZHS_OK, "W(阿克苏,医院)"},
    {"门诊总量", ZHS_OK, "W(门诊,总量)"},
    {"疆 疆", ZHS_OK, "AND(W(疆) W(疆))"},
    {"医院，", ZHS_OK, "W(医院)"},
    {"医院 ，。", ZHS_OK, "W(医院)"},
    /* normalization */
    {"ＥＣＭＯ", ZHS_OK, "W(^ecmo$)"},
    {"醫院", ZHS_OK, "W(医院)"},
    {"\"組團式\"", ZHS_OK, "\"组团式\""},
    /* mixed tokens: letters and digits anchored */
    {"PET-CT", ZHS_OK, "W(^pet[-_]?ct$)"},
    {"2025年", ZHS_OK, "W(^2025年)"},
    {"120", ZHS_OK, "W(^120$)"},
    {"ISO15189", ZHS_OK, "W(^iso[-_]?15189$)"},
    {"96.43%", ZHS_OK, "W(^96.43%)"},
    {"\"PET CT\" 5G", ZHS_OK, "AND(\"pet ct\" W(^5[-_]?g$))"},
    {"\"扎 下根\"", ZHS_OK, "\"扎下根\""},
    {"＂医院＂", ZHS_OK, "\"医院\""},
    {"\"哈哈哈哈哈哈\"", ZHS_OK, "\"哈哈哈哈哈哈\""},   /* no PDF repair */
    /* operators */
    {"援疆 OR 石河子", ZHS_OK, "OR(W(援疆) W(石河子))"},
    {"a b OR c", ZHS_OK, "OR(AND(W(^a$) W(^b$)) W(^c$))"},
    {"援疆 AND 医院", ZHS_OK, "AND(W(援疆) W(医院))"},
    {"援疆 -石河子", ZHS_OK, "AND(W(援疆) NOT(W(石河子)))"},
    {"援疆 NOT 石河子", ZHS_OK, "AND(W(援疆) NOT(W(石河子)))"},
    {"-石河子", ZHS_OK, "NOT(W(石河子))"},
    {"(ECMO OR PET-CT) 阿克苏", ZHS_OK,
     "AND(OR(W(^ecmo$) W(^pet[-_]?ct$)) W(阿克苏))"},
    {"-(a OR b) c", ZHS_OK, "AND(NOT(OR(W(^a$) W(^b$))) W(^c$))"},
    {"or and not", ZHS_OK, "AND(W(^or$) W(^and$) W(^not$))"},
    /* fields */
    {"title:医疗队", ZHS_OK, "title:W(医疗队)"},
    {"title:\"带不走的\" 援疆", ZHS_OK, "AND(title:\"带不走的\" W(援疆))"},
    {"source:新华社", ZHS_OK, "source:新华社"},
    {"source:ＮＥＷＳ", ZHS_OK, "source:news"},
    {"id:000_x.txt", ZHS_OK, "id:000_x.txt"},
    {"date:2024", ZHS_OK, "date:20240000..20249999"},
    {"date:2023-01..2025-06", ZHS_OK, "date:20230100..20250699"},
    {"date:2025-12-19", ZHS_OK, "date:20251219..20251219"},
    {"date:2024..", ZHS_OK, "date:20240000..99999999"},
    {"date:..2024-02-29", ZHS_OK, "date:00000000..20240229"},
    {"医院 date:2024", ZHS_OK, "AND(W(医院) date:20240000..20249999)"},
    {"author:杜甫", ZHS_OK, "author:杜甫"},
    {"author:\"Li  Bai\" 明月", ZHS_OK, "AND(author:li bai W(明月))"},
    {"author:杜甫 OR author:李白", ZHS_OK, "OR(author:杜甫 author:李白)"},
    {"\"titles:x\"", ZHS_OK, "\"titles:x\""},      /* quoted: text */
    {"10:30", ZHS_OK, "W(^10:30$)"},                 /* not a field name */
    /* lower-case boolean words are words */
    {"援疆 or 石河子", ZHS_OK, "AND(W(援疆) W(^or$) W(石河子))"},
    {"援疆 and 医院", ZHS_OK, "AND(W(援疆) W(^and$) W(医院))"},
    /* Latin tokens: one needle each, punctuation kept, separators
     * written either way (joints), anchored where they end in a letter
     * or digit; deb* is a prefix */
    {".deb", ZHS_OK, "W(.deb$)"},
    {"C++", ZHS_OK, "W(^c++)"},
    {"Ｃ＋＋", ZHS_OK, "W(^c++)"},
    {"c++11", ZHS_OK, "W(^c++11$)"},
    {"C#", ZHS_OK, "W(^c#)"},
    {"UTF-8", ZHS_OK, "W(^utf[-_]?8$)"},
    {"utf8", ZHS_OK, "W(^utf[-_]?8$)"},
    {"apt-get", ZHS_OK, "W(^apt[-_]?get$)"},
    {"node.js", ZHS_OK, "W(^node.js$)"},
    {"3.14", ZHS_OK, "W(^3.14$)"},
    {"x86_64", ZHS_OK, "W(^x[-_]?86[-_]64$)"},
    {"10-20", ZHS_OK, "W(^10[-_]20$)"},
    {"a--b", ZHS_OK, "W(^a--b$)"},
    {"/etc/fstab", ZHS_OK, "W(/etc/fstab$)"},
    {"~/.bashrc", ZHS_OK, "W(~/.bashrc$)"},
    {"v1.2.3.", ZHS_OK, "W(^v[-_]?1.2.3$)"},       /* a full stop ends it */
    {"1,000", ZHS_OK, "W(^1,000$)"},
    {"a,b", ZHS_OK, "W(^a$,^b$)"},
    {"http://deb.debian.org/", ZHS_OK, "W(^http://deb.debian.org/)"},
    {"deb*", ZHS_OK, "W(^deb)"},
    {"R-One* 援疆", ZHS_OK, "AND(W(^r[-_]?one) W(援疆))"},
    {"naïve", ZHS_OK, "W(^naïve$)"},
    {"用UTF-8编码", ZHS_OK, "W(用utf[-_]?8$,编码)"},
    {"C语言", ZHS_OK, "W(^c语言)"},
    {"医院-ecmo", ZHS_OK, "W(医院,^ecmo$)"},
    {"\"utf-8\"", ZHS_OK, "\"utf-8\""},             /* quoted: as written */
    /* '-' is NOT before CJK, a quote, a parenthesis or a field; before
     * ASCII it is part of the word (a command-line option) */
    {"ls -l", ZHS_OK, "AND(W(^ls$) W(-l$))"},
    {"--help", ZHS_OK, "W(--help$)"},
    {"-5", ZHS_OK, "W(-5$)"},
    {"ls NOT -l", ZHS_OK, "AND(W(^ls$) NOT(W(-l$)))"},
    {"ls -\"-l\"", ZHS_OK, "AND(W(^ls$) NOT(\"-l\"))"},
    {"援疆 -ＥＣＭＯ", ZHS_OK, "AND(W(援疆) W(-ecmo$))"},
    {"援疆 -title:医院", ZHS_OK, "AND(W(援疆) NOT(title:W(医院)))"},
    /* errors, with positions */
    {"", ZHS_EQUERY, "empty query"},
    {"   ", ZHS_EQUERY, "empty query"},
    {"，。！", ZHS_EQUERY, "nothing to search for"},
    {"\"医院", ZHS_EQUERY, "unbalanced quote at position 1"},
    {"医院 \"援疆", ZHS_EQUERY, "unbalanced quote at position 4"},
    {"\"\"", ZHS_EQUERY, "empty phrase at position 1"},
    {"\" \"", ZHS_EQUERY, "empty phrase"},
    {"(医院", ZHS_EQUERY, "unbalanced '(' at position 1"},
    {"医院)", ZHS_EQUERY, "unbalanced ')' at position 3"},
    {"医院 ()", ZHS_EQUERY, "empty parentheses at position 4"},
    {"医院 OR", ZHS_EQUERY, "OR at position 4 needs a term"},
    {"OR 医院", ZHS_EQUERY, "OR at position 1 needs a term"},
    {"医院 OR OR 援疆", ZHS_EQUERY, "OR at position 4 needs a term"},
    {"医院 AND", ZHS_EQUERY, "AND at position 4 needs a term"},
    {"NOT", ZHS_EQUERY, "NOT at position 1 needs a term"},
    {"医院 -", ZHS_EQUERY, "'-' at position 4 needs a term"},
    {"title:", ZHS_EQUERY, "'title:' at position 1 needs a value"},
    {"title:，", ZHS_EQUERY, "title: at position 1 has nothing"},
    {"date:2024-13", ZHS_EQUERY, "invalid date at position 6"},
    {"date:2023-02-29", ZHS_EQUERY, "invalid date"},
    {"date:2025..2024", ZHS_EQUERY, "invalid date"},
    {"date:..", ZHS_EQUERY, "invalid date"},
    {"titles:x", ZHS_EQUERY, "unknown field 'titles:' at position 1"},
    {"医院 Author:杜甫", ZHS_EQUERY, "unknown field 'Author:' at position 4"},
    {"援疆 -foo:bar", ZHS_EQUERY, "unknown field 'foo:' at position 5"},
    {"author:", ZHS_EQUERY, "'author:' at position 1 needs a value"},
    {"ab\xff", ZHS_EQUERY, "not valid UTF-8 (byte offset 2)"},
};

START_TEST(test_table)
{
    const struct qcase *c = &cases[_i];
    zhsi_segmenter *seg;
    zhsi_query q;
    zhsi_xq *xq;
    char *msg = NULL, *got;
    zhs_status st;

    ck_assert_int_eq(zhsi_segmenter_new(&seg, NULL), ZHS_OK);
    st = zhsi_query_parse(seg, c->in, &q, &msg);
    ck_assert_msg(st == c->st, "'%s': status %d, want %d (%s)", c->in, st,
                  c->st, msg ? msg : "");
    if (st == ZHS_OK) {
        got = zhsi_query_describe(&q);
        ck_assert_msg(strcmp(got, c->want) == 0, "'%s' parsed as '%s', want "
                      "'%s'", c->in, got, c->want);
        free(got);
        /* every parsed query also builds */
        ck_assert_int_eq(zhsi_query_build(&q, NULL, NULL, &xq, NULL), ZHS_OK);
        zhsi_xq_free(xq);
        zhsi_query_free(&q);
    } else {
        ck_assert_ptr_nonnull(msg);
        ck_assert_msg(strstr(msg, c->want) != NULL, "'%s': message '%s' "
                      "lacks '%s'", c->in, msg, c->want);
    }
    free(msg);
    zhsi_segmenter_free(seg);
}
END_TEST

START_TEST(test_too_long)
{
    zhsi_segmenter *seg;
    zhsi_query q;
    char *msg = NULL, *s = malloc(3 * 1001 + 1);
    size_t i;

    for (i = 0; i < 1001; i++)
        memcpy(s + 3 * i, "医", 3);
    s[3 * 1001] = '\0';
    ck_assert_int_eq(zhsi_segmenter_new(&seg, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_query_parse(seg, s, &q, &msg), ZHS_EQUERY);
    ck_assert_ptr_nonnull(strstr(msg, "longer than 1000"));
    free(msg);
    /* exactly 1000 is allowed */
    s[3 * 1000] = '\0';
    ck_assert_int_eq(zhsi_query_parse(seg, s, &q, NULL), ZHS_OK);
    zhsi_query_free(&q);
    zhsi_segmenter_free(seg);
    free(s);
}
END_TEST

/* A word of many Latin tokens and punctuation whose segments outgrow the
 * first allocation (found by tools/fuzz: a use after free, which valgrind
 * and ASan report when the fix is undone). */
START_TEST(test_many_segments)
{
    static const char s[] =
        ";2,-9.o9a2,|-2,92.aWT-,02,T-,9,-20.o9,|-2;2,-9.o9a2,|-2,92.aWT-,"
        "02,T-,9,-20.o9,|-29 9 92.$-";
    zhsi_segmenter *seg;
    zhsi_query q;

    ck_assert_int_eq(zhsi_segmenter_new(&seg, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_query_parse(seg, s, &q, NULL), ZHS_OK);
    zhsi_query_free(&q);
    zhsi_segmenter_free(seg);
}
END_TEST

/* Parses and builds q; returns Xapian's description (malloc'd). */
static char *built(zhsi_segmenter *seg, const char *qs)
{
    zhsi_query q;
    zhsi_xq *xq;
    char *d;

    ck_assert_int_eq(zhsi_query_parse(seg, qs, &q, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_query_build(&q, NULL, NULL, &xq, NULL), ZHS_OK);
    d = zhsi_xq_describe(xq);
    zhsi_xq_free(xq);
    zhsi_query_free(&q);
    return d;
}

/* expected with each {G门诊}, {SG医疗}, {U疆} replaced by how Xapian
 * describes that term (character and bigram terms are not UTF-8);
 * malloc'd. */
static char *spell(const char *expected)
{
    char *out = malloc(4096), term[32], *d;
    size_t k = 0;
    const char *p = expected;

    ck_assert_ptr_nonnull(out);
    while (*p) {
        if (*p != '{') {
            out[k++] = *p++;
            continue;
        }
        {
            const char *e = strchr(p, '}'), *kind = p + 1;
            char prefix[4] = "";
            uint32_t *cps;
            size_t n, len;
            zhsi_xq *q;
            ck_assert_ptr_nonnull(e);
            if (*kind == 'S') {
                strcpy(prefix, "S");
                kind++;
            }
            ck_assert_int_eq(zhsi_utf8_decode(kind + 1, (size_t)(e - kind - 1),
                                              &cps, &n, NULL), ZHS_OK);
            len = *kind == 'U' ? zhsi_unigram_term(term, prefix, cps[0])
                               : zhsi_bigram_term(term, prefix, cps[0], cps[1]);
            free(cps);
            ck_assert_int_eq(zhsi_xq_term(term, len, &q, NULL), ZHS_OK);
            d = zhsi_xq_describe(q);
            zhsi_xq_free(q);
            /* "Query(TERM)" */
            memcpy(out + k, d + 6, strlen(d) - 7);
            k += strlen(d) - 7;
            free(d);
            p = e + 1;
        }
    }
    out[k] = '\0';
    return out;
}

/* Whether d holds expected (spelt as above). */
static int has(const char *d, const char *expected)
{
    char *e = spell(expected);
    int v = strstr(d, e) != NULL;
    free(e);
    return v;
}

START_TEST(test_build_shapes)
{
    zhsi_segmenter *seg;
    char *d;

    ck_assert_int_eq(zhsi_segmenter_new(&seg, NULL), ZHS_OK);
    /* Exact text: every bigram, no positions (the stored text decides);
     * one character: its character term; words rank through AND_MAYBE. */
    d = built(seg, "\"门诊总量\" 疆");
    ck_assert_msg(has(d, "{G门诊} AND {G诊总} AND {G总量}"), "%s", d);
    ck_assert_msg(strstr(d, "PHRASE") == NULL, "%s", d);
    ck_assert_msg(has(d, "{U疆}"), "%s", d);
    free(d);
    /* Digits are anchored at both ends; title terms carry "S"; a repeated
     * bigram is asked for once. */
    d = built(seg, "120 title:医疗队 哈哈哈");
    ck_assert_msg(strstr(d, "G\\x011 AND G12 AND G20 AND G0\\x01") != NULL,
                  "%s", d);
    ck_assert_msg(has(d, "{SG医疗} AND {SG疗队}"), "%s", d);
    ck_assert_msg(!has(d, "{G哈哈} AND {G哈哈}") && has(d, "{G哈哈}"), "%s", d);
    free(d);
    /* A joint asks for the bigram across it, whichever way the text
     * writes the separator; a token is anchored at both ends. */
    d = built(seg, "UTF-8");
    ck_assert_msg(strstr(d, "G\\x01u AND Gut AND Gtf AND Gf8 AND G8\\x01")
                  != NULL, "%s", d);
    ck_assert_msg(strstr(d, "Gf-") == NULL, "%s", d);
    /* its squeezed form, as one run (utf8) or joined runs (utf-8) */
    ck_assert_msg(strstr(d, "Wutf8 OR Vutf8") != NULL, "%s", d);
    free(d);
    /* A whole run inside a token asks for its "W" term */
    d = built(seg, ".deb /etc/fstab");
    ck_assert_msg(has(d, "Wdeb") && has(d, "Wetc") && has(d, "Wfstab"),
                  "%s", d);
    free(d);
    /* Words of three or more characters rank as terms of their own; the
     * title features: an exact title ("T") and a title holding the
     * strings ("S"), weighted by its length ("L"). */
    d = built(seg, "医疗队");
    ck_assert_msg(strstr(d, "AND_MAYBE 医疗队) AND_MAYBE") != NULL, "%s", d);
    ck_assert_msg(strstr(d, "FILTER T医疗队") != NULL, "%s", d);
    ck_assert_msg(has(d, "0 * ({SG医疗} AND {SG疗队})"), "%s", d);
    ck_assert_msg(strstr(d, "FILTER L3)") != NULL, "%s", d);
    free(d);
    /* Filters weigh nothing; a lone NOT subtracts from everything. */
    d = built(seg, "source:新华社 date:2024 -援疆");
    ck_assert_msg(strstr(d, "0 * B新华社") != NULL, "%s", d);
    ck_assert_msg(strstr(d, "VALUE_RANGE 0 20240000 20249999") != NULL, "%s",
                  d);
    ck_assert_msg(has(d, "AND_NOT {G援疆}"), "%s", d);
    free(d);
    /* A NOT of a string that needs the check is left to the check: Xapian
     * must not drop documents that merely have its bigrams. */
    d = built(seg, "援疆 -\"医疗队\"");
    ck_assert_msg(strstr(d, "AND_NOT") == NULL, "%s", d);
    free(d);
    d = built(seg, "-援疆");
    ck_assert_msg(has(d, "<alldocuments> AND_NOT {G援疆}"), "%s", d);
    free(d);
    zhsi_segmenter_free(seg);
}
END_TEST

static int no_fields(void *arg, int kind, const char *value,
                     const char *lo, const char *hi)
{
    (void)kind;
    (void)value;
    (void)lo;
    (void)hi;
    return *(int *)arg;
}

/* Checks query qs against a document of that title and body. */
static int checks(zhsi_segmenter *seg, const char *qs, const char *title,
                  const char *body, int fields)
{
    zhsi_query q;
    zhsi_doccheck d = {0, title, strlen(title), body, strlen(body),
                       no_fields, &fields};
    int v;

    ck_assert_int_eq(zhsi_query_parse(seg, qs, &q, NULL), ZHS_OK);
    v = zhsi_query_check(&q, &d);
    zhsi_query_free(&q);
    return v;
}

/* The same with the document in UTF-16LE, as the index keeps Chinese
 * text. */
static int checks16(zhsi_segmenter *seg, const char *qs, const char *title,
                    const char *body)
{
    char t16[512], b16[512];
    size_t nt = 0, nb = 0, i, n;
    uint32_t *cps;
    int fields = 1, v;
    zhsi_query q;
    zhsi_doccheck d;

    ck_assert_int_eq(zhsi_utf8_decode(title, strlen(title), &cps, &n, NULL),
                     ZHS_OK);
    for (i = 0; i < n; i++)
        nt += zhsi_utf16_put(t16 + nt, cps[i]);
    free(cps);
    ck_assert_int_eq(zhsi_utf8_decode(body, strlen(body), &cps, &n, NULL),
                     ZHS_OK);
    for (i = 0; i < n; i++)
        nb += zhsi_utf16_put(b16 + nb, cps[i]);
    free(cps);
    d = (zhsi_doccheck){1, t16, nt, b16, nb, no_fields, &fields};
    ck_assert_int_eq(zhsi_query_parse(seg, qs, &q, NULL), ZHS_OK);
    v = zhsi_query_check(&q, &d);
    zhsi_query_free(&q);
    return v;
}

static int exact(zhsi_segmenter *seg, const char *qs)
{
    zhsi_query q;
    int v;

    ck_assert_int_eq(zhsi_query_parse(seg, qs, &q, NULL), ZHS_OK);
    v = zhsi_query_exact(&q);
    zhsi_query_free(&q);
    return v;
}

START_TEST(test_check)
{
    /* The check is grep on the normalized title and body; Xapian's
     * candidates are exact only for characters and bigrams. */
    zhsi_segmenter *seg;

    ck_assert_int_eq(zhsi_segmenter_new(&seg, NULL), ZHS_OK);
    ck_assert(exact(seg, "援疆"));
    ck_assert(exact(seg, "医 援疆 source:x"));
    ck_assert(!exact(seg, "\"医疗队\""));
    ck_assert(!exact(seg, "5g"));
    /* one whole Latin run is its "W" term; other tokens are checked */
    ck_assert(exact(seg, "ecmo"));
    ck_assert(exact(seg, "120 援疆"));
    ck_assert(exact(seg, "援疆 NOT c"));
    ck_assert(!exact(seg, ".deb"));
    ck_assert(!exact(seg, "deb*"));
    ck_assert(!exact(seg, "utf8"));
    ck_assert(!exact(seg, "援疆 OR -\"医疗队\""));
    ck_assert(checks(seg, "\"医疗队\"", "", "浙江医疗队", 1));
    ck_assert(!checks(seg, "\"医疗队\"", "", "医疗 队", 1));
    ck_assert(!checks(seg, "\"医疗队\"", "", "队医疗", 1));
    ck_assert(checks(seg, "\"医疗队\"", "医疗队", "", 1));
    ck_assert(!checks(seg, "title:\"医疗队\"", "", "医疗队", 1));
    /* anchors: 120 is not in 1200, ai not in main, but ai is in "ai." */
    ck_assert(!checks(seg, "120", "", "共1200人", 1));
    ck_assert(checks(seg, "120", "", "共120人", 1));
    ck_assert(!checks(seg, "ai", "", "main", 1));
    ck_assert(checks(seg, "ai", "", "the ai.", 1));
    ck_assert(checks(seg, "ai", "", "main ai", 1));
    /* operators, and a filter that the document fails */
    ck_assert(checks(seg, "援疆 -\"医疗队\"", "", "援疆医生", 1));
    ck_assert(!checks(seg, "援疆 -\"医疗队\"", "", "援疆医疗队", 1));
    ck_assert(checks(seg, "\"医疗队\" OR source:x", "", "无", 1));
    ck_assert(!checks(seg, "\"医疗队\" OR source:x", "", "无", 0));
    ck_assert(checks(seg, "\"医疗队\" OR author:x", "", "无", 1));
    ck_assert(!checks(seg, "\"医疗队\" OR author:x", "", "无", 0));
    /* the same checks on UTF-16 text: whole units only, anchors on units */
    ck_assert(checks16(seg, "\"医疗队\"", "", "浙江医疗队"));
    ck_assert(!checks16(seg, "\"医疗队\"", "", "医疗 队"));
    ck_assert(checks16(seg, "\"医疗队\"", "医疗队", ""));
    ck_assert(!checks16(seg, "title:\"医疗队\"", "", "医疗队"));
    ck_assert(!checks16(seg, "120", "", "共1200人"));
    ck_assert(checks16(seg, "120", "", "共120人"));
    ck_assert(!checks16(seg, "ai", "", "main"));
    ck_assert(checks16(seg, "ai", "", "main ai"));
    /* Latin tokens: whole, anchored, separators either way */
    ck_assert(!checks(seg, ".deb", "", "http://deb.debian.org/debian/", 1));
    ck_assert(checks(seg, ".deb", "", "foo_1.0_amd64.deb", 1));
    ck_assert(!checks(seg, "deb", "", "debian", 1));
    ck_assert(checks(seg, "deb*", "", "debian", 1));
    ck_assert(checks(seg, "deb", "", "deb http://x", 1));
    ck_assert(!checks(seg, "apt-get", "", "aptitude", 1));
    ck_assert(checks(seg, "apt", "", "apt-get install", 1));
    ck_assert(checks(seg, "utf-8", "", "默认utf8编码", 1));
    ck_assert(checks(seg, "utf8", "", "用utf-8编码", 1));
    ck_assert(checks(seg, "utf8", "", "utf_8", 1));
    ck_assert(!checks(seg, "utf-8", "", "setfont(8) utf", 1));
    ck_assert(!checks(seg, "utf-8", "", "utf--8", 1));
    ck_assert(checks(seg, "x86_64", "", "x86-64", 1));
    ck_assert(!checks(seg, "x86_64", "", "x8664", 1));
    ck_assert(!checks(seg, "10-20", "", "1020", 1));
    ck_assert(checks(seg, "c++", "", "用c++编程", 1));
    ck_assert(!checks(seg, "c++", "", "c语言", 1));
    ck_assert(!checks(seg, "c++", "", "abc++", 1));
    ck_assert(!checks(seg, "3.14", "", "3.14159", 1));
    ck_assert(checks(seg, "3.14", "", "约3.14。", 1));
    ck_assert(!checks(seg, "node.js", "", "nodejs", 1));
    ck_assert(checks(seg, "ls -l", "", "ls -l", 1));
    ck_assert(!checks(seg, "ls -l", "", "ls -la", 1));
    /* the check looks for the longest piece first (mail), then around */
    ck_assert(checks(seg, "e-mail", "", "写email", 1));
    ck_assert(checks(seg, "e-mail", "", "e_mail", 1));
    ck_assert(!checks(seg, "e-mail", "", "re-mail", 1));
    ck_assert(!checks(seg, "e-mail", "", "e--mail mail", 1));
    ck_assert(!checks(seg, "x86_64", "", "ax86_64", 1));
    ck_assert(checks16(seg, "e-mail", "", "写e-mail"));
    ck_assert(!checks16(seg, "e-mail", "", "re-mail"));
    ck_assert(checks16(seg, "utf-8", "", "默认utf8编码"));
    ck_assert(checks16(seg, "x86_64", "", "是x86-64"));
    ck_assert(!checks16(seg, "x86_64", "", "是x8664"));
    ck_assert(!checks16(seg, ".deb", "", "的.debian"));
    ck_assert(checks16(seg, ".deb", "", "的.deb包"));
    ck_assert(!checks16(seg, "utf-8", "", "utf-80"));
    /* 䀀 is U+4000: its units' bytes straddle those of others */
    ck_assert(!checks16(seg, "\"@@\"", "", "䀀䀀䀀"));
    ck_assert(checks16(seg, "\"@@\"", "", "a@@"));
    ck_assert(checks16(seg, "\"𠀀好\"", "", "是𠀀好的"));
    zhsi_segmenter_free(seg);
}
END_TEST

/* The UTF-16 scan compares 8 units a step where the key's first and last
 * units both match: a key at every place of a longer text (across steps
 * and in the tail), a key cut off by the end, keys of one unit and of a
 * surrogate pair, and bytes that spell the key off the unit boundary
 * (㭁靓乵 is 41 3B 53 97 75 4E, which holds 医疗's 3B 53 97 75). */
START_TEST(test_check16_scan)
{
    zhsi_segmenter *seg;
    char body[400];
    size_t pos, k;

    ck_assert_int_eq(zhsi_segmenter_new(&seg, NULL), ZHS_OK);
    for (pos = 0; pos < 40; pos++) {
        for (k = 0; k < 3; k++) {
            size_t i, n = 0;
            for (i = 0; i < pos; i++)
                n += (size_t)sprintf(body + n, "甲");
            n += (size_t)sprintf(body + n, "医疗队");
            for (i = 0; i < k * 7; i++)
                n += (size_t)sprintf(body + n, "乙");
            ck_assert_msg(checks16(seg, "\"医疗队\"", "", body),
                          "at %zu, %zu after", pos, k * 7);
            ck_assert_msg(!checks16(seg, "\"医疗院\"", "", body),
                          "at %zu, %zu after", pos, k * 7);
            /* the first and last units match, the middle does not */
            ck_assert(!checks16(seg, "\"医甲队\"", "", body));
        }
        body[0] = '\0';
        for (k = 0; k < pos; k++)
            strcat(body, "甲");
        strcat(body, "医疗");
        ck_assert_msg(!checks16(seg, "\"医疗队\"", "", body), "cut at %zu",
                      pos);
        ck_assert(checks16(seg, "疗", "", body));
        ck_assert(!checks16(seg, "队", "", body));
        /* a place whose ends match but whose middle does not, then the
         * key, within one step */
        strcat(body, "医甲队医疗队");
        ck_assert_msg(checks16(seg, "\"医疗队\"", "", body), "after %zu",
                      pos);
    }
    ck_assert(!checks16(seg, "\"医疗\"", "", "甲甲甲甲甲甲甲甲㭁靓乵甲甲甲甲甲甲甲甲"));
    ck_assert(!checks16(seg, "\"医疗\"", "", "㭁靓乵"));
    ck_assert(checks16(seg, "\"医疗\"", "", "㭁靓乵医疗"));
    ck_assert(checks16(seg, "\"𠀀\"", "", "甲甲甲甲甲甲甲甲甲甲𠀀"));
    ck_assert(!checks16(seg, "\"𠀀\"", "", "甲甲甲甲甲甲甲甲甲甲𠀁"));
    ck_assert(checks16(seg, "\"好𠀀\"", "", "甲甲甲甲甲甲甲甲甲好𠀀甲"));
    zhsi_segmenter_free(seg);
}
END_TEST

/* Filter terms (source:, author:, id:): whole up to the limit; past it
 * cut at a character boundary, marked and hashed, so that two long values
 * with one beginning differ and the term stays a Xapian term. */
START_TEST(test_field_terms)
{
    char a[ZHSI_FIELD_TERM_BUF], b[ZHSI_FIELD_TERM_BUF], v[400];
    size_t n, i;
    int cut;

    memset(v, 'a', 200);
    v[200] = '\0';
    n = zhsi_field_term(a, 'B', v, ZHSI_FIELD_MAX);
    ck_assert_uint_eq(n, 201);
    ck_assert(a[0] == 'B' && memcmp(a + 1, v, 200) == 0 && a[201] == '\0');
    ck_assert_uint_eq(zhsi_field_term_text(a + 1, n - 1, &cut), 200);
    ck_assert(!cut);
    /* 201 bytes: cut, marked by 0xFF, hashed */
    strcpy(v + 200, "b");
    n = zhsi_field_term(a, 'B', v, ZHSI_FIELD_MAX);
    ck_assert_uint_le(n, ZHSI_FIELD_MAX + 1);
    ck_assert_uint_eq(zhsi_field_term_text(a + 1, n - 1, &cut), 183);
    ck_assert(cut);
    ck_assert_uint_eq((unsigned char)a[184], 0xFF);
    ck_assert_uint_eq(strlen(a), n);
    strcpy(v + 200, "c");
    zhsi_field_term(b, 'B', v, ZHSI_FIELD_MAX);
    ck_assert_str_ne(a, b);
    /* never inside a character: 3-byte characters from byte 0 */
    for (i = 0; i + 3 <= 300; i += 3)
        memcpy(v + i, "\xe6\x96\xb0", 3);
    v[300] = '\0';
    n = zhsi_field_term(a, 'A', v, ZHSI_FIELD_MAX);
    ck_assert_uint_eq(zhsi_field_term_text(a + 1, n - 1, &cut) % 3, 0);
    ck_assert(zhsi_utf8_invalid_at(a + 1, zhsi_field_term_text(a + 1, n - 1,
                                                               &cut))
              == (size_t)-1);
    /* ids: whole up to 240 bytes */
    memset(v, 'x', 241);
    v[240] = '\0';
    ck_assert_uint_eq(zhsi_field_term(a, 'Q', v, ZHSI_ID_MAX), 241);
    v[240] = 'x';
    v[241] = '\0';
    zhsi_field_term(b, 'Q', v, ZHSI_ID_MAX);
    ck_assert(strncmp(a, b, 241) != 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("query");
    TCase *tc = tcase_create("grammar");
    tcase_add_loop_test(tc, test_table, 0, sizeof cases / sizeof cases[0]);
    tcase_add_test(tc, test_too_long);
    tcase_add_test(tc, test_many_segments);
    tcase_add_test(tc, test_build_shapes);
    tcase_add_test(tc, test_check);
    tcase_add_test(tc, test_check16_scan);
    tcase_add_test(tc, test_field_terms);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
