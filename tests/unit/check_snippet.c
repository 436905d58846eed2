/* check_snippet.c: unit tests of the passage ranker and highlighter. */
#include "testutil.h"

/* Builds text t and the needles (normalized) of a '|'-separated list. */
static size_t setup(const char *text, const char *needles, zhsi_text *t,
                    zhsi_needle *nd)
{
    char buf[256], *tok, *save = NULL;
    size_t n = 0;

    ck_assert_int_eq(zhsi_text_build(text, strlen(text), ZHSI_TEXT_DOC, t, NULL), ZHS_OK);
    snprintf(buf, sizeof buf, "%s", needles);
    for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
        zhsi_text nt;
        ck_assert_int_eq(zhsi_text_build(tok, strlen(tok), 0, &nt, NULL), ZHS_OK);
        nd[n].cps = nt.norm;
        nd[n].n = nt.nnorm;
        nd[n].anchor_start = nd[n].anchor_end = 0;
        nt.norm = NULL;
        zhsi_text_free(&nt);
        n++;
    }
    return n;
}

/* The UTF-8 of code points [a, b) of s. */
static char *cp_slice(const char *s, unsigned a, unsigned b)
{
    uint32_t *cps;
    size_t n, bad;
    char *r;
    ck_assert_int_eq(zhsi_utf8_decode(s, strlen(s), &cps, &n, &bad), ZHS_OK);
    ck_assert_uint_le(b, n);
    r = zhsi_utf8_encode(cps + a, b - a);
    free(cps);
    return r;
}

static void check_hl(const zhs_snippet *s, size_t i, const char *want)
{
    char *got;
    ck_assert_uint_lt(i, s->nhighlights);
    got = cp_slice(s->text, s->highlights[i].start, s->highlights[i].end);
    ck_assert_msg(strcmp(got, want) == 0, "highlight %zu of '%s' is '%s', "
                  "want '%s'", i, s->text, got, want);
    free(got);
}

static void cleanup(zhsi_text *t, zhsi_needle *nd, size_t nn, zhs_snippet *s,
                    size_t ns)
{
    size_t i;
    for (i = 0; i < nn; i++)
        free(nd[i].cps);
    for (i = 0; i < ns; i++)
        zhsi_snippet_clear(&s[i]);
    zhsi_text_free(t);
}

START_TEST(test_ranked_by_coverage)
{
    zhsi_text t;
    zhsi_needle nd[4];
    zhs_snippet s[3];
    size_t nn = setup("第一句没有。第三句援疆。第二句有援疆医疗队！末句。",
                      "援疆|医疗队", &t, nd), ns;

    ck_assert_int_eq(zhsi_snippets(&t, nd, nn, 3, s, &ns), ZHS_OK);
    ck_assert_uint_eq(ns, 2);
    ck_assert_str_eq(s[0].text, "第二句有援疆医疗队！");
    ck_assert_uint_eq(s[0].nhighlights, 2);
    ck_assert_uint_eq(s[0].highlights[0].start, 4);
    ck_assert_uint_eq(s[0].highlights[0].end, 6);
    ck_assert_uint_eq(s[0].highlights[1].start, 6);
    ck_assert_uint_eq(s[0].highlights[1].end, 9);
    ck_assert_str_eq(s[1].text, "第三句援疆。");
    check_hl(&s[1], 0, "援疆");
    cleanup(&t, nd, nn, s, ns);
}
END_TEST

START_TEST(test_no_duplicates)
{
    zhsi_text t;
    zhsi_needle nd[4];
    zhs_snippet s[3];
    size_t nn = setup("援疆很好。\n\n援疆很好。\n援疆很好。另一句援疆。", "援疆",
                      &t, nd), ns;

    ck_assert_int_eq(zhsi_snippets(&t, nd, nn, 3, s, &ns), ZHS_OK);
    ck_assert_uint_eq(ns, 2);
    ck_assert_str_ne(s[0].text, s[1].text);
    cleanup(&t, nd, nn, s, ns);
}
END_TEST

START_TEST(test_fullwidth_and_layout)
{
    zhsi_text t;
    zhsi_needle nd[4];
    zhs_snippet s[3];
    size_t nn = setup("配备了ＥＣＭＯ救护车。\n而 门\n诊 总 量更是高达。",
                      "ecmo|门诊总量", &t, nd), ns;

    ck_assert_int_eq(zhsi_snippets(&t, nd, nn, 3, s, &ns), ZHS_OK);
    ck_assert_uint_eq(ns, 2);
    ck_assert_str_eq(s[0].text, "配备了ＥＣＭＯ救护车。");
    check_hl(&s[0], 0, "ＥＣＭＯ");
    ck_assert_uint_eq(s[0].line, 1);
    /* the short lines are not proven wrapped: the break is shown, and the
     * match across it is highlighted exactly */
    ck_assert_str_eq(s[1].text, "而门 ⏎ 诊总量更是高达。");
    check_hl(&s[1], 0, "门 ⏎ 诊总量");
    ck_assert_uint_eq(s[1].line, 2);
    cleanup(&t, nd, nn, s, ns);
}
END_TEST

START_TEST(test_long_passage_window)
{
    char text[2048] = "";
    zhsi_text t;
    zhsi_needle nd[4];
    zhs_snippet s[3];
    size_t nn, ns, i;

    for (i = 0; i < 150; i++)
        strcat(text, "甲");
    strcat(text, "援疆");
    for (i = 0; i < 150; i++)
        strcat(text, "乙");
    strcat(text, "。");
    nn = setup(text, "援疆", &t, nd);
    ck_assert_int_eq(zhsi_snippets(&t, nd, nn, 3, s, &ns), ZHS_OK);
    ck_assert_uint_eq(ns, 1);
    /* "…" + 120 characters + "…" */
    ck_assert_int_eq(strncmp(s[0].text, "…", 3), 0);
    ck_assert_uint_eq(strlen(s[0].text), 3 * (ZHSI_SNIPPET_MAX_CP + 2));
    check_hl(&s[0], 0, "援疆");
    cleanup(&t, nd, nn, s, ns);
}
END_TEST

START_TEST(test_overlapping_merge_and_fallback)
{
    zhsi_text t;
    zhsi_needle nd[4];
    zhs_snippet s[3];
    size_t nn = setup("医疗队来了。", "医疗|医疗队", &t, nd), ns;

    ck_assert_int_eq(zhsi_snippets(&t, nd, nn, 3, s, &ns), ZHS_OK);
    ck_assert_uint_eq(ns, 1);
    ck_assert_uint_eq(s[0].nhighlights, 1);     /* merged, not nested */
    check_hl(&s[0], 0, "医疗队");
    cleanup(&t, nd, nn, s, ns);

    nn = setup("标题。正文没有。", "援疆", &t, nd);
    ck_assert_int_eq(zhsi_snippets(&t, nd, nn, 3, s, &ns), ZHS_OK);
    ck_assert_uint_eq(ns, 1);                   /* start of the text */
    ck_assert_uint_eq(s[0].nhighlights, 0);
    ck_assert_str_eq(s[0].text, "标题。正文没有。");
    cleanup(&t, nd, nn, s, ns);
}
END_TEST

/* Lines and paragraphs are not glued: a title line and the first
 * sentence show the break between them, a snippet never starts or ends
 * on one, and a quoted string matches across it with exact highlights. */
START_TEST(test_breaks_shown)
{
    zhsi_text t;
    zhsi_needle nd[4];
    zhs_snippet s[3];
    size_t nn = setup("打造一支带不走的医疗队伍\n2010 年起，上海市卫健委决定"
                      "开展攻坚战。\n\n□通讯员 叶锡挺  \n特约记者 邢靓\n\n"
                      "末段没有。",
                      "医疗队伍2010年起|叶锡挺特约", &t, nd), ns;

    ck_assert_int_eq(zhsi_snippets(&t, nd, nn, 3, s, &ns), ZHS_OK);
    ck_assert_uint_eq(ns, 2);
    ck_assert_str_eq(s[0].text, "打造一支带不走的医疗队伍 ⏎ 2010 年起，"
                     "上海市卫健委决定开展攻坚战。");
    check_hl(&s[0], 0, "医疗队伍 ⏎ 2010 年起");
    ck_assert_uint_eq(s[0].line, 1);
    /* the next passage starts after the paragraph break: no leading ⏎ */
    ck_assert_str_eq(s[1].text, "□通讯员 叶锡挺 ⏎ 特约记者 邢靓 ⏎ 末段没有。");
    check_hl(&s[1], 0, "叶锡挺 ⏎ 特约");
    ck_assert_uint_eq(s[1].line, 4);
    cleanup(&t, nd, nn, s, ns);
}
END_TEST

/* Every occurrence, overlapping ones merged, in display offsets: what
 * kwic prints one line for. */
START_TEST(test_find_spans)
{
    zhsi_text t;
    zhsi_needle nd[4];
    zhs_span *sp = NULL;
    size_t nn, n = 0;
    char *disp;

    nn = setup("门诊总量上升。门诊\n 总量；总量门诊 ＥＣＭＯ", "门诊|总量|门诊总量|ecmo",
               &t, nd);
    ck_assert_int_eq(zhsi_find_spans(&t, nd, nn, &sp, &n), ZHS_OK);
    disp = zhsi_utf8_encode(t.disp, t.ndisp);
    ck_assert_uint_eq(n, 5);
    {
        const char *want[] = {"门诊总量", "门诊 ⏎ 总量", "总量", "门诊", "ＥＣＭＯ"};
        char *got = cp_slice(disp, sp[0].start, sp[0].end);
        ck_assert_str_eq(got, want[0]);       /* three needles, one span */
        free(got);
        got = cp_slice(disp, sp[1].start, sp[1].end);
        ck_assert_str_eq(got, want[1]);       /* across the line break */
        free(got);
        got = cp_slice(disp, sp[2].start, sp[2].end);
        ck_assert_str_eq(got, want[2]);
        free(got);
        ck_assert_uint_eq(sp[3].start, sp[2].end);  /* adjacent: two */
        got = cp_slice(disp, sp[3].start, sp[3].end);
        ck_assert_str_eq(got, want[3]);
        free(got);
        got = cp_slice(disp, sp[4].start, sp[4].end);
        ck_assert_str_eq(got, want[4]);       /* found folded, shown wide */
        free(got);
    }
    free(disp);
    free(sp);
    cleanup(&t, nd, nn, NULL, 0);
}
END_TEST

START_TEST(test_cp_width)
{
    ck_assert_int_eq(zhs_cp_width(0x63F4), 2);    /* 援 */
    ck_assert_int_eq(zhs_cp_width(0xFF21), 2);    /* Ａ fullwidth */
    ck_assert_int_eq(zhs_cp_width(0x3002), 2);    /* 。 */
    ck_assert_int_eq(zhs_cp_width('a'), 1);
    ck_assert_int_eq(zhs_cp_width(0xFF61), 1);    /* ｡ halfwidth */
    ck_assert_int_eq(zhs_cp_width(0x0301), 0);    /* combining acute */
    ck_assert_int_eq(zhs_cp_width(0x20000), 2);   /* 𠀀 */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("snippet");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ranked_by_coverage);
    tcase_add_test(tc, test_no_duplicates);
    tcase_add_test(tc, test_fullwidth_and_layout);
    tcase_add_test(tc, test_long_passage_window);
    tcase_add_test(tc, test_overlapping_merge_and_fallback);
    tcase_add_test(tc, test_find_spans);
    tcase_add_test(tc, test_breaks_shown);
    tcase_add_test(tc, test_cp_width);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
