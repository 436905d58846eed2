/* check_normalize.c: unit tests of normalization and layout repair. */
#include <unicode/uchar.h>

#include "testutil.h"

struct norm_case {
    const char *in, *disp, *norm;
};

/* Input -> display form -> normalized form. */
static const struct norm_case cases[] = {
    {"ＥＣＭＯ ２０２５", "ＥＣＭＯ ２０２５", "ecmo 2025"},
    {"Ecmo PET-CT", "Ecmo PET-CT", "ecmo pet-ct"},
    {"扎 下根", "扎下根", "扎下根"},
    {"门 诊 总 量", "门诊总量", "门诊总量"},
    {"集\n\n中力量", "集中力量", "集中力量"},
    {"基于 5G技术", "基于5G技术", "基于5g技术"},
    {"a  b\n\t c", "a b c", "a b c"},
    {"  lead and trail  ", "lead and trail", "lead and trail"},
    {"## 党建引领 服务暖心\n正文", "党建引领服务暖心正文", "党建引领服务暖心正文"},
    {"#hashtag", "#hashtag", "#hashtag"},
    {"医\xe2\x80\x8b院", "医\xe2\x80\x8b院", "医院"},        /* ZWSP */
    {"Straße", "Straße", "strasse"},
    {"（ＭＤＴ）机制，", "（ＭＤＴ）机制，", "(mdt)机制,"},
    {"复 。 而 门", "复。而门", "复。而门"},
    {"ｘ\xe3\x80\x80ｙ", "ｘ ｙ", "x y"},                   /* U+3000 */
    {"醫院", "醫院", "医院"},       /* traditional folds, display keeps it */
    {"區域醫療中心 鐵門關", "區域醫療中心鐵門關", "区域医疗中心铁门关"},
    {"組團式", "組團式", "组团式"},
    /* lines doubled by PDF extraction lose the second copy */
    {"这是“组团式”健康帮扶歌这是“组团式”健康帮扶歌",
     "这是“组团式”健康帮扶歌", "这是“组团式”健康帮扶歌"},
    {"保障。 （记者 张玉辉）（记者 张玉辉）\n下一行",
     "保障。（记者张玉辉）下一行", "保障。(记者张玉辉)下一行"},
    {"哈哈哈哈", "哈哈哈哈", "哈哈哈哈"},   /* too short to be an artefact */
    {"好的好的\n", "好的好的", "好的好的"},
    {"一二三四五六七一二三四五六七", "一二三四五六七", "一二三四五六七"},
    {"", "", ""},
};

START_TEST(test_cases)
{
    const struct norm_case *c = &cases[_i];
    char *d = tu_disp(c->in), *n = tu_norm(c->in);

    ck_assert_msg(strcmp(d, c->disp) == 0, "display of '%s': got '%s'",
                  c->in, d);
    ck_assert_msg(strcmp(n, c->norm) == 0, "norm of '%s': got '%s'", c->in,
                  n);
    free(d);
    free(n);
}
END_TEST

START_TEST(test_map_and_lines)
{
    /* Display: 第一行Ａß第四行 (the line breaks touch CJK characters, so
     * they go).  ß folds to "ss": both map back to the display ß. */
    zhsi_text t;
    const char *s = "第一行\nＡß\n\n第四行";
    ck_assert_int_eq(zhsi_text_build(s, strlen(s), ZHSI_TEXT_DOC, &t, NULL), ZHS_OK);
    ck_assert_uint_eq(t.ndisp, 8);
    ck_assert_uint_eq(t.nnorm, 9);             /* ß -> ss */
    ck_assert_uint_eq(t.norm[3], 'a');
    ck_assert_uint_eq(t.norm_map[3], 3);
    ck_assert_uint_eq(t.norm[4], 's');
    ck_assert_uint_eq(t.norm[5], 's');
    ck_assert_uint_eq(t.norm_map[4], 4);
    ck_assert_uint_eq(t.norm_map[5], 4);
    ck_assert_uint_eq(t.norm_map[6], 5);
    ck_assert_uint_eq(t.disp_line[0], 1);
    ck_assert_uint_eq(t.disp_line[3], 2);
    ck_assert_uint_eq(t.disp_line[5], 4);
    zhsi_text_free(&t);
}
END_TEST

START_TEST(test_invalid_utf8)
{
    static const char *bad[] = {
        "ok\xff", "ab\xc0\x80", "\xed\xa0\x80", "x\xe4\xb8", "\xf4\x90\x80\x80",
    };
    static const size_t at[] = {2, 2, 0, 1, 0};
    zhsi_text t;
    char *msg = NULL, want[64];

    snprintf(want, sizeof want, "byte offset %zu", at[_i]);
    ck_assert_int_eq(zhsi_text_build(bad[_i], strlen(bad[_i]), 0, &t, &msg),
                     ZHS_EENCODING);
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(strstr(msg, want) != NULL, "message '%s' lacks '%s'", msg,
                  want);
    free(msg);
}
END_TEST

START_TEST(test_fold_cp)
{
    uint32_t out[18];
    ck_assert_uint_eq(zhsi_fold_cp(0xFF25, out), 1);   /* Ｅ */
    ck_assert_uint_eq(out[0], 'e');
    ck_assert_uint_eq(zhsi_fold_cp(0x533B, out), 1);   /* 医 */
    ck_assert_uint_eq(out[0], 0x533B);
    ck_assert_uint_eq(zhsi_fold_cp(0xF900, out), 1);   /* compat ideograph */
    ck_assert_uint_eq(out[0], 0x5C82);          /* 豈 (NFKC) then 岂 (T-S) */
    ck_assert_uint_eq(zhsi_fold_cp(0x91AB, out), 1);   /* 醫 */
    ck_assert_uint_eq(out[0], 0x533B);                 /* 医 */
    ck_assert_uint_eq(zhsi_fold_cp(0x200B, out), 0);   /* ZWSP: ignorable */
    /* cached second lookup agrees with the first */
    ck_assert_uint_eq(zhsi_fold_cp(0xFF25, out), 1);
    ck_assert_uint_eq(out[0], 'e');
}
END_TEST

START_TEST(test_space_matches_icu)
{
    /* the fixed White_Space set agrees with ICU's property everywhere */
    uint32_t cp;
    for (cp = 0xA0; cp < 0x30000; cp++)
        ck_assert_msg(zhsi_is_space(cp) == (u_isUWhiteSpace((UChar32)cp) != 0),
                      "U+%04X", (unsigned)cp);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("normalize");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_cases, 0, sizeof cases / sizeof cases[0]);
    tcase_add_test(tc, test_map_and_lines);
    tcase_add_loop_test(tc, test_invalid_utf8, 0, 5);
    tcase_add_test(tc, test_fold_cp);
    tcase_add_test(tc, test_space_matches_icu);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
