/* check_rank.c: ranking properties on small hand-made indexes.
 *
 * Each test indexes a few documents that differ in one respect only and
 * checks which ranks first, so a ranking change that breaks a promise of
 * the README (title above body, whole phrases above scattered words, more
 * occurrences above fewer) fails here.
 */
#include "testutil.h"

struct fixture {
    const char *id, *text, *date, *source;
};

/* hits() below: strict_only sets zhs_search_opts.no_relax; with keep_last
 * the results stay in `last` for the test to look at (and free). */
static int strict_only, keep_last;
static zhs_results *last;

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Indexes docs (title = first heading or line, as for files) and returns
 * the ids of the hits for query, '|'-separated: best first, or sorted by
 * id when sort_ids is set (for filters, where only the set matters). */
static void hits(const struct fixture *docs, size_t n, const char *query,
                 int sort_ids, char *out, size_t outlen)
{
    char *dir = tu_tmpdir(), *msg = NULL;
    zhs_writer *w;
    zhs_db *db;
    zhs_results *r;
    zhs_search_opts o = {.limit = 10, .max_snippets = 1,
                         .no_relax = strict_only};
    size_t i;

    ck_assert_int_eq(zhs_writer_open(dir, &w, NULL), ZHS_OK);
    for (i = 0; i < n; i++) {
        zhs_doc d = {0};
        const char *nl = strchr(docs[i].text, '\n');
        char title[1024];
        snprintf(title, sizeof title, "%.*s",
                 (int)(nl ? nl - docs[i].text : (long)strlen(docs[i].text)),
                 docs[i].text);
        d.id = docs[i].id;
        d.title = title[0] == '#' ? title + 2 : title;
        d.text = docs[i].text;
        d.text_len = strlen(docs[i].text);
        d.date = docs[i].date;
        d.source = docs[i].source;
        ck_assert_int_eq(zhs_writer_put(w, &d, NULL, NULL), ZHS_OK);
    }
    ck_assert_int_eq(zhs_writer_commit(w, NULL), ZHS_OK);
    zhs_writer_close(w);
    ck_assert_int_eq(zhs_db_open(dir, &db, NULL), ZHS_OK);
    ck_assert_msg(zhs_search(db, query, &o, &r, &msg) == ZHS_OK, "%s", msg);
    out[0] = '\0';
    {
        char *ids[16], mark[16][64];
        for (i = 0; i < r->nhits && i < 16; i++) {
            /* a relaxed hit is marked with '*' */
            snprintf(mark[i], sizeof mark[i], "%s%s", r->hits[i].id,
                     r->hits[i].relaxed ? "*" : "");
            ids[i] = mark[i];
        }
        if (sort_ids)
            qsort(ids, i, sizeof *ids, by_str);
        for (n = i, i = 0; i < n; i++)
            snprintf(out + strlen(out), outlen - strlen(out), "%s%s",
                     i ? "|" : "", ids[i]);
    }
    if (keep_last)
        last = r;
    else
        zhs_results_free(r);
    zhs_db_close(db);
    tu_rmrf(dir);
    free(dir);
}

static void ranked(const struct fixture *docs, size_t n, const char *query,
                   char *out, size_t outlen);
static void matched(const struct fixture *docs, size_t n, const char *query,
                    char *out, size_t outlen);

START_TEST(test_title_above_body)
{
    static const struct fixture docs[] = {
        {"body", "# 医院新闻\n\n医院建成了胸痛中心，取得了很好的成绩。", NULL, NULL},
        {"title", "# 胸痛中心\n\n医院开展了很多的工作，取得了很好的成绩。", NULL, NULL},
    };
    char got[256];
    ranked(docs, 2, "胸痛中心", got, sizeof got);
    ck_assert_str_eq(got, "title|body");
}
END_TEST

START_TEST(test_whole_chunk_above_scattered)
{
    static const struct fixture docs[] = {
        {"scattered", "医院的门诊很忙，住院的总量也很大。", NULL, NULL},
        {"whole", "医院的门诊总量很大，住院也很忙的。", NULL, NULL},
    };
    char got[256];
    ranked(docs, 2, "门诊总量", got, sizeof got);
    ck_assert_str_eq(got, "whole|scattered");
    /* quoted, only the whole string matches */
    ranked(docs, 2, "\"门诊总量\"", got, sizeof got);
    ck_assert_str_eq(got, "whole");
}
END_TEST

START_TEST(test_more_occurrences_first)
{
    static const struct fixture docs[] = {
        {"once", "今年援疆工作进展顺利，各项任务完成得好，群众满意度高。", NULL, NULL},
        {"thrice", "援疆干部说援疆工作进展顺利，援疆任务完成得好，群众满意。", NULL, NULL},
        {"none", "今年帮扶工作进展顺利，各项任务完成得好，群众满意度高。", NULL, NULL},
    };
    char got[256];
    ranked(docs, 3, "援疆", got, sizeof got);
    ck_assert_str_eq(got, "thrice|once");
}
END_TEST

START_TEST(test_all_words_required)
{
    static const struct fixture docs[] = {
        {"both", "阿克苏地区第一人民医院的专家。", NULL, NULL},
        {"one", "阿克苏地区的专家来了。", NULL, NULL},
    };
    char got[256];
    /* strictly, only "both"; relaxed, "one" (half the words) follows */
    strict_only = 1;
    ranked(docs, 2, "阿克苏 医院", got, sizeof got);
    strict_only = 0;
    ck_assert_str_eq(got, "both");
    ranked(docs, 2, "阿克苏 医院", got, sizeof got);
    ck_assert_str_eq(got, "both|one*");
}
END_TEST

/* Filler documents without the query's words keep its idf positive. */
#define FILLERS \
    {"f1", "# 其他\n\n今天天气很好，大家都出去走走。", NULL, NULL}, \
    {"f2", "# 其他\n\n各地高度重视，投入资金，建设设施。", NULL, NULL}, \
    {"f3", "# 其他\n\n培养人才，群众满意度不断提高。", NULL, NULL}, \
    {"f4", "# 其他\n\n工作开展以来成绩显著。", NULL, NULL}

/* Title-field ranking: a title the query covers more of ranks first,
 * although BM25 over the text prefers the longer title whose page says
 * the words more often.  (Exact titles are left out here: cover alone;
 * ZHSEARCH_RANK=cover=0 makes this test fail.) */
START_TEST(test_title_cover_short_title_first)
{
    static const struct fixture docs[] = {
        {"short", "# 数字签名的用法\n\n软件包可以带有数字签名。", NULL, NULL},
        {"long", "# 应用数字签名的方法和各种注意事项说明\n\n数字签名：用数字签名"
                 "签署软件包，数字签名保证来源，数字签名很重要。", NULL, NULL},
        FILLERS,
    };
    zhsi_rank_params *rp = (zhsi_rank_params *)zhsi_rank(), saved = *rp;
    char got[256];

    rp->exact = 0;
    ranked(docs, 6, "数字签名", got, sizeof got);
    *rp = saved;
    ck_assert_str_eq(got, "short|long");
}
END_TEST

/* Exact title: a title that is the query's words, in any order, ranks
 * first (计时 排练 finds 排练计时 above 幻灯片更换的排练计时, whose text says
 * them more often).  Cover is left out: exact alone;
 * ZHSEARCH_RANK=exact=0 makes this test fail. */
START_TEST(test_exact_title_first)
{
    static const struct fixture docs[] = {
        {"exact", "# 排练计时\n\n放映幻灯片之前可以先排练。", NULL, NULL},
        {"longer", "# 幻灯片更换的排练计时\n\n排练计时：用排练计时记下每张幻灯片"
                   "的时间，排练计时之后按计时放映，排练计时很方便。", NULL, NULL},
        FILLERS,
    };
    zhsi_rank_params *rp = (zhsi_rank_params *)zhsi_rank(), saved = *rp;
    char got[256];

    rp->cover = 0;
    ranked(docs, 6, "计时 排练", got, sizeof got);
    ck_assert_str_eq(got, "exact|longer");
    /* punctuation and spaces are not part of a title's key */
    ranked(docs, 6, "排练，计时", got, sizeof got);
    *rp = saved;
    ck_assert_str_eq(got, "exact|longer");
}
END_TEST

/* Relaxation, step one: a string no document has whole is split where it
 * joins least often (组团式援疆: 式援 is in no document), and documents
 * with both parts come first, marked relaxed.  ZHSEARCH_RANK=split=0 (the
 * string stays one word, so there is nothing to relax) makes this test
 * fail; relax=0 too. */
START_TEST(test_relax_split)
{
    static const struct fixture docs[] = {
        {"grp", "# 新闻\n\n组团式帮扶开展以来。", NULL, NULL},
        {"both", "# 新闻\n\n“组团式”医疗援疆取得了成效。", NULL, NULL},
        {"one", "# 新闻\n\n援疆工作，援疆干部，援疆项目，援疆医生。", NULL, NULL},
        FILLERS,
    };
    char got[256];

    keep_last = 1;
    ranked(docs, 7, "组团式援疆", got, sizeof got);
    keep_last = 0;
    ck_assert_str_eq(got, "both*|grp*|one*");  /* then BM25 */
    ck_assert_int_eq(last->relaxed, 1);
    ck_assert_uint_eq(last->total, 0);      /* the strict total */
    ck_assert_uint_eq(last->strict_total, 0);
    ck_assert_uint_eq(last->relaxed_total, 3);
    ck_assert_int_eq(last->relaxed_split, 1);
    ck_assert_uint_eq(last->nrelaxed_words, 2);
    ck_assert_str_eq(last->relaxed_words[0], "组团式");
    ck_assert_str_eq(last->relaxed_words[1], "援疆");
    ck_assert_uint_eq(last->hits[0].words_matched, 2);
    ck_assert_uint_eq(last->hits[1].words_matched, 1);
    ck_assert_str_eq(last->relaxed_message,
                     "no exact match for 组团式援疆; showing 组团式 援疆");
    zhs_results_free(last);
    /* strictly: nothing */
    strict_only = 1;
    ranked(docs, 7, "组团式援疆", got, sizeof got);
    strict_only = 0;
    ck_assert_str_eq(got, "");
}
END_TEST

/* Relaxation, step two: the best k of n words.  The strict match ranks
 * first; then documents with more of the words, whatever BM25 says (the
 * one with two words says them many times); none with fewer than half.
 * ZHSEARCH_RANK=coord=0 makes this test fail (BM25 puts "two" first). */
START_TEST(test_relax_best_k_of_n)
{
    static const struct fixture docs[] = {
        {"three", "# 新闻\n\n阿克苏地区的第一人民医院来了一位专家，大家高度重视，"
                  "投入资金，建设设施，培养人才，工作开展以来成绩显著，各项"
                  "任务完成得很好，群众满意度不断提高，今后还要继续努力。",
         NULL, NULL},
        {"two", "# 医院专家\n\n医院专家。医院专家。医院专家。医院的专家。", NULL,
         NULL},
        {"one", "# 新闻\n\n北京的冬天。", NULL, NULL},
        {"all", "# 新闻\n\n北京的专家到阿克苏的医院。", NULL, NULL},
        /* 阿克苏 is common, so it adds little to "three"'s BM25 */
        {"a1", "# 其他\n\n阿克苏的苹果。", NULL, NULL},
        {"a2", "# 其他\n\n阿克苏的天气。", NULL, NULL},
        {"a3", "# 其他\n\n去阿克苏旅游。", NULL, NULL},
        FILLERS,
    };
    char got[256];

    keep_last = 1;
    ranked(docs, 11, "阿克苏 医院 专家 北京", got, sizeof got);
    keep_last = 0;
    ck_assert_str_eq(got, "all|three*|two*");
    ck_assert_uint_eq(last->total, 1);
    ck_assert_uint_eq(last->relaxed_min, 2);
    ck_assert_uint_eq(last->hits[1].words_matched, 3);
    ck_assert_uint_eq(last->hits[2].words_matched, 2);
    ck_assert_str_eq(last->relaxed_message, "only 1 exact match for 阿克苏 "
                     "医院 专家 北京; then showing 3 of 4 words: 阿克苏 医院 "
                     "专家 北京");
    zhs_results_free(last);
}
END_TEST

/* Quoted phrases, filters and NOT never relax: every relaxed match has
 * them. */
START_TEST(test_relax_keeps_phrases)
{
    static const struct fixture docs[] = {
        {"p1", "# 新闻\n\n援疆干部来到组团式帮扶的医院。", NULL, NULL},
        {"p2", "# 新闻\n\n组团式帮扶，医疗水平提高。", NULL, NULL},
        {"p3", "# 新闻\n\n援疆医疗队。", NULL, NULL},
        FILLERS,
    };
    char got[256];

    ranked(docs, 7, "\"援疆\" 组团式 医疗", got, sizeof got);
    ck_assert_str_eq(got, "p1*|p3*");
    ranked(docs, 7, "组团式 医疗 -援疆", got, sizeof got);
    ck_assert_str_eq(got, "p2");
    ranked(docs, 7, "组团式 医院 -援疆", got, sizeof got);
    ck_assert_str_eq(got, "p2*");
    /* a lone phrase has nothing to relax */
    ranked(docs, 7, "\"组团式医疗\"", got, sizeof got);
    ck_assert_str_eq(got, "");
}
END_TEST

/* In the two ranking tests below, the document the feature should lift is
 * the longer one and is indexed last, so that without the feature BM25's
 * length normalization (and docid order on ties) would put it second; a
 * third document without the words keeps their idf positive. */
START_TEST(test_side_by_side_above_apart)
{
    /* Words given side by side rank higher where they stand side by side
     * (the bigram across the join, 疆医, stands in for a phrase). */
    static const struct fixture docs[] = {
        {"apart", "# 新闻\n\n援疆工作开展以来，各地高度重视，投入资金，建设设施，"
                  "培养人才，群众满意度不断提高，后来医疗队也来了。", NULL, NULL},
        {"other", "# 新闻\n\n各地高度重视，投入资金，建设设施。", NULL, NULL},
        {"side", "# 新闻\n\n援疆医疗队来了，工作开展以来，各地高度重视，投入"
                 "大量资金，建设了设施，培养了人才，群众满意度不断提高。",
         NULL, NULL},
    };
    char got[256];
    ranked(docs, 3, "援疆 医疗队", got, sizeof got);
    ck_assert_str_eq(got, "side|apart");
}
END_TEST

START_TEST(test_filters)
{
    static const struct fixture docs[] = {
        {"a", "# 援疆纪实\n\n援疆医疗队来到阿克苏。", "2023-05-01", "新华社"},
        {"b", "# 医院新闻\n\n医院里的援疆专家。", "2024-02-29T08:00:00",
         "健康报"},
        {"c", "# 总结\n\n全年援疆工作。", "2024", "ＸＨ News"},
        {"d", "# 其他\n\n援疆专家回来了。", NULL, NULL},
    };
    char got[256];

    matched(docs, 4, "援疆 date:2024", got, sizeof got);
    ck_assert_str_eq(got, "b|c");
    matched(docs, 4, "援疆 date:2024-02", got, sizeof got);
    ck_assert_str_eq(got, "b");             /* c has only a year */
    /* a date with only a year (c: 2024) counts as that year's start */
    matched(docs, 4, "援疆 date:2023-05-01..2024-02-29", got, sizeof got);
    ck_assert_str_eq(got, "a|b|c");
    matched(docs, 4, "援疆 date:2023-05-01..2023-12-31", got, sizeof got);
    ck_assert_str_eq(got, "a");
    matched(docs, 4, "援疆 date:..2023", got, sizeof got);
    ck_assert_str_eq(got, "a");
    matched(docs, 4, "source:新华社", got, sizeof got);
    ck_assert_str_eq(got, "a");
    /* a quoted value holds spaces; sources match folded (ＸＨ = xh) */
    matched(docs, 4, "source:\"xh news\" OR source:健康报", got, sizeof got);
    ck_assert_str_eq(got, "b|c");
    matched(docs, 4, "source:xh", got, sizeof got);
    ck_assert_str_eq(got, "");
    matched(docs, 4, "title:援疆", got, sizeof got);
    ck_assert_str_eq(got, "a");
    matched(docs, 4, "援疆 -title:援疆 -id:d", got, sizeof got);
    ck_assert_str_eq(got, "b|c");
}
END_TEST

START_TEST(test_bad_date_rejected)
{
    char *dir = tu_tmpdir(), *msg = NULL;
    zhs_writer *w;
    zhs_doc d = {0};

    ck_assert_int_eq(zhs_writer_open(dir, &w, NULL), ZHS_OK);
    d.id = "x";
    d.text = "正文";
    d.text_len = strlen(d.text);
    d.date = "2024-02-30";
    ck_assert_int_eq(zhs_writer_put(w, &d, NULL, &msg), ZHS_EUSAGE);
    ck_assert_ptr_nonnull(strstr(msg, "invalid date"));
    free(msg);
    zhs_writer_close(w);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_recorded_dictionary_segments_queries)
{
    /* The index records its dictionary (组团式, which ICU splits) and
     * searches rank query words as it segments them; hits never depend on
     * it.  "yuan" has the word 组团式 three times, "yi" once but more of
     * its bigrams 组团 and 团式: with the dictionary the word ranks "yuan"
     * first;
     * with another dictionary only the bigrams rank, so "yi" does. */
    char *dir = tu_tmpdir(), dict[4200], other[4200], *warning = NULL;
    zhs_writer *w;
    zhs_db *db;
    zhs_results *r;
    zhs_search_opts o = {.limit = 10, .max_snippets = 1};
    zhs_doc d = {0};
    size_t i;
    FILE *f;

    snprintf(dict, sizeof dict, "%s.dict", dir);
    f = fopen(dict, "w");
    fputs("组团式\n", f);
    fclose(f);
    snprintf(other, sizeof other, "%s.other", dir);
    f = fopen(other, "w");
    fputs("无关\n", f);
    fclose(f);
    ck_assert_int_eq(zhs_writer_open(dir, &w, NULL), ZHS_OK);
    ck_assert_int_eq(zhs_writer_set_dict(w, dict, &warning, NULL), ZHS_OK);
    ck_assert_ptr_null(warning);            /* empty index: nothing to say */
    {
        static const char *const texts[][2] = {
            {"yuan", "组团式。组团式。组团式。"},
            {"yi", "组团式组团组团组团组团组团组团组团团式团式团式团式团式团式"},
            {"apart", "组团的形式。"},
            /* long, so that length weighs little against frequency */
            {"x1", "今年各地高度重视，投入资金，建设设施，培养人才，群众满意度"
                   "不断提高，工作开展以来成绩显著，各项任务完成得很好。"},
            {"x2", "大家一起做好今年的各项工作，各地高度重视，投入大量资金，"
                   "建设了设施，培养了人才，群众满意度不断提高。"},
        };
        for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            d.id = texts[i][0];
            d.text = texts[i][1];
            d.text_len = strlen(d.text);
            ck_assert_int_eq(zhs_writer_put(w, &d, NULL, NULL), ZHS_OK);
        }
    }
    ck_assert_int_eq(zhs_writer_commit(w, NULL), ZHS_OK);
    zhs_writer_close(w);

    ck_assert_int_eq(zhs_db_open(dir, &db, NULL), ZHS_OK);
    ck_assert_int_eq(zhs_search(db, "组团式", &o, &r, NULL), ZHS_OK);
    ck_assert_uint_eq(r->total, 2);         /* not "apart": one string */
    ck_assert_str_eq(r->hits[0].id, "yuan");
    zhs_results_free(r);
    ck_assert_int_eq(zhs_db_set_dict(db, other, &warning, NULL), ZHS_OK);
    ck_assert_ptr_nonnull(warning);         /* not the recorded one */
    free(warning);
    ck_assert_int_eq(zhs_search(db, "组团式", &o, &r, NULL), ZHS_OK);
    ck_assert_uint_eq(r->total, 2);         /* the same hits */
    zhs_results_free(r);
    zhs_db_close(db);
    remove(dict);
    remove(other);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

static void ranked(const struct fixture *docs, size_t n, const char *query,
                   char *out, size_t outlen)
{
    hits(docs, n, query, 0, out, outlen);
}

static void matched(const struct fixture *docs, size_t n, const char *query,
                    char *out, size_t outlen)
{
    hits(docs, n, query, 1, out, outlen);
}

static Suite *suite(void)
{
    Suite *s = suite_create("rank");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_title_above_body);
    tcase_add_test(tc, test_whole_chunk_above_scattered);
    tcase_add_test(tc, test_more_occurrences_first);
    tcase_add_test(tc, test_all_words_required);
    tcase_add_test(tc, test_title_cover_short_title_first);
    tcase_add_test(tc, test_exact_title_first);
    tcase_add_test(tc, test_relax_split);
    tcase_add_test(tc, test_relax_best_k_of_n);
    tcase_add_test(tc, test_relax_keeps_phrases);
    tcase_add_test(tc, test_filters);
    tcase_add_test(tc, test_side_by_side_above_apart);
    tcase_add_test(tc, test_bad_date_rejected);
    tcase_add_test(tc, test_recorded_dictionary_segments_queries);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
