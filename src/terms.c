/* terms.c: term spellings shared by the writer and the query builder.
 *
 * The scheme is described in zhs-int.h beside ZHSI_SCHEME; keeping the
 * spellings in one place guarantees that documents and queries agree.
 */
#include <stdio.h>
#include <string.h>

#include "zhs-int.h"

size_t zhsi_bigram_term(char *buf, const char *prefix, uint32_t a,
                        uint32_t b)
{
    size_t k = strlen(prefix);

    memcpy(buf, prefix, k);
    buf[k++] = 'G';
    k += zhsi_utf8_put(buf + k, a);
    k += zhsi_utf8_put(buf + k, b);
    return k;
}

size_t zhsi_unigram_term(char *buf, const char *prefix, uint32_t c)
{
    size_t k = strlen(prefix);

    memcpy(buf, prefix, k);
    buf[k++] = 'U';
    return k + zhsi_utf8_put(buf + k, c);
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
