/* segment.c: ICU word segmentation of normalized text.
 *
 * ICU's word-break iterator finds Chinese words with its CJK dictionary and
 * Latin/number tokens with the UAX #29 rules.  Words decide ranking only
 * (recall comes from character n-grams, see terms.c), so its mistakes cost
 * rank, never hits.  An iterator is expensive to open, so a segmenter keeps
 * one, with its UTF-16 buffer, for the life of a writer or reader handle.
 */
#include <stdlib.h>

#include <unicode/ubrk.h>
#include <unicode/utf16.h>

#include "zhs-int.h"

struct zhsi_segmenter {
    UBreakIterator *bi;  /* word iterator, reused for each text */
    UChar *u16;          /* the text in UTF-16 */
    uint32_t *cp_at;     /* code point index of each UTF-16 unit */
    size_t cap;          /* capacity of u16 and cp_at, in units */
};

zhs_status zhsi_segmenter_new(zhsi_segmenter **out, char **errmsg)
{
    UErrorCode err = U_ZERO_ERROR;
    zhsi_segmenter *s = calloc(1, sizeof *s);

    if (s == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    s->bi = ubrk_open(UBRK_WORD, "zh", NULL, 0, &err);
    if (U_FAILURE(err)) {
        free(s);
        return zhsi_fail(errmsg, ZHS_EINTERNAL,
                         "cannot open ICU word break iterator: %s",
                         u_errorName(err));
    }
    *out = s;
    return ZHS_OK;
}

void zhsi_segmenter_free(zhsi_segmenter *s)
{
    if (s == NULL)
        return;
    ubrk_close(s->bi);
    free(s->u16);
    free(s->cp_at);
    free(s);
}

static const UChar no_text[1] = {0};

zhs_status zhsi_segment(zhsi_segmenter *s, const uint32_t *cps, size_t n,
                        zhsi_word_fn fn, void *arg, char **errmsg)
{
    UErrorCode err = U_ZERO_ERROR;
    size_t i, need = 2 * n + 1;
    int32_t len = 0, start, end;

    if (n > (size_t)INT32_MAX / 2 - 1)
        return zhsi_fail(errmsg, ZHS_EUSAGE, "text too long to segment");
    if (need > s->cap) {
        UChar *u = realloc(s->u16, need * sizeof *u);
        uint32_t *m;
        if (u == NULL)
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        s->u16 = u;
        m = realloc(s->cp_at, need * sizeof *m);
        if (m == NULL)
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        s->cp_at = m;
        s->cap = need;
    }
    for (i = 0; i < n; i++) {
        s->cp_at[len] = (uint32_t)i;
        if (cps[i] > 0xFFFF)
            s->cp_at[len + 1] = (uint32_t)i;
        U16_APPEND_UNSAFE(s->u16, len, (UChar32)cps[i]);
    }
    s->cp_at[len] = (uint32_t)n;
    ubrk_setText(s->bi, s->u16, len, &err);
    if (U_FAILURE(err))
        return zhsi_fail(errmsg, ZHS_EINTERNAL, "ICU word break: %s",
                         u_errorName(err));
    start = ubrk_first(s->bi);
    for (end = ubrk_next(s->bi); end != UBRK_DONE;
         start = end, end = ubrk_next(s->bi)) {
        if (ubrk_getRuleStatus(s->bi) < UBRK_WORD_NONE_LIMIT)
            continue;                   /* spaces and punctuation */
        if (fn(s->cp_at[start], s->cp_at[end], arg))
            break;
    }
    /* Drop the iterator's pointer to our buffer, which may move. */
    ubrk_setText(s->bi, no_text, 0, &err);
    return ZHS_OK;
}
