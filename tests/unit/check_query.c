/* check_query.c: the query grammar as a table of input -> parsed form or
 * error. */
#include "testutil.h"

struct qcase {
    const char *in;
    zhs_status st;
    /* needles as "text|text" with exact ones in quotes; or for errors, a
     * fragment the message must contain */
    const char *want;
};

static const struct qcase cases[] = {
    {"援疆 医疗队", ZHS_OK, "援疆|医疗队"},
    {"援疆医疗队", ZHS_OK, "援疆医疗队"},           /* 援|疆|医疗|队 joined */
    {"阿克苏 医院", ZHS_OK, "阿克苏|医院"},
    {"\"扎 下根\"", ZHS_OK, "\"扎下根\""},
    {"ＥＣＭＯ", ZHS_OK, "ecmo"},
    {"PET-CT", ZHS_OK, "pet|ct"},
    {"2025年", ZHS_OK, "2025年"},
    {"\"PET CT\" 5G", ZHS_OK, "\"pet ct\"|5g"},
    {"疆 疆", ZHS_OK, "疆"},                        /* duplicates collapse */
    {"医院，", ZHS_OK, "医院"},
    {"＂医院＂", ZHS_OK, "\"医院\""},
    {"", ZHS_EQUERY, "empty query"},
    {"   ", ZHS_EQUERY, "empty query"},
    {"，。！", ZHS_EQUERY, "nothing to search"},
    {"\"医院", ZHS_EQUERY, "unbalanced quote at position 1"},
    {"医院 \"援疆", ZHS_EQUERY, "unbalanced quote at position 4"},
    {"\"\"", ZHS_EQUERY, "empty phrase at position 1"},
    {"\" \"", ZHS_EQUERY, "empty phrase"},
    {"ab\xff", ZHS_EQUERY, "not valid UTF-8 (byte offset 2)"},
};

static void describe(const zhsi_query *q, char *buf, size_t len)
{
    size_t i;
    buf[0] = '\0';
    for (i = 0; i < q->nneedles; i++) {
        char *s = zhsi_utf8_encode(q->needles[i].cps, q->needles[i].n);
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s%s%s",
                 i ? "|" : "", q->needles[i].exact ? "\"" : "", s,
                 q->needles[i].exact ? "\"" : "");
        free(s);
    }
}

START_TEST(test_table)
{
    const struct qcase *c = &cases[_i];
    zhsi_segmenter *seg;
    zhsi_query q;
    char *msg = NULL, got[512];
    zhs_status st;

    ck_assert_int_eq(zhsi_segmenter_new(&seg, NULL), ZHS_OK);
    st = zhsi_query_parse(seg, c->in, &q, &msg);
    ck_assert_msg(st == c->st, "'%s': status %d, want %d (%s)", c->in, st,
                  c->st, msg ? msg : "");
    if (st == ZHS_OK) {
        describe(&q, got, sizeof got);
        ck_assert_msg(strcmp(got, c->want) == 0, "'%s' parsed as '%s', want "
                      "'%s'", c->in, got, c->want);
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

START_TEST(test_build_shapes)
{
    /* Exact needles become a phrase of consecutive bigrams; one character
     * is its character term; words rank through AND_MAYBE. */
    zhsi_segmenter *seg;
    zhsi_query q;
    zhsi_xq *xq;
    char *d;

    ck_assert_int_eq(zhsi_segmenter_new(&seg, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_query_parse(seg, "\"门诊总量\" 疆", &q, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_query_build(&q, &xq, NULL), ZHS_OK);
    d = zhsi_xq_describe(xq);
    ck_assert_msg(strstr(d, "G门诊 PHRASE 3 G诊总 PHRASE 3 G总量") != NULL,
                  "%s", d);
    ck_assert_msg(strstr(d, "U疆") != NULL, "%s", d);
    ck_assert_msg(strstr(d, "AND_MAYBE") != NULL, "%s", d);
    free(d);
    zhsi_xq_free(xq);
    zhsi_query_free(&q);
    zhsi_segmenter_free(seg);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("query");
    TCase *tc = tcase_create("grammar");
    tcase_add_loop_test(tc, test_table, 0, sizeof cases / sizeof cases[0]);
    tcase_add_test(tc, test_too_long);
    tcase_add_test(tc, test_build_shapes);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
