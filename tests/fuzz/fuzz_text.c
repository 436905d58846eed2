/* fuzz_text.c: libFuzzer target for the normalizer and the segmenter.
 *
 * The first byte chooses the options (document or query text, with or
 * without a user dictionary); the rest is the text, any bytes.  Invalid
 * UTF-8 must be refused with ZHS_EENCODING; valid text gives two forms
 * whose maps stay inside the display text, and words that lie inside the
 * normalized text in order, without overlap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

static zhsi_segmenter *seg;     /* libFuzzer runs inputs on one thread */
static zhsi_dict *dict;

struct words {
    size_t n, last_end;
};

static int check_word(size_t start, size_t end, void *arg)
{
    struct words *w = arg;

    if (start >= end || start < w->last_end || end > w->n)
        abort();
    w->last_end = end;
    return 0;
}

static void segment_both(const zhsi_text *t)
{
    struct words w;

    w.n = t->nnorm;
    w.last_end = 0;
    if (zhsi_segment(seg, t->norm, t->nnorm, check_word, &w, NULL)
        != ZHS_OK)
        abort();
    w.last_end = 0;
    if (zhsi_segment_icu(seg, t->norm, t->nnorm, check_word, &w, NULL)
        != ZHS_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char words[] = "医疗队\n援疆\n组团式\npet-ct\n";
    zhsi_text t;
    char *msg = NULL;
    unsigned opts;
    size_t i;
    zhs_status st;

    if (seg == NULL) {
        if (zhsi_segmenter_new(&seg, NULL) != ZHS_OK
            || zhsi_dict_new(words, sizeof words - 1, &dict, NULL) != ZHS_OK)
            abort();
    }
    if (size == 0)
        return 0;
    opts = data[0];
    data++;
    size--;
    zhsi_segmenter_set_dict(seg, opts & 2 ? dict : NULL);
    memset(&t, 0, sizeof t);
    st = zhsi_text_build((const char *)data, size,
                         opts & 1 ? ZHSI_TEXT_DOC : 0, &t, &msg);
    if (st != ZHS_OK) {
        /* only invalid UTF-8 is refused */
        if (st != ZHS_ENOMEM
            && (st != ZHS_EENCODING
                || zhsi_utf8_invalid_at((const char *)data, size)
                       == (size_t)-1))
            abort();
        free(msg);
        return 0;
    }
    for (i = 0; i < t.nnorm; i++)
        if (t.norm_map[i] >= t.ndisp)
            abort();
    for (i = 1; i < t.nnorm; i++)
        if (t.norm_map[i] < t.norm_map[i - 1])
            abort();
    segment_both(&t);
    zhsi_text_free(&t);
    return 0;
}
