/* check_dup.c: SimHash near-duplicate detection on the bundled articles.
 *
 * Edited copies (characters changed, a paragraph added or removed, an
 * editor's note) must stay within ZHSI_DUP_MAX_BITS of the original, the
 * five different articles must be far apart, and the band probes must
 * find every hash within the threshold.  The distances are printed so
 * that the test log records the measurement behind the threshold.
 */
#include <dirent.h>
#include <stdint.h>

#include "testutil.h"

#define NARTICLES 5

static char *texts[NARTICLES];
static size_t lens[NARTICLES];

static int load(const char *path, const char *id, zhs_status st,
                const char *err, void *arg)
{
    size_t *n = arg;
    zhs_file_doc *fd;

    (void)id;
    (void)err;
    ck_assert_int_eq(st, ZHS_OK);
    ck_assert_uint_lt(*n, NARTICLES);
    ck_assert_int_eq(zhs_doc_read_file(path, path, NULL, &fd, NULL), ZHS_OK);
    texts[*n] = strndup(fd->doc.text, fd->doc.text_len);
    lens[*n] = fd->doc.text_len;
    (*n)++;
    zhs_file_doc_free(fd);
    return 0;
}

static void load_corpus(void)
{
    size_t n = 0;
    if (texts[0] != NULL)
        return;
    ck_assert_int_eq(zhs_walk(tu_corpus(), load, &n), ZHS_OK);
    ck_assert_uint_eq(n, NARTICLES);
}

/* The SimHash of a UTF-8 text; fails the test if it has none. */
static uint64_t hash_of(const char *s, size_t len)
{
    zhsi_text t;
    uint64_t h;

    ck_assert_int_eq(zhsi_text_build(s, len, ZHSI_TEXT_DOC, &t, NULL),
                     ZHS_OK);
    ck_assert_int_eq(zhsi_simhash(t.norm, t.nnorm, &h), 0);
    zhsi_text_free(&t);
    return h;
}

/* s with n Han characters, spread evenly, replaced by 丙 (3 bytes each,
 * like every Han character of the BMP). */
static char *change_chars(const char *s, size_t len, unsigned n)
{
    char *c = strndup(s, len);
    size_t i, step = len / (n + 1), k = 0;

    for (i = step; k < n && i + 3 <= len; i += step) {
        while (i + 3 <= len && !((unsigned char)c[i] == 0xE4
                                 || (unsigned char)c[i] == 0xE5
                                 || (unsigned char)c[i] == 0xE6
                                 || (unsigned char)c[i] == 0xE7
                                 || (unsigned char)c[i] == 0xE8
                                 || (unsigned char)c[i] == 0xE9))
            i++;
        if (i + 3 > len)
            break;
        memcpy(c + i, "丙", 3);
        k++;
    }
    return c;
}

/* s with its lines [from, from + n) removed. */
static char *drop_lines(const char *s, size_t len, size_t from, size_t n)
{
    char *c = malloc(len + 1);
    size_t i, line = 0, k = 0;

    for (i = 0; i < len; i++) {
        if (line < from || line >= from + n)
            c[k++] = s[i];
        if (s[i] == '\n')
            line++;
    }
    c[k] = '\0';
    return c;
}

static size_t count_lines(const char *s, size_t len)
{
    size_t i, n = 1;
    for (i = 0; i < len; i++)
        n += s[i] == '\n';
    return n;
}

static const char paragraph[] =
    "\n\n本报讯 记者从市卫生健康委员会获悉，今年以来全市各级医疗机构持续推进"
    "分级诊疗制度建设，基层首诊率进一步提高，群众就医获得感不断增强。\n\n";

/* s with paragraph inserted in the middle. */
static char *add_paragraph(const char *s, size_t len)
{
    size_t half = len / 2, k = strlen(paragraph);
    char *c = malloc(len + k + 1);

    while (half < len && ((unsigned char)s[half] & 0xC0) == 0x80)
        half++;                     /* not inside a character */
    memcpy(c, s, half);
    memcpy(c + half, paragraph, k);
    memcpy(c + half + k, s + half, len - half);
    c[len + k] = '\0';
    return c;
}

static char *editor_note(const char *s, size_t len)
{
    static const char head[] = "（编者按：本文转载自其他媒体。）\n";
    static const char tail[] = "\n（责任编辑：张三）";
    char *c = malloc(len + sizeof head + sizeof tail);

    sprintf(c, "%s%.*s%s", head, (int)len, s, tail);
    return c;
}

START_TEST(test_edited_copies_are_near)
{
    int a = _i, d, worst = 0;
    uint64_t h0;
    char *e[5];
    const char *what[5] = {"3 characters", "10 characters", "paragraph added",
                           "paragraph removed", "editor's note"};
    size_t nl, k;

    load_corpus();
    h0 = hash_of(texts[a], lens[a]);
    nl = count_lines(texts[a], lens[a]);
    e[0] = change_chars(texts[a], lens[a], 3);
    e[1] = change_chars(texts[a], lens[a], 10);
    e[2] = add_paragraph(texts[a], lens[a]);
    e[3] = drop_lines(texts[a], lens[a], nl / 2, 1);
    e[4] = editor_note(texts[a], lens[a]);
    printf("article %d:", a);
    for (k = 0; k < 5; k++) {
        ck_assert_str_ne(e[k], texts[a]);
        d = zhsi_hamming(h0, hash_of(e[k], strlen(e[k])));
        printf(" %s %d;", what[k], d);
        ck_assert_msg(d <= ZHSI_DUP_MAX_BITS, "article %d, %s: distance %d",
                      a, what[k], d);
        worst = d > worst ? d : worst;
        free(e[k]);
    }
    printf(" worst %d of %d\n", worst, ZHSI_DUP_MAX_BITS);
}
END_TEST

/* The SimHash and signature of a UTF-8 text. */
static void sig_of(const char *s, size_t len, uint64_t *h,
                   uint16_t sig[ZHSI_SIG_BINS])
{
    zhsi_text t;

    ck_assert_int_eq(zhsi_text_build(s, len, ZHSI_TEXT_DOC, &t, NULL),
                     ZHS_OK);
    ck_assert_int_eq(zhsi_simhash_sig(t.norm, t.nnorm, h, sig), 0);
    zhsi_text_free(&t);
}

/* The first n bytes of s or fewer, ending at a character boundary. */
static size_t cut_at(const char *s, size_t len, size_t n)
{
    if (n >= len)
        return len;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

/* Short documents that differ in their own text and share a long
 * paragraph that each repeats (man pages whose licence and boilerplate
 * sections say the same twice) come within the SimHash threshold, which
 * counts every occurrence of a shingle; their signatures, which count
 * distinct shingles, tell them apart, while an edited copy's still
 * confirms it. */
START_TEST(test_shared_boilerplate_is_not_a_duplicate)
{
    const char *L;
    size_t nl, k;
    unsigned near = 0, told = 0;

    load_corpus();
    L = texts[1];
    nl = cut_at(L, lens[1], 1500);
    for (k = 150; k <= 900; k += 30) {
        size_t na = cut_at(texts[2], lens[2], k);
        size_t nb = cut_at(texts[3], lens[3], k);
        char *a = malloc(na + 2 * nl + 2), *b = malloc(nb + 2 * nl + 2);
        uint64_t ha, hb;
        uint16_t sa[ZHSI_SIG_BINS], sb[ZHSI_SIG_BINS];
        int d, share;
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(b);
        memcpy(a, texts[2], na);
        a[na] = '\n';
        memcpy(a + na + 1, L, nl);
        memcpy(a + na + 1 + nl, L, nl);
        memcpy(b, texts[3], nb);
        b[nb] = '\n';
        memcpy(b + nb + 1, L, nl);
        memcpy(b + nb + 1 + nl, L, nl);
        sig_of(a, na + 1 + 2 * nl, &ha, sa);
        sig_of(b, nb + 1 + 2 * nl, &hb, sb);
        d = zhsi_hamming(ha, hb);
        share = zhsi_sig_share(sa, sb);
        printf("own text %zu bytes, shared %zu: %d bits apart, %d%% of "
               "shingles shared\n", k, nl, d, share);
        if (d <= ZHSI_DUP_MAX_BITS) {
            near++;
            told += !zhsi_dup_confirmed(sa, sb);
        }
        free(a);
        free(b);
    }
    ck_assert_uint_gt(near, 0);
    ck_assert_uint_gt(told, 0);
    {
        char *e = change_chars(texts[1], lens[1], 10);
        uint64_t h0, h1;
        uint16_t s0[ZHSI_SIG_BINS], s1[ZHSI_SIG_BINS];
        sig_of(texts[1], lens[1], &h0, s0);
        sig_of(e, strlen(e), &h1, s1);
        printf("10 characters changed: %d%% of shingles shared\n",
               zhsi_sig_share(s0, s1));
        ck_assert(zhsi_dup_confirmed(s0, s1));
        free(e);
    }
}
END_TEST

START_TEST(test_different_articles_are_far)
{
    uint64_t h[NARTICLES];
    int i, j, d, closest = 64;

    load_corpus();
    for (i = 0; i < NARTICLES; i++)
        h[i] = hash_of(texts[i], lens[i]);
    for (i = 0; i < NARTICLES; i++)
        for (j = i + 1; j < NARTICLES; j++) {
            d = zhsi_hamming(h[i], h[j]);
            closest = d < closest ? d : closest;
            /* far beyond the threshold, not just past it */
            ck_assert_msg(d > 2 * ZHSI_DUP_MAX_BITS, "articles %d and %d: "
                          "distance %d", i, j, d);
        }
    printf("different articles: closest pair %d bits apart\n", closest);
}
END_TEST

START_TEST(test_short_and_layout)
{
    static const char a[] = "门诊总量同比增长，援疆医疗队在阿克苏地区开展义诊。";
    zhsi_text t;
    uint64_t h;
    char *flat;
    size_t i, k = 0;

    /* too short: no hash, so never collapsed */
    ck_assert_int_eq(zhsi_text_build(a, strlen(a), ZHSI_TEXT_DOC, &t, NULL),
                     ZHS_OK);
    ck_assert_int_eq(zhsi_simhash(t.norm, t.nnorm, &h), -1);
    zhsi_text_free(&t);
    /* line breaks and white space (extraction layout) do not count: the
     * article with all of them removed hashes the same */
    load_corpus();
    flat = malloc(lens[0] + 1);
    for (i = 0; i < lens[0]; i++)
        if (!strchr(" \t\r\n", texts[0][i]))
            flat[k++] = texts[0][i];
    flat[k] = '\0';
    ck_assert_uint_lt(k, lens[0]);
    ck_assert_uint_eq(hash_of(flat, k), hash_of(texts[0], lens[0]));
    free(flat);
}
END_TEST

/* Every hash within the threshold shares a term with the probes. */
START_TEST(test_probes_find_every_near_hash)
{
    char probes[ZHSI_DUP_NPROBES][ZHSI_BAND_TERM_SIZE];
    char band[ZHSI_BAND_TERM_SIZE];
    uint64_t rng = 0x9E3779B97F4A7C15ull, h, g;
    int trial, k, found;
    unsigned b;
    size_t p;

    for (trial = 0; trial < 20000; trial++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        h = rng;
        g = h;
        for (k = 0; k < ZHSI_DUP_MAX_BITS; k++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            g ^= 1ull << (rng >> 58);
        }
        zhsi_dup_probes(h, probes);
        found = 0;
        for (b = 0; b < ZHSI_DUP_BANDS && !found; b++) {
            zhsi_band_term(band, g, b);
            for (p = 0; p < ZHSI_DUP_NPROBES && !found; p++)
                found = strcmp(band, probes[p]) == 0;
        }
        ck_assert_msg(found, "%016llx and %016llx (%d bits) share no probe",
                      (unsigned long long)h, (unsigned long long)g,
                      zhsi_hamming(h, g));
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dup");
    TCase *tc = tcase_create("simhash");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_edited_copies_are_near, 0, NARTICLES);
    tcase_add_test(tc, test_different_articles_are_far);
    tcase_add_test(tc, test_shared_boilerplate_is_not_a_duplicate);
    tcase_add_test(tc, test_short_and_layout);
    tcase_add_test(tc, test_probes_find_every_near_hash);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
