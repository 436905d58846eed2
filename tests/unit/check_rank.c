/* check_rank.c: ranking properties on small hand-made indexes.
 *
 * Each test indexes a few documents that differ in one respect only and
 * checks which ranks first, so a ranking change that breaks a promise of
 * the README (title above body, whole phrases above scattered words, more
 * occurrences above fewer) fails here.
 */
#include "testutil.h"

struct fixture {
    const char *id, *text;
};

/* Indexes docs (title = first heading or line, as for files) and returns
 * the ids of the hits for query, best first, '|'-separated. */
static void ranked(const struct fixture *docs, size_t n, const char *query,
                   char *out, size_t outlen)
{
    char *dir = tu_tmpdir(), *msg = NULL;
    zhs_writer *w;
    zhs_db *db;
    zhs_results *r;
    zhs_search_opts o = {0, 10, 1};
    size_t i;

    ck_assert_int_eq(zhs_writer_open(dir, &w, NULL), ZHS_OK);
    for (i = 0; i < n; i++) {
        zhs_doc d = {0};
        const char *nl = strchr(docs[i].text, '\n');
        char title[128];
        snprintf(title, sizeof title, "%.*s",
                 (int)(nl ? nl - docs[i].text : (long)strlen(docs[i].text)),
                 docs[i].text);
        d.id = docs[i].id;
        d.title = title[0] == '#' ? title + 2 : title;
        d.text = docs[i].text;
        d.text_len = strlen(docs[i].text);
        ck_assert_int_eq(zhs_writer_put(w, &d, NULL), ZHS_OK);
    }
    ck_assert_int_eq(zhs_writer_commit(w, NULL), ZHS_OK);
    zhs_writer_close(w);
    ck_assert_int_eq(zhs_db_open(dir, &db, NULL), ZHS_OK);
    ck_assert_msg(zhs_search(db, query, &o, &r, &msg) == ZHS_OK, "%s", msg);
    out[0] = '\0';
    for (i = 0; i < r->nhits; i++)
        snprintf(out + strlen(out), outlen - strlen(out), "%s%s",
                 i ? "|" : "", r->hits[i].id);
    zhs_results_free(r);
    zhs_db_close(db);
    tu_rmrf(dir);
    free(dir);
}

START_TEST(test_title_above_body)
{
    static const struct fixture docs[] = {
        {"body", "# 医院新闻\n\n医院建成了胸痛中心，取得了很好的成绩。"},
        {"title", "# 胸痛中心\n\n医院开展了很多的工作，取得了很好的成绩。"},
    };
    char got[256];
    ranked(docs, 2, "胸痛中心", got, sizeof got);
    ck_assert_str_eq(got, "title|body");
}
END_TEST

START_TEST(test_whole_chunk_above_scattered)
{
    static const struct fixture docs[] = {
        {"scattered", "医院的门诊很忙，住院的总量也很大。"},
        {"whole", "医院的门诊总量很大，住院也很忙的。"},
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
        {"once", "今年援疆工作进展顺利，各项任务完成得好，群众满意度高。"},
        {"thrice", "援疆干部说援疆工作进展顺利，援疆任务完成得好，群众满意。"},
        {"none", "今年帮扶工作进展顺利，各项任务完成得好，群众满意度高。"},
    };
    char got[256];
    ranked(docs, 3, "援疆", got, sizeof got);
    ck_assert_str_eq(got, "thrice|once");
}
END_TEST

START_TEST(test_all_words_required)
{
    static const struct fixture docs[] = {
        {"both", "阿克苏地区第一人民医院的专家。"},
        {"one", "阿克苏地区的专家来了。"},
    };
    char got[256];
    ranked(docs, 2, "阿克苏 医院", got, sizeof got);
    ck_assert_str_eq(got, "both");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rank");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_title_above_body);
    tcase_add_test(tc, test_whole_chunk_above_scattered);
    tcase_add_test(tc, test_more_occurrences_first);
    tcase_add_test(tc, test_all_words_required);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
