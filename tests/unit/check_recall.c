/* check_recall.c: doc/DESIGN.md's Chinese text rule 1, proved by sampling.
 *
 * The bundled corpus is indexed; thousands of strings of 1 to 8 Han
 * characters are drawn from the articles' normalized text (and a few
 * thousand that straddle two articles, which mostly occur nowhere).  For
 * each, a plain substring scan of the normalized text says which articles
 * contain it; the quoted query must return exactly those, and the
 * unquoted query at least those.  It runs twice: without and with the
 * shipped user dictionary, which must not change recall.
 */
#include <stdint.h>

#include "testutil.h"

#define NDOCS_MAX 16
#define SAMPLES 3000

struct corpus {
    char *id[NDOCS_MAX];
    zhsi_text text[NDOCS_MAX];
    size_t n;
};

static int is_han(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

static int collect_file(const char *path, const char *id, zhs_status st,
                        const char *err, void *arg)
{
    struct corpus *c = arg;
    zhs_file_doc *fd;
    (void)err;
    ck_assert_int_eq(st, ZHS_OK);
    ck_assert_uint_lt(c->n, NDOCS_MAX);
    ck_assert_int_eq(zhs_doc_read_file(path, id, NULL, &fd, NULL), ZHS_OK);
    ck_assert_int_eq(zhsi_text_build(fd->doc.text, fd->doc.text_len, ZHSI_TEXT_DOC,
                                     &c->text[c->n], NULL), ZHS_OK);
    c->id[c->n++] = strdup(id);
    zhs_file_doc_free(fd);
    return 0;
}

static int contains(const zhsi_text *t, const uint32_t *s, size_t n)
{
    size_t i;
    for (i = 0; i + n <= t->nnorm; i++)
        if (t->norm[i] == s[0] && memcmp(t->norm + i, s, n * 4) == 0)
            return 1;
    return 0;
}

/* Bit i set when document i is a hit. */
static unsigned search_mask(zhs_db *db, const struct corpus *c,
                            const char *query)
{
    zhs_search_opts opts = {.limit = NDOCS_MAX, .max_snippets = 1,
                            .no_collapse = 1};
    zhs_results *r;
    char *msg = NULL;
    unsigned mask = 0;
    size_t i, j;

    ck_assert_msg(zhs_search(db, query, &opts, &r, &msg) == ZHS_OK,
                  "search '%s': %s", query, msg ? msg : "");
    for (i = 0; i < r->nhits; i++)
        for (j = 0; j < c->n; j++)
            if (strcmp(r->hits[i].id, c->id[j]) == 0)
                mask |= 1u << j;
    zhs_results_free(r);
    return mask;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static unsigned next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

/* Checks one string; returns 1 if some article contains it. */
static int check_string(zhs_db *db, const struct corpus *c, const uint32_t *s,
                        size_t n)
{
    char *str = zhsi_utf8_encode(s, n), quoted[64];
    unsigned want = 0, got_q, got_u;
    size_t j;

    for (j = 0; j < c->n; j++)
        if (contains(&c->text[j], s, n))
            want |= 1u << j;
    snprintf(quoted, sizeof quoted, "\"%s\"", str);
    got_q = search_mask(db, c, quoted);
    ck_assert_msg(got_q == want, "\"%s\": quoted query found mask %#x, "
                  "substring scan %#x", str, got_q, want);
    got_u = search_mask(db, c, str);
    ck_assert_msg((got_u & want) == want, "%s: unquoted query found mask "
                  "%#x, substring scan %#x", str, got_u, want);
    free(str);
    return want != 0;
}

START_TEST(test_recall)
{
    struct corpus c = {0};
    char *dir = tu_tmpdir();
    zhs_writer *w;
    zhs_db *db;
    size_t i, k, present = 0, absent = 0;
    static const char *named[] = {"疗中", "心桥", "陈刚", "疆", "组团式",
                                  "三甲", "门诊总量", "扎下根", "维持生命"};

    ck_assert_int_eq(zhs_walk(tu_corpus(), collect_file, &c), ZHS_OK);
    ck_assert_uint_eq(c.n, 5);
    ck_assert_int_eq(zhs_writer_open(dir, &w, NULL), ZHS_OK);
    if (_i == 1) {
        /* the same proof with the shipped user dictionary */
        char dict[4200];
        const char *src = getenv("srcdir");
        snprintf(dict, sizeof dict, "%s/dict/zhsearch-medical.txt",
                 src && *src ? src : ".");
        ck_assert_int_eq(zhs_writer_set_dict(w, dict, NULL, NULL), ZHS_OK);
    }
    for (i = 0; i < c.n; i++) {
        char path[4200];
        zhs_file_doc *fd;
        snprintf(path, sizeof path, "%s/%s", tu_corpus(), c.id[i]);
        ck_assert_int_eq(zhs_doc_read_file(path, c.id[i], NULL, &fd, NULL), ZHS_OK);
        ck_assert_int_eq(zhs_writer_put(w, &fd->doc, NULL, NULL), ZHS_OK);
        zhs_file_doc_free(fd);
    }
    ck_assert_int_eq(zhs_writer_commit(w, NULL), ZHS_OK);
    zhs_writer_close(w);
    ck_assert_int_eq(zhs_db_open(dir, &db, NULL), ZHS_OK);

    for (i = 0; i < sizeof named / sizeof named[0]; i++) {
        zhsi_text t;
        ck_assert_int_eq(zhsi_text_build(named[i], strlen(named[i]), 0, &t, NULL),
                         ZHS_OK);
        ck_assert_msg(check_string(db, &c, t.norm, t.nnorm), "%s occurs "
                      "nowhere", named[i]);
        zhsi_text_free(&t);
    }

    /* Substrings of one article. */
    for (k = 0; k < SAMPLES; k++) {
        const zhsi_text *t = &c.text[next_rand() % c.n];
        size_t pos = next_rand() % t->nnorm, len = 1 + next_rand() % 8, n = 0;
        while (pos + n < t->nnorm && n < len && is_han(t->norm[pos + n]))
            n++;
        if (n == 0) {
            k--;
            continue;
        }
        present += check_string(db, &c, t->norm + pos, n);
    }
    /* Strings glued from two articles' characters. */
    for (k = 0; k < SAMPLES / 3; k++) {
        uint32_t s[8];
        size_t n = 2 + next_rand() % 7, j;
        for (j = 0; j < n; j++) {
            const zhsi_text *t = &c.text[next_rand() % c.n];
            size_t pos = next_rand() % t->nnorm;
            while (!is_han(t->norm[pos]))
                pos = (pos + 1) % t->nnorm;
            s[j] = t->norm[pos];
        }
        absent += !check_string(db, &c, s, n);
    }
    ck_assert_uint_eq(present, SAMPLES);
    ck_assert_uint_gt(absent, SAMPLES / 6);     /* the negatives were real */
    printf("recall%s: %u present and %zu absent strings agree with the "
           "substring scan\n", _i ? " (with dictionary)" : "", SAMPLES,
           absent);

    zhs_db_close(db);
    for (i = 0; i < c.n; i++) {
        free(c.id[i]);
        zhsi_text_free(&c.text[i]);
    }
    tu_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("recall");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_recall, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
