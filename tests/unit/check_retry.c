/* check_retry.c: the reopen-and-retry loop (zhs_db_retry, lib/retry.c).
 *
 * A scripted operation fails with ZHS_EMODIFIED (or ZHS_ENOTFOUND) a
 * given number of times, each time with a message: the loop must reopen
 * and try again up to ZHS_MAX_RETRIES times, leave *errmsg untouched when
 * a try succeeds and hold only the last try's message when none does.
 * Then the real thing: a reader left behind by several commits fails
 * with ZHS_EMODIFIED in the shim, and zhs_search must still answer, with
 * no stale message in *errmsg (it used to keep the failed try's).
 */
#include "testutil.h"

static char *dir;

struct script {
    unsigned fails;      /* tries that fail */
    zhs_status st;       /* with this status */
    unsigned calls;      /* tries made */
    int remove_index;    /* the first try removes the index */
};

static zhs_status scripted(zhs_db *db, void *arg, char **errmsg)
{
    struct script *s = arg;

    (void)db;
    s->calls++;
    if (s->remove_index && s->calls == 1)
        tu_rmrf(dir);
    if (s->calls <= s->fails)
        return zhsi_fail(errmsg, s->st, "try %u failed", s->calls);
    return ZHS_OK;
}

static void put_docs(const char *path, unsigned from, unsigned n)
{
    zhs_writer *w;
    unsigned i;
    char id[32], text[256];

    ck_assert_int_eq(zhs_writer_open(path, &w, NULL), ZHS_OK);
    for (i = from; i < from + n; i++) {
        zhs_doc d = {0};
        snprintf(id, sizeof id, "doc-%u", i);
        snprintf(text, sizeof text, "援疆医疗队第%u次出发，带去了%u位医生"
                 "和新的设备。revision %u", i, i * 7, i);
        d.id = id;
        d.text = text;
        d.text_len = strlen(text);
        ck_assert_int_eq(zhs_writer_put(w, &d, NULL, NULL), ZHS_OK);
    }
    ck_assert_int_eq(zhs_writer_commit(w, NULL), ZHS_OK);
    zhs_writer_close(w);
}

static zhs_db *open_fresh(void)
{
    zhs_db *db;

    dir = tu_tmpdir();
    put_docs(dir, 0, 20);
    ck_assert_int_eq(zhs_db_open(dir, &db, NULL), ZHS_OK);
    return db;
}

static void close_fresh(zhs_db *db)
{
    zhs_db_close(db);
    tu_rmrf(dir);
    free(dir);
}

/* Fails twice, then succeeds: three tries, and the caller's *errmsg as
 * it was (here a sentinel the loop must neither free nor replace). */
START_TEST(test_recovers)
{
    zhs_db *db = open_fresh();
    struct script s = {2, ZHS_EMODIFIED, 0, 0};
    char sentinel[] = "the caller's", *msg = sentinel, *none = NULL;

    ck_assert_int_eq(zhs_db_retry(db, scripted, &s, 0, &msg), ZHS_OK);
    ck_assert_uint_eq(s.calls, 3);
    ck_assert_ptr_eq(msg, sentinel);
    s.calls = 0;
    ck_assert_int_eq(zhs_db_retry(db, scripted, &s, 0, &none), ZHS_OK);
    ck_assert_ptr_null(none);
    s.calls = 0;                        /* errmsg NULL is allowed */
    ck_assert_int_eq(zhs_db_retry(db, scripted, &s, 0, NULL), ZHS_OK);
    close_fresh(db);
}
END_TEST

/* Never succeeds: the first try and ZHS_MAX_RETRIES more, then the last
 * try's message alone. */
START_TEST(test_gives_up)
{
    zhs_db *db = open_fresh();
    struct script s = {100, ZHS_EMODIFIED, 0, 0};
    char *msg = NULL, want[32];

    ck_assert_int_eq(zhs_db_retry(db, scripted, &s, 0, &msg), ZHS_EMODIFIED);
    ck_assert_uint_eq(s.calls, 1 + ZHS_MAX_RETRIES);
    snprintf(want, sizeof want, "try %u failed", 1 + ZHS_MAX_RETRIES);
    ck_assert_str_eq(msg, want);
    free(msg);
    close_fresh(db);
}
END_TEST

/* Other failures are not retried; ZHS_ENOTFOUND once with the flag. */
START_TEST(test_other_statuses)
{
    zhs_db *db = open_fresh();
    struct script s = {1, ZHS_EIO, 0, 0};
    char *msg = NULL;

    ck_assert_int_eq(zhs_db_retry(db, scripted, &s, 0, &msg), ZHS_EIO);
    ck_assert_uint_eq(s.calls, 1);
    ck_assert_str_eq(msg, "try 1 failed");
    free(msg);
    msg = NULL;
    s = (struct script){1, ZHS_ENOTFOUND, 0, 0};
    ck_assert_int_eq(zhs_db_retry(db, scripted, &s, 0, &msg), ZHS_ENOTFOUND);
    ck_assert_uint_eq(s.calls, 1);
    free(msg);
    msg = NULL;
    s = (struct script){1, ZHS_ENOTFOUND, 0, 0};
    ck_assert_int_eq(zhs_db_retry(db, scripted, &s, ZHS_RETRY_NOTFOUND, &msg),
                     ZHS_OK);
    ck_assert_uint_eq(s.calls, 2);
    ck_assert_ptr_null(msg);
    s = (struct script){5, ZHS_ENOTFOUND, 0, 0};   /* once only */
    ck_assert_int_eq(zhs_db_retry(db, scripted, &s, ZHS_RETRY_NOTFOUND, &msg),
                     ZHS_ENOTFOUND);
    ck_assert_uint_eq(s.calls, 2);
    ck_assert_str_eq(msg, "try 2 failed");
    free(msg);
    close_fresh(db);
}
END_TEST

/* The index is removed under the reader: the reopen fails, and its
 * status and message (naming the path) are what the caller gets. */
START_TEST(test_reopen_fails)
{
    zhs_db *db = open_fresh();
    struct script s = {1, ZHS_EMODIFIED, 0, 1};
    char *msg = NULL;

    ck_assert_int_eq(zhs_db_retry(db, scripted, &s, 0, &msg), ZHS_ENOINDEX);
    ck_assert_uint_eq(s.calls, 1);
    ck_assert_ptr_nonnull(strstr(msg, dir));
    ck_assert_ptr_null(strstr(msg, "try 1"));
    free(msg);
    zhs_db_close(db);
    free(dir);
}
END_TEST

/* A reader two commits or more behind fails in the shim with
 * ZHS_EMODIFIED; zhs_search reopens, answers from the latest revision,
 * and leaves no message behind.  Only zhs_db_reopen moves the handle's
 * document count, so a count that moved during zhs_search shows that its
 * retry path ran. */
START_TEST(test_search_after_commits)
{
    zhs_db *db = open_fresh();
    zhs_search_opts o = {0};
    zhs_results *r = NULL;
    char *msg = NULL;
    unsigned i, n = 0;

    o.limit = 10;
    for (i = 0; i < 20 && zhs_db_doc_count(db) == 20; i++) {
        /* rewrite every document and add more, in one more commit */
        n = 200 + i * 50;
        put_docs(dir, 0, n);
        ck_assert_int_eq(zhs_search(db, "援疆 医疗", &o, &r, &msg), ZHS_OK);
        ck_assert_msg(msg == NULL, "a successful search left '%s'", msg);
        ck_assert_uint_eq(r->nhits, 10);
        if (zhs_db_doc_count(db) != 20)   /* it retried: the latest */
            ck_assert_uint_eq(r->total, n);
        zhs_results_free(r);
    }
    ck_assert_msg(zhs_db_doc_count(db) == n, "the reader never went stale "
                  "in %u commits", i);
    close_fresh(db);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("retry");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_recovers);
    tcase_add_test(tc, test_gives_up);
    tcase_add_test(tc, test_other_statuses);
    tcase_add_test(tc, test_reopen_fails);
    tcase_add_test(tc, test_search_after_commits);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
