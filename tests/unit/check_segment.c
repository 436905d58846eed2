/* check_segment.c: unit tests of ICU word segmentation. */
#include "testutil.h"

struct collect {
    const uint32_t *cps;
    char words[64][64];
    size_t n;
};

static int collect(size_t start, size_t end, void *arg)
{
    struct collect *c = arg;
    char *w = zhsi_utf8_encode(c->cps + start, end - start);
    if (c->n < 64)
        snprintf(c->words[c->n++], 64, "%s", w);
    free(w);
    return 0;
}

static void segment_dict(const char *s, const char *dict, struct collect *c)
{
    zhsi_segmenter *seg;
    zhsi_dict *d = NULL;
    zhsi_text t;

    memset(c, 0, sizeof *c);
    ck_assert_int_eq(zhsi_segmenter_new(&seg, NULL), ZHS_OK);
    if (dict) {
        ck_assert_int_eq(zhsi_dict_new(dict, strlen(dict), &d, NULL), ZHS_OK);
        zhsi_segmenter_set_dict(seg, d);
    }
    ck_assert_int_eq(zhsi_text_build(s, strlen(s), 0, &t, NULL), ZHS_OK);
    c->cps = t.norm;
    ck_assert_int_eq(zhsi_segment(seg, t.norm, t.nnorm, collect, c, NULL),
                     ZHS_OK);
    zhsi_text_free(&t);
    zhsi_segmenter_free(seg);
    zhsi_dict_free(d);
}

static void segment(const char *s, struct collect *c)
{
    segment_dict(s, NULL, c);
}

static void joined(const struct collect *c, char *out, size_t len)
{
    size_t i;
    out[0] = '\0';
    for (i = 0; i < c->n; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? "|" : "",
                 c->words[i]);
}

START_TEST(test_dictionary)
{
    struct collect c;
    char got[512];

    segment("浙江援疆医疗队领队", &c);
    joined(&c, got, sizeof got);
    ck_assert_str_eq(got, "浙江|援|疆|医疗|队|领队");     /* ICU alone */
    segment_dict("浙江援疆医疗队领队", "援疆\n医疗队\n", &c);
    joined(&c, got, sizeof got);
    ck_assert_str_eq(got, "浙江|援疆|医疗队|领队");
    /* longest match wins; traditional and full-width entries fold */
    segment_dict("组团式医疗", "组团\n組團式\n", &c);
    joined(&c, got, sizeof got);
    ck_assert_str_eq(got, "组团式|医疗");
    /* an ICU word overlapping a dictionary word is clipped, not doubled */
    segment_dict("援疆医疗队", "疆医\n", &c);
    joined(&c, got, sizeof got);
    ck_assert_str_eq(got, "援|疆医|疗|队");
    /* comments, blank lines and words longer than 32 are ignored */
    segment_dict("援疆", "# 援疆\n\n援疆援疆援疆援疆援疆援疆援疆援疆援疆援疆援疆援疆援疆援疆援疆援疆援疆\n",
                 &c);
    joined(&c, got, sizeof got);
    ck_assert_str_eq(got, "援|疆");
}
END_TEST

START_TEST(test_dictionary_identity)
{
    zhsi_dict *a, *b;
    char *msg = NULL;
    const char *x = "援疆\n组团式\n", *y = "# comment\n組團式\n援疆\n援疆\n";

    ck_assert_int_eq(zhsi_dict_new(x, strlen(x), &a, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_dict_new(y, strlen(y), &b, NULL), ZHS_OK);
    ck_assert_uint_eq(zhsi_dict_count(a), 2);
    ck_assert_uint_eq(zhsi_dict_count(b), 2);
    ck_assert_str_eq(zhsi_dict_id(a), zhsi_dict_id(b));   /* same words */
    ck_assert_str_eq(zhsi_dict_serial(a), "援疆\n组团式\n");
    zhsi_dict_free(a);
    zhsi_dict_free(b);
    ck_assert_int_eq(zhsi_dict_new("ok\nbad\xff\n", 8, &a, &msg),
                     ZHS_EENCODING);
    ck_assert_ptr_nonnull(strstr(msg, "line 2"));
    free(msg);
}
END_TEST

START_TEST(test_no_punctuation_or_space)
{
    struct collect c;
    size_t i;
    segment("医院健全多学科会诊（MDT）机制，日间手术占比达11.37%！", &c);
    ck_assert_uint_gt(c.n, 5);
    for (i = 0; i < c.n; i++) {
        ck_assert_msg(strpbrk(c.words[i], " ,()!%") == NULL,
                      "word '%s' holds punctuation", c.words[i]);
        ck_assert_msg(strstr(c.words[i], "，") == NULL, "word '%s'",
                      c.words[i]);
    }
}
END_TEST

START_TEST(test_latin_tokens)
{
    struct collect c;
    segment("PET-CT 5G ISO15189", &c);
    ck_assert_uint_eq(c.n, 4);
    ck_assert_str_eq(c.words[0], "pet");
    ck_assert_str_eq(c.words[1], "ct");
    ck_assert_str_eq(c.words[2], "5g");
    ck_assert_str_eq(c.words[3], "iso15189");
}
END_TEST

START_TEST(test_words_cover_han)
{
    /* Every Han character lies in exactly one word, in order. */
    struct collect c;
    char joined[256] = "";
    size_t i;
    segment("医院已发展成为一所集医疗教学科研于一体的综合医院", &c);
    for (i = 0; i < c.n; i++)
        strcat(joined, c.words[i]);
    ck_assert_str_eq(joined, "医院已发展成为一所集医疗教学科研于一体的综合医院");
    ck_assert_uint_gt(c.n, 8);
}
END_TEST

START_TEST(test_supplementary_offsets)
{
    /* U+20000 takes two UTF-16 units; offsets stay in code points. */
    struct collect c;
    segment("\xf0\xa0\x80\x80" "abc def", &c);
    ck_assert_uint_ge(c.n, 2);
    ck_assert_str_eq(c.words[c.n - 1], "def");
}
END_TEST

START_TEST(test_empty)
{
    struct collect c;
    segment("", &c);
    ck_assert_uint_eq(c.n, 0);
    segment("，。！", &c);
    ck_assert_uint_eq(c.n, 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("segment");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_no_punctuation_or_space);
    tcase_add_test(tc, test_latin_tokens);
    tcase_add_test(tc, test_words_cover_han);
    tcase_add_test(tc, test_supplementary_offsets);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_dictionary);
    tcase_add_test(tc, test_dictionary_identity);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
