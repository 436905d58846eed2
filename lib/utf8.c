/* utf8.c: strict UTF-8 decoding and encoding.
 *
 * Input comes from crawlers and the web, so the decoder rejects everything
 * RFC 3629 forbids (overlong forms, surrogates, values past U+10FFFF,
 * truncated sequences) and reports the byte offset of the first problem.
 */
#include <stdlib.h>

#include "zhs-int.h"

/* Length of the valid sequence at s[0..left), or 0 if invalid. */
static size_t seq_len(const unsigned char *s, size_t left, uint32_t *cp)
{
    unsigned char c = s[0];
    uint32_t v;
    size_t n, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)))
        return 0;
    if (v >= 0xD800 && v <= 0xDFFF)
        return 0;
    *cp = v;
    return n;
}

size_t zhsi_utf8_invalid_at(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k;
    uint32_t cp;

    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        k = seq_len(p + i, len - i, &cp);
        if (k == 0)
            return i;
        i += k;
    }
    return (size_t)-1;
}

zhs_status zhsi_utf8_decode(const char *s, size_t len, uint32_t **out,
                            size_t *n, size_t *bad_offset)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t *cps;
    size_t i = 0, k, m = 0;

    cps = malloc((len + 1) * sizeof *cps);
    if (cps == NULL)
        return ZHS_ENOMEM;
    while (i < len) {
        k = seq_len(p + i, len - i, &cps[m]);
        if (k == 0) {
            free(cps);
            if (bad_offset)
                *bad_offset = i;
            return ZHS_EENCODING;
        }
        i += k;
        m++;
    }
    *out = cps;
    *n = m;
    return ZHS_OK;
}

size_t zhsi_utf8_put(char *buf, uint32_t cp)
{
    unsigned char *b = (unsigned char *)buf;

    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (unsigned char)(0xF0 | (cp >> 18));
    b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

char *zhsi_utf8_encode(const uint32_t *cps, size_t n)
{
    char *s = malloc(n * 4 + 1);
    size_t i, k = 0;

    if (s == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        k += zhsi_utf8_put(s + k, cps[i]);
    s[k] = '\0';
    return s;
}

size_t zhs_utf8_invalid_at(const char *s, size_t len)
{
    return zhsi_utf8_invalid_at(s, len);
}

size_t zhsi_utf16_put(char *buf, uint32_t cp)
{
    unsigned char *b = (unsigned char *)buf;
    if (cp < 0x10000) {
        b[0] = cp & 0xFF;
        b[1] = (cp >> 8) & 0xFF;
        return 2;
    }
    cp -= 0x10000;
    b[0] = (0xD800 + (cp >> 10)) & 0xFF;
    b[1] = (0xD800 + (cp >> 10)) >> 8;
    b[2] = (0xDC00 + (cp & 0x3FF)) & 0xFF;
    b[3] = (0xDC00 + (cp & 0x3FF)) >> 8;
    return 4;
}
