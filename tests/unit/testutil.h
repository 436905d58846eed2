/* testutil.h: small helpers shared by the unit tests. */
#ifndef ZHS_TESTUTIL_H
#define ZHS_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

/* A fresh directory under $TMPDIR (or /tmp); the caller removes it. */
static inline char *tu_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/zhs-unit-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(p));
    return p;
}

static inline void tu_rmrf(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* The normalized form of s as UTF-8 (malloc'd). */
static inline char *tu_norm(const char *s)
{
    zhsi_text t;
    char *r;
    ck_assert_int_eq(zhsi_text_build(s, strlen(s), ZHSI_TEXT_DOC, &t, NULL), ZHS_OK);
    r = zhsi_utf8_encode(t.norm, t.nnorm);
    zhsi_text_free(&t);
    return r;
}

/* The display form of s as UTF-8 (malloc'd). */
static inline char *tu_disp(const char *s)
{
    zhsi_text t;
    char *r;
    ck_assert_int_eq(zhsi_text_build(s, strlen(s), ZHSI_TEXT_DOC, &t, NULL), ZHS_OK);
    r = zhsi_utf8_encode(t.disp, t.ndisp);
    zhsi_text_free(&t);
    return r;
}

/* The directory holding the bundled corpus. */
static inline const char *tu_corpus(void)
{
    static char buf[4096];
    const char *src = getenv("srcdir");
    snprintf(buf, sizeof buf, "%s/corpus", src && *src ? src : ".");
    return buf;
}

#define TU_MAIN(suite_fn)                                                    \
    int main(void)                                                           \
    {                                                                        \
        SRunner *sr = srunner_create(suite_fn());                            \
        int failed;                                                          \
        srunner_run_all(sr, CK_NORMAL);                                      \
        failed = srunner_ntests_failed(sr);                                  \
        srunner_free(sr);                                                    \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                         \
    }

#endif
