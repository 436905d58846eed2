/* cache.h: answers of `zhsearch serve` kept for repeated requests.
 *
 * Search boxes send the same requests again and again (popular queries,
 * the next keystroke's prefix, paging back).  The cache maps a request to
 * its answer, tagged with the index revision it was computed on; a lookup
 * hits only for the same revision, so a commit makes older answers
 * unreachable at once (they age out of the LRU list).  Bounded by bytes;
 * one mutex; shared by the server's threads.
 */
#ifndef ZHS_CACHE_H
#define ZHS_CACHE_H

#include <stddef.h>

typedef struct cache cache;

/* A cache of at most max_bytes (keys, answers and bookkeeping); NULL when
 * out of memory. */
cache *cache_new(size_t max_bytes);
void cache_free(cache *c);

/* A malloc'd copy of the answer stored for key at revision rev in *body
 * and *len; 0 if there is none. */
int cache_get(cache *c, const void *key, size_t klen, unsigned long long rev,
              char **body, size_t *len);

/* Stores a copy of body for key at revision rev (replacing an older
 * answer), evicting the least recently used answers to stay in bounds.
 * Answers larger than an eighth of the cache are not kept. */
void cache_put(cache *c, const void *key, size_t klen, unsigned long long rev,
               const char *body, size_t len);

/* Drops every answer (the index at the path is another database). */
void cache_clear(cache *c);

/* Hits and misses so far. */
void cache_stats(cache *c, unsigned long long *hits,
                 unsigned long long *misses, size_t *bytes);

#endif /* ZHS_CACHE_H */
