/* terms.c: term spellings shared by the writer and the query builder.
 *
 * The scheme is described in zhs-int.h beside ZHSI_SCHEME; keeping the
 * spellings in one place guarantees that documents and queries agree.
 */
#include <stdio.h>
#include <string.h>

#include "zhs-int.h"

/* A code point as character and bigram terms spell it (see the scheme):
 * a prefix-free code, so that different strings never share a term, and
 * two bytes for a CJK ideograph of the basic block instead of UTF-8's
 * three (the index is mostly these terms: 20% of it saved).  ASCII is
 * itself; U+4E00..U+9FFF is 0x80 + offset / 255, then offset % 255 + 1
 * (0x80..0xD2, then never a NUL); anything else is 0xFF and its UTF-8
 * (which never starts with 0xFF). */
static size_t term_cp(char *buf, uint32_t c)
{
    unsigned char *b = (unsigned char *)buf;

    if (c < 0x80) {
        b[0] = (unsigned char)c;
        return 1;
    }
    if (c >= 0x4E00 && c <= 0x9FFF) {
        uint32_t off = c - 0x4E00;
        b[0] = (unsigned char)(0x80 + off / 255);
        b[1] = (unsigned char)(off % 255 + 1);
        return 2;
    }
    b[0] = 0xFF;
    return 1 + zhsi_utf8_put(buf + 1, c);
}

size_t zhsi_bigram_term(char *buf, const char *prefix, uint32_t a,
                        uint32_t b)
{
    size_t k = strlen(prefix);

    memcpy(buf, prefix, k);
    buf[k++] = 'G';
    k += term_cp(buf + k, a);
    k += term_cp(buf + k, b);
    return k;
}

size_t zhsi_unigram_term(char *buf, const char *prefix, uint32_t c)
{
    size_t k = strlen(prefix);

    memcpy(buf, prefix, k);
    buf[k++] = 'U';
    return k + term_cp(buf + k, c);
}

int zhsi_is_alnum(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int digits(const char *s, size_t n, int *v)
{
    size_t i;
    *v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int zhsi_date_range(const char *s, size_t n, char lo[9], char hi[9])
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                31};
    int y, m = 0, d = 0;
    size_t end = n, i;

    for (i = 0; i < n; i++)
        if (s[i] == 'T' || s[i] == ' ') {
            end = i;                    /* a time follows */
            break;
        }
    if (end != 4 && end != 7 && end != 10)
        return -1;
    if (digits(s, 4, &y) < 0 || y < 1000)
        return -1;
    if (end >= 7 && (s[4] != '-' || digits(s + 5, 2, &m) < 0 || m < 1
                     || m > 12))
        return -1;
    if (end == 10 && (s[7] != '-' || digits(s + 8, 2, &d) < 0 || d < 1
                      || d > mdays[m - 1]
                      || (m == 2 && d == 29
                          && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))))
        return -1;
    y %= 10000;                         /* four digits, for the compiler */
    snprintf(lo, 9, "%04d%02d%02d", y, m % 100, d % 100);
    snprintf(hi, 9, "%04d%02d%02d", y, end >= 7 ? m % 100 : 99,
             end == 10 ? d % 100 : 99);
    return 0;
}

uint64_t zhsi_fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Reads 1..max digits at *s; -1 if none. */
static int read_num(const char **s, int max)
{
    int v = 0, n = 0;
    while (n < max && **s >= '0' && **s <= '9') {
        v = v * 10 + (**s - '0');
        (*s)++;
        n++;
    }
    return n ? v : -1;
}

/* Skips one date separator: - / . or the given UTF-8 word (年, 月). */
static int skip_sep(const char **s, const char *word)
{
    if (**s == '-' || **s == '/' || **s == '.') {
        (*s)++;
        return 1;
    }
    if (strncmp(*s, word, strlen(word)) == 0) {
        *s += strlen(word);
        return 1;
    }
    return 0;
}

int zhsi_normalize_date(const char *in, char out[11])
{
    const char *s = in;
    int y, m = 0, d = 0;
    char lo[9], hi[9];

    while (*s == ' ' || *s == '\t')
        s++;
    if ((y = read_num(&s, 4)) < 1000)
        return -1;
    if (skip_sep(&s, "年") && (m = read_num(&s, 2)) >= 0) {
        if (skip_sep(&s, "月") && *s >= '0' && *s <= '9') {
            if ((d = read_num(&s, 2)) == 0)
                return -1;              /* 2025-12-00 */
            if (strncmp(s, "日", strlen("日")) == 0)
                s += strlen("日");
        }
    }
    /* what may follow: nothing, a time, or white space */
    if (*s != '\0' && *s != 'T' && *s != ' ' && *s != '\t')
        return -1;
    if (m < 0)
        return -1;
    y %= 10000;
    if (d > 0)
        snprintf(out, 11, "%04d-%02d-%02d", y, m % 100, d % 100);
    else if (m > 0)
        snprintf(out, 11, "%04d-%02d", y, m % 100);
    else
        snprintf(out, 11, "%04d", y);
    return zhsi_date_range(out, strlen(out), lo, hi);
}
