/* terms.c: term spellings shared by the writer and the query builder.
 *
 * The scheme is described in zhs-int.h beside ZHSI_SCHEME; keeping the
 * spellings in one place guarantees that documents and queries agree.
 */
#include "zhs-int.h"

size_t zhsi_bigram_term(char *buf, uint32_t a, uint32_t b)
{
    size_t k = 0;

    buf[k++] = 'G';
    k += zhsi_utf8_put(buf + k, a);
    k += zhsi_utf8_put(buf + k, b);
    return k;
}

size_t zhsi_unigram_term(char *buf, uint32_t c)
{
    buf[0] = 'U';
    return 1 + zhsi_utf8_put(buf + 1, c);
}
