/* check_shim.c: the Xapian shim turns every exception into a status.
 *
 * Each test provokes a Xapian error through the C interface.  An exception
 * escaping the shim would abort the test process, which Check reports as a
 * failure, so reaching the assertions at all is half of each test.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(content, f);
    fclose(f);
}

START_TEST(test_roundtrip)
{
    char *dir = tu_tmpdir(), *data = NULL;
    zhsi_xwdb *w;
    zhsi_xdb *r;
    zhsi_xdoc *d;
    zhsi_xq *q;
    zhsi_xsearch xs = {.limit = 10, .check_at_least = 10, .collapse = 1};
    zhsi_xresult xr;
    unsigned count;

    ck_assert_int_eq(zhsi_xwdb_open(dir, &w, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xdoc_new(&d, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xdoc_add_term(d, "G医院", strlen("G医院"), 1,
                                        NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xdoc_set_data(d, "{\"x\":1}", 7, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xwdb_replace(w, "Qdoc1", d, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xwdb_replace(w, "Qdoc1", d, NULL), ZHS_OK);
    zhsi_xdoc_free(d);
    ck_assert_int_eq(zhsi_xwdb_set_metadata(w, "k", "v", NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xwdb_commit(w, NULL), ZHS_OK);
    zhsi_xwdb_close(w);

    ck_assert_int_eq(zhsi_xdb_open(dir, &r, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xdb_doccount(r, &count, NULL), ZHS_OK);
    ck_assert_uint_eq(count, 1);                /* replaced, not added */
    ck_assert_int_eq(zhsi_xdb_metadata(r, "k", &data, NULL), ZHS_OK);
    ck_assert_str_eq(data, "v");
    free(data);
    ck_assert_int_eq(zhsi_xq_term("G医院", strlen("G医院"), &q, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xdb_search(r, q, &xs, &xr, NULL), ZHS_OK);
    ck_assert_uint_eq(xr.nhits, 1);
    ck_assert_uint_eq(xr.total, 1);
    ck_assert_int_eq(xr.exact, 1);
    ck_assert_str_eq(xr.hits[0].data, "{\"x\":1}");
    ck_assert_uint_eq(xr.hits[0].ndups, 0);    /* no cluster key */
    zhsi_xresult_clear(&xr);
    zhsi_xq_free(q);
    zhsi_xdb_close(r);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_uncommitted_is_discarded)
{
    char *dir = tu_tmpdir();
    zhsi_xwdb *w;
    zhsi_xdb *r;
    zhsi_xdoc *d;
    unsigned count;

    ck_assert_int_eq(zhsi_xwdb_open(dir, &w, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xwdb_commit(w, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xdoc_new(&d, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xwdb_replace(w, "Qa", d, NULL), ZHS_OK);
    zhsi_xdoc_free(d);
    zhsi_xwdb_close(w);                         /* no commit */
    ck_assert_int_eq(zhsi_xdb_open(dir, &r, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xdb_doccount(r, &count, NULL), ZHS_OK);
    ck_assert_uint_eq(count, 0);
    zhsi_xdb_close(r);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_term_too_long)
{
    char *dir = tu_tmpdir(), *msg = NULL, term[400];
    zhsi_xwdb *w;
    zhsi_xdoc *d;
    zhs_status st;

    memset(term, 'x', sizeof term - 1);
    term[sizeof term - 1] = '\0';
    ck_assert_int_eq(zhsi_xwdb_open(dir, &w, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xdoc_new(&d, NULL), ZHS_OK);
    st = zhsi_xdoc_add_term(d, term, strlen(term), 1, &msg);
    if (st == ZHS_OK)                           /* Xapian checks later */
        st = zhsi_xwdb_replace(w, "Qa", d, &msg);
    if (st == ZHS_OK)
        st = zhsi_xwdb_commit(w, &msg);
    ck_assert_int_ne(st, ZHS_OK);
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(strstr(msg, "too long") != NULL, "message: %s", msg);
    free(msg);
    zhsi_xdoc_free(d);
    zhsi_xwdb_close(w);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_locked)
{
    char *dir = tu_tmpdir(), *msg = NULL;
    zhsi_xwdb *w1, *w2 = NULL;

    ck_assert_int_eq(zhsi_xwdb_open(dir, &w1, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xwdb_open(dir, &w2, &msg), ZHS_ELOCKED);
    ck_assert_ptr_nonnull(strstr(msg, "locked"));
    free(msg);
    zhsi_xwdb_close(w1);
    /* released: a second writer may now open */
    ck_assert_int_eq(zhsi_xwdb_open(dir, &w2, NULL), ZHS_OK);
    zhsi_xwdb_close(w2);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_open_errors)
{
    char *dir = tu_tmpdir(), path[4200], *msg = NULL;
    zhsi_xdb *r;

    snprintf(path, sizeof path, "%s/missing", dir);
    ck_assert_int_eq(zhsi_xdb_open(path, &r, &msg), ZHS_ENOINDEX);
    free(msg);
    msg = NULL;
    /* a directory with a garbage version file */
    snprintf(path, sizeof path, "%s/iamglass", dir);
    write_file(path, "this is not a glass database\n");
    ck_assert_int_eq(zhsi_xdb_open(dir, &r, &msg), ZHS_ECORRUPT);
    ck_assert_ptr_nonnull(msg);
    free(msg);
    msg = NULL;
    /* a file that is neither a database nor a stub */
    snprintf(path, sizeof path, "%s/junk", dir);
    write_file(path, "\x01\x02garbage");
    ck_assert_int_ne(zhsi_xdb_open(path, &r, &msg), ZHS_OK);
    ck_assert_ptr_nonnull(msg);
    free(msg);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_bad_query_combination)
{
    char *msg = NULL;
    zhsi_xq *q = NULL;

    ck_assert_int_eq(zhsi_xq_combine(ZHSI_XQ_AND, NULL, 0, &q, &msg),
                     ZHS_EUSAGE);
    ck_assert_ptr_nonnull(msg);
    free(msg);
    msg = NULL;
    ck_assert_int_eq(zhsi_xq_combine((enum zhsi_xop)99, &q, 1, &q, &msg),
                     ZHS_EUSAGE);
    free(msg);
}
END_TEST

START_TEST(test_reader_survives_commits)
{
    /* A reader opened before several commits either reads the old
     * revision or is told it was modified; zhs_search retries with a
     * reopen and sees the new documents. */
    char *dir = tu_tmpdir();
    zhs_writer *w;
    zhs_db *db;
    zhs_results *res;
    zhs_search_opts opts = {.limit = 10, .max_snippets = 1};
    char id[32], text[64];
    zhs_doc doc = {0};
    int i;

    ck_assert_int_eq(zhs_writer_open(dir, &w, NULL), ZHS_OK);
    doc.id = "first";
    doc.text = "援疆医疗队";
    doc.text_len = strlen(doc.text);
    ck_assert_int_eq(zhs_writer_put(w, &doc, NULL, NULL), ZHS_OK);
    ck_assert_int_eq(zhs_writer_commit(w, NULL), ZHS_OK);
    ck_assert_int_eq(zhs_db_open(dir, &db, NULL), ZHS_OK);
    for (i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "doc%d", i);
        snprintf(text, sizeof text, "第%d批援疆医疗队", i);
        doc.id = id;
        doc.text = text;
        doc.text_len = strlen(text);
        ck_assert_int_eq(zhs_writer_put(w, &doc, NULL, NULL), ZHS_OK);
        ck_assert_int_eq(zhs_writer_commit(w, NULL), ZHS_OK);
    }
    ck_assert_int_eq(zhs_search(db, "援疆", &opts, &res, NULL), ZHS_OK);
    ck_assert_uint_ge(res->total, 1);
    zhs_results_free(res);
    ck_assert_int_eq(zhs_db_reopen(db, NULL), ZHS_OK);
    ck_assert_uint_eq(zhs_db_doc_count(db), 6);
    ck_assert_int_eq(zhs_search(db, "援疆", &opts, &res, NULL), ZHS_OK);
    ck_assert_uint_eq(res->total, 6);
    zhs_results_free(res);
    zhs_db_close(db);
    zhs_writer_close(w);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_not_a_zhsearch_index)
{
    char *dir = tu_tmpdir(), *msg = NULL;
    zhsi_xwdb *w;
    zhsi_xdoc *doc;
    zhs_db *db;

    /* another program's database: committed, with a document, without
     * zhsearch's metadata */
    ck_assert_int_eq(zhsi_xwdb_open(dir, &w, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xdoc_new(&doc, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_xwdb_replace(w, "Qother", doc, NULL), ZHS_OK);
    zhsi_xdoc_free(doc);
    ck_assert_int_eq(zhsi_xwdb_commit(w, NULL), ZHS_OK);
    zhsi_xwdb_close(w);
    ck_assert_int_eq(zhs_db_open(dir, &db, &msg), ZHS_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(msg, "not a zhsearch index"));
    ck_assert_ptr_nonnull(strstr(msg, dir));
    free(msg);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* A database no writer has committed to (a first build running or
 * interrupted) is no index yet, not a corrupt one (issue 18). */
START_TEST(test_no_index_yet)
{
    char *dir = tu_tmpdir(), *msg = NULL;
    zhs_writer *w;
    zhs_db *db;
    zhs_doc d = {0};

    ck_assert_int_eq(zhs_writer_open(dir, &w, NULL), ZHS_OK);
    d.id = "a";
    d.text = "正在建的索引。";
    d.text_len = strlen(d.text);
    ck_assert_int_eq(zhs_writer_put(w, &d, NULL, NULL), ZHS_OK);
    ck_assert_int_eq(zhs_db_open(dir, &db, &msg), ZHS_ENOINDEX);
    ck_assert_ptr_nonnull(strstr(msg, "no index yet (a first build is "
                                      "running or was interrupted)"));
    free(msg);
    msg = NULL;
    zhs_writer_close(w);                /* interrupted: never committed */
    ck_assert_int_eq(zhs_db_open(dir, &db, &msg), ZHS_ENOINDEX);
    ck_assert_ptr_nonnull(strstr(msg, "no index yet"));
    free(msg);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("shim");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_uncommitted_is_discarded);
    tcase_add_test(tc, test_term_too_long);
    tcase_add_test(tc, test_locked);
    tcase_add_test(tc, test_open_errors);
    tcase_add_test(tc, test_bad_query_combination);
    tcase_add_test(tc, test_reader_survives_commits);
    tcase_add_test(tc, test_not_a_zhsearch_index);
    tcase_add_test(tc, test_no_index_yet);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
