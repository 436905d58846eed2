/* cache.c: a byte-bounded LRU map from request to answer (see cache.h). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "zhsearch.h"

#define NBUCKETS 4096u              /* a power of two */
#define OVERHEAD 64u                /* bookkeeping bytes counted per entry */

struct entry {
    struct entry *next_in_bucket;
    struct entry *prev, *next;      /* LRU list, most recent first */
    uint64_t hash;
    unsigned long long rev;
    size_t klen, len;
    char *key, *body;
};

struct cache {
    pthread_mutex_t mu;
    struct entry *buckets[NBUCKETS];
    struct entry *head, *tail;
    size_t bytes, max_bytes;
    unsigned long long hits, misses;
};

static uint64_t hash_of(const void *key, size_t len)
{
    return zhs_fnv1a(ZHS_FNV1A_INIT, key, len);
}

static size_t cost(const struct entry *e)
{
    return e->klen + e->len + OVERHEAD;
}

cache *cache_new(size_t max_bytes)
{
    cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->max_bytes = max_bytes;
    return c;
}

static void unlink_lru(cache *c, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(cache *c, struct entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (c->tail == NULL)
        c->tail = e;
}

static struct entry **slot_of(cache *c, uint64_t h, const void *key,
                              size_t klen)
{
    struct entry **pp = &c->buckets[h & (NBUCKETS - 1)];
    while (*pp && ((*pp)->hash != h || (*pp)->klen != klen
                   || memcmp((*pp)->key, key, klen) != 0))
        pp = &(*pp)->next_in_bucket;
    return pp;
}

static void drop(cache *c, struct entry *e)
{
    struct entry **pp = slot_of(c, e->hash, e->key, e->klen);
    *pp = e->next_in_bucket;
    unlink_lru(c, e);
    c->bytes -= cost(e);
    free(e->key);
    free(e->body);
    free(e);
}

void cache_free(cache *c)
{
    if (c == NULL)
        return;
    while (c->head)
        drop(c, c->head);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int cache_get(cache *c, const void *key, size_t klen, unsigned long long rev,
              char **body, size_t *len)
{
    uint64_t h = hash_of(key, klen);
    struct entry *e;
    int found = 0;

    pthread_mutex_lock(&c->mu);
    e = *slot_of(c, h, key, klen);
    if (e && e->rev == rev && (*body = malloc(e->len + 1)) != NULL) {
        memcpy(*body, e->body, e->len + 1);
        *len = e->len;
        unlink_lru(c, e);
        push_front(c, e);
        found = 1;
    }
    if (found)
        c->hits++;
    else
        c->misses++;
    pthread_mutex_unlock(&c->mu);
    return found;
}

void cache_put(cache *c, const void *key, size_t klen, unsigned long long rev,
               const char *body, size_t len)
{
    uint64_t h = hash_of(key, klen);
    struct entry *e, **pp;

    if (klen + len + OVERHEAD > c->max_bytes / 8)
        return;
    if ((e = calloc(1, sizeof *e)) == NULL
        || (e->key = malloc(klen)) == NULL
        || (e->body = malloc(len + 1)) == NULL) {
        if (e)
            free(e->key);
        free(e);
        return;                         /* a cache may forget */
    }
    memcpy(e->key, key, klen);
    memcpy(e->body, body, len);
    e->body[len] = '\0';
    e->klen = klen;
    e->len = len;
    e->hash = h;
    e->rev = rev;
    pthread_mutex_lock(&c->mu);
    pp = slot_of(c, h, key, klen);
    if (*pp && (*pp)->rev > rev) {      /* keep the newer answer */
        pthread_mutex_unlock(&c->mu);
        free(e->key);
        free(e->body);
        free(e);
        return;
    }
    if (*pp)
        drop(c, *pp);
    while (c->tail && c->bytes + cost(e) > c->max_bytes)
        drop(c, c->tail);
    pp = slot_of(c, h, key, klen);
    e->next_in_bucket = *pp;
    *pp = e;
    push_front(c, e);
    c->bytes += cost(e);
    pthread_mutex_unlock(&c->mu);
}

void cache_clear(cache *c)
{
    pthread_mutex_lock(&c->mu);
    while (c->head)
        drop(c, c->head);
    pthread_mutex_unlock(&c->mu);
}

void cache_stats(cache *c, unsigned long long *hits,
                 unsigned long long *misses, size_t *bytes)
{
    pthread_mutex_lock(&c->mu);
    *hits = c->hits;
    *misses = c->misses;
    *bytes = c->bytes;
    pthread_mutex_unlock(&c->mu);
}
