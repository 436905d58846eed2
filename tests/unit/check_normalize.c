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
    /* a break not shown to be an artefact stays, shown as " ⏎ " */
    {"集\n\n中力量", "集 ⏎ 中力量", "集中力量"},
    /* a space between a Latin token and CJK stays; matching ignores it */
    {"基于 5G技术", "基于 5G技术", "基于5g技术"},
    {"上海 10 余家", "上海 10 余家", "上海10余家"},
    {"a  b\n\t c", "a b ⏎ c", "a b c"},
    {"  lead and trail  ", "lead and trail", "lead and trail"},
    {"## 党建引领 服务暖心\n正文", "党建引领 服务暖心 ⏎ 正文", "党建引领服务暖心正文"},
    {"#hashtag", "#hashtag", "#hashtag"},
    {"医\xe2\x80\x8b院", "医\xe2\x80\x8b院", "医院"},        /* ZWSP */
    {"Straße", "Straße", "strasse"},
    {"（ＭＤＴ）机制，", "（ＭＤＴ）机制，", "(mdt)机制,"},
    {"复 。 而 门", "复。而门", "复。而门"},
    {"ｘ\xe3\x80\x80ｙ", "ｘ ｙ", "x y"},                   /* U+3000 */
    {"醫院", "醫院", "医院"},       /* traditional folds, display keeps it */
    {"區域醫療中心 鐵門關", "區域醫療中心 鐵門關", "区域医疗中心铁门关"},
    {"組團式", "組團式", "组团式"},
    /* lines doubled by PDF extraction lose the second copy */
    {"这是“组团式”健康帮扶歌这是“组团式”健康帮扶歌",
     "这是“组团式”健康帮扶歌", "这是“组团式”健康帮扶歌"},
    {"保障。 （记者 张玉辉）（记者 张玉辉）\n下一行",
     "保障。（记者张玉辉） ⏎ 下一行", "保障。(记者张玉辉)下一行"},
    {"哈哈哈哈", "哈哈哈哈", "哈哈哈哈"},   /* too short to be an artefact */
    {"好的好的\n", "好的好的", "好的好的"},
    {"一二三四五六七一二三四五六七", "一二三四五六七", "一二三四五六七"},
    /* a byline keeps the spaces between names (000) */
    {"□通讯员 叶锡挺  \n特约记者 邢靓", "□通讯员 叶锡挺 ⏎ 特约记者 邢靓",
     "□通讯员叶锡挺特约记者邢靓"},
    /* PDF columns joined with spaces inside prose go (001) */
    {"既是 优质医疗资源真正沉下来、扎 下根的有力证明",
     "既是优质医疗资源真正沉下来、扎下根的有力证明",
     "既是优质医疗资源真正沉下来、扎下根的有力证明"},
    /* a man page: sections on their own lines */
    {"名称\n\nls - 列出目录内容\n\n概述\n\nls [选项]... [文件]...",
     "名称 ⏎ ls - 列出目录内容 ⏎ 概述 ⏎ ls [选项]... [文件]...",
     "名称ls -列出目录内容概述ls [选项]... [文件]..."},
    /* a poem: title, author and verses stay lines */
    {"《夜思》\n作者：李白\n床前明月光，疑是地上霜。\n举头望明月，低头思故乡。",
     "《夜思》 ⏎ 作者：李白 ⏎ 床前明月光，疑是地上霜。 ⏎ 举头望明月，低头思故乡。",
     "《夜思》作者:李白床前明月光,疑是地上霜。举头望明月,低头思故乡。"},
    /* verses ending in a comma are not a wrapped paragraph */
    {"题\n\n十年离乱后，长大一相逢，\n问姓惊初见，称名忆旧容。\n"
     "别来沧海事，语罢暮天钟。\n明日巴陵道，秋山又几重。",
     "题 ⏎ 十年离乱后，长大一相逢， ⏎ 问姓惊初见，称名忆旧容。 ⏎ "
     "别来沧海事，语罢暮天钟。 ⏎ 明日巴陵道，秋山又几重。",
     "题十年离乱后,长大一相逢,问姓惊初见,称名忆旧容。别来沧海事,语罢暮天钟。明日巴陵道,秋山又几重。"},
    /* a hard-wrapped paragraph (003's shape) is one paragraph; the line
     * ending the paragraph and the next one starting stay apart */
    {"标题\n\n大布局中，医疗援疆始终占据着\n重要位置，它关乎着新疆地区各\n"
     "族群众的健康福祉，更是成为推\n动经济发展的工程、民族团结的\n"
     "工程、凝聚人心的工程。\n\n如今，五年时光过去了",
     "标题 ⏎ 大布局中，医疗援疆始终占据着重要位置，它关乎着新疆地区各"
     "族群众的健康福祉，更是成为推动经济发展的工程、民族团结的"
     "工程、凝聚人心的工程。 ⏎ 如今，五年时光过去了",
     "标题大布局中,医疗援疆始终占据着重要位置,它关乎着新疆地区各"
     "族群众的健康福祉,更是成为推动经济发展的工程、民族团结的"
     "工程、凝聚人心的工程。如今,五年时光过去了"},
    /* a long line of prose stopping inside a word goes on (000) */
    {"题\n\n为提升患者就医体验，医院近年来积极落实检查检验结果互认等政策，"
     "推行诊间结算、床旁结算、医保二维码支\n\n付等服务，实现了处方流转。",
     "题 ⏎ 为提升患者就医体验，医院近年来积极落实检查检验结果互认等政策，"
     "推行诊间结算、床旁结算、医保二维码支付等服务，实现了处方流转。",
     "题为提升患者就医体验,医院近年来积极落实检查检验结果互认等政策,"
     "推行诊间结算、床旁结算、医保二维码支付等服务,实现了处方流转。"},
    /* a list item starts a line */
    {"题\n\n办法如下，包括以下各项内容和一些说明，\n- 第一项",
     "题 ⏎ 办法如下，包括以下各项内容和一些说明， ⏎ - 第一项",
     "题办法如下,包括以下各项内容和一些说明,-第一项"},
    /* an indented shell prompt is code, its '#' shown (not matched) */
    {"命令如下\n    # apt-get source foo", "命令如下 ⏎ # apt-get source foo",
     "命令如下apt-get source foo"},
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
    {
        /* what indexing builds, without the display form: the same */
        zhsi_text t;
        char *n2;
        ck_assert_int_eq(zhsi_text_build(c->in, strlen(c->in), ZHSI_TEXT_DOC
                                         | ZHSI_TEXT_NORM_ONLY, &t, NULL),
                         ZHS_OK);
        ck_assert_uint_eq(t.ndisp, 0);
        n2 = zhsi_utf8_encode(t.norm, t.nnorm);
        ck_assert_str_eq(n2, c->norm);
        free(n2);
        zhsi_text_free(&t);
    }
    free(d);
    free(n);
}
END_TEST

START_TEST(test_map_and_lines)
{
    /* Display: 第一行 ⏎ Ａß ⏎ 第四行 (short lines: the breaks stay, shown
     * as " ⏎ "); normalized: 第一行ass第四行, without them.  ß folds to
     * "ss": both map back to the display ß. */
    zhsi_text t;
    const char *s = "第一行\nＡß\n\n第四行";
    ck_assert_int_eq(zhsi_text_build(s, strlen(s), ZHSI_TEXT_DOC, &t, NULL), ZHS_OK);
    ck_assert_uint_eq(t.ndisp, 14);
    ck_assert_uint_eq(t.disp[3], ' ');
    ck_assert_uint_eq(t.disp[4], ZHSI_BREAK_CP);
    ck_assert_uint_eq(t.disp[5], ' ');
    ck_assert_uint_eq(t.nnorm, 9);             /* ß -> ss */
    ck_assert_uint_eq(t.norm[3], 'a');
    ck_assert_uint_eq(t.norm_map[2], 2);
    ck_assert_uint_eq(t.norm_map[3], 6);
    ck_assert_uint_eq(t.norm[4], 's');
    ck_assert_uint_eq(t.norm[5], 's');
    ck_assert_uint_eq(t.norm_map[4], 7);
    ck_assert_uint_eq(t.norm_map[5], 7);
    ck_assert_uint_eq(t.norm_map[6], 11);
    ck_assert_uint_eq(t.disp_line[0], 1);
    ck_assert_uint_eq(t.disp_line[6], 2);
    ck_assert_uint_eq(t.disp_line[11], 4);
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
