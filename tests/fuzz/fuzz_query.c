/* fuzz_query.c: libFuzzer target for the query parser and builder.
 *
 * Any bytes are a query string (cut at the first NUL, as a C string is).
 * A query either parses or is refused with ZHS_EQUERY and a message; one
 * that parses must describe itself and build into a Xapian query.  The
 * sanitizers catch memory errors; the checks below catch broken
 * contracts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

static zhsi_segmenter *seg;     /* libFuzzer runs inputs on one thread */

/* pinyin: without an index: no words for a reading that starts with q,
 * else the same two words (several phrases ORed, highlighted). */
static zhs_status fake_resolve(void *arg, const uint32_t *cps, size_t n,
                               char ***words, size_t *nwords, char **errmsg)
{
    (void)arg;
    (void)errmsg;
    *words = NULL;
    *nwords = 0;
    if (n == 0 || cps[0] == 'q')
        return ZHS_OK;
    if ((*words = calloc(2, sizeof **words)) == NULL)
        return ZHS_ENOMEM;
    (*words)[0] = strdup("\xe6\x8f\xb4\xe7\x96\x86");        /* 援疆 */
    (*words)[1] = strdup("\xe5\x96\x80\xe4\xbb\x80");        /* 喀什 */
    *nwords = 2;
    if ((*words)[0] == NULL || (*words)[1] == NULL) {
        free((*words)[0]);
        free((*words)[1]);
        free(*words);
        *words = NULL;
        *nwords = 0;
        return ZHS_ENOMEM;
    }
    return ZHS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zhsi_query q;
    zhsi_xq *xq = NULL;
    char *s, *msg = NULL, *desc;
    zhs_status st;

    if (seg == NULL && zhsi_segmenter_new(&seg, NULL) != ZHS_OK)
        abort();
    if ((s = malloc(size + 1)) == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    memset(&q, 0, sizeof q);
    st = zhsi_query_parse_py(seg, s, fake_resolve, NULL, &q, &msg);
    if (st != ZHS_OK) {
        /* a refusal names its reason */
        if (st != ZHS_EQUERY && st != ZHS_ENOMEM)
            abort();
        if (st == ZHS_EQUERY && (msg == NULL || msg[0] == '\0'))
            abort();
        free(msg);
        free(s);
        return 0;
    }
    desc = zhsi_query_describe(&q);
    if (desc == NULL)
        abort();
    free(desc);
    st = zhsi_query_build(&q, NULL, NULL, &xq, &msg);
    if (st == ZHS_OK) {
        char *xd = zhsi_xq_describe(xq);
        free(xd);
        zhsi_xq_free(xq);
    } else if (st != ZHS_EQUERY && st != ZHS_ENOMEM) {
        fprintf(stderr, "build failed: %s\n", msg ? msg : "?");
        abort();
    }
    free(msg);
    zhsi_query_free(&q);
    free(s);
    return 0;
}
