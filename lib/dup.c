/* dup.c: near-duplicate detection (SimHash) and the clusters it builds.
 *
 * The same press release republished by several outlets, with a changed
 * title, a sentence edited or a paragraph added, should be one hit.  Each
 * document's normalized text keeps only Han characters and ASCII letters
 * and digits (so layout, punctuation and white space never count); every
 * run of ZHSI_SHINGLE consecutive such characters (a shingle) is hashed to
 * 64 bits, and bit i of the document's SimHash is set when more shingles
 * have bit i set than clear (Charikar 2002; Manku et al., WWW 2007).  A
 * small edit changes few shingles and so few bits; unrelated texts differ
 * in about 32 of 64.
 *
 * Documents whose SimHashes differ in at most ZHSI_DUP_MAX_BITS (7) bits
 * are near-duplicates.  The 64 bits are cut into ZHSI_DUP_BANDS (4) bands
 * of 16 bits, each indexed as a boolean term.  Two hashes within 7 bits
 * differ in at most one bit of some band (pigeonhole: 4 bands with 2 or
 * more differing bits make 8), so the writer finds every candidate by
 * looking up each band of the new document and the 16 one-bit variants
 * of each band: 68 probe terms, exact bands first.  (Exact bands alone
 * would need 8 bands of 8 bits for 7 bits, and then one document in 32
 * of an unrelated corpus would be a candidate; the probes make it about
 * one in a thousand.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

/* Han ideographs: the unified blocks, extension A, compatibility
 * ideographs and the supplementary planes' extensions. */
static int is_han(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF)
        || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF);
}

/* A 64-bit mix with full avalanche (the splitmix64 finalizer): FNV-1a of
 * a few code points alone leaves its high bits poorly mixed. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int zhsi_simhash(const uint32_t *cps, size_t n, uint64_t *out)
{
    return zhsi_simhash_sig(cps, n, out, NULL);
}

int zhsi_simhash_sig(const uint32_t *cps, size_t n, uint64_t *out,
                     uint16_t sig[ZHSI_SIG_BINS])
{
    uint32_t win[ZHSI_SHINGLE];
    long votes[64] = {0};
    size_t i, have = 0, shingles = 0;
    uint64_t h = 0;
    int b;

    if (sig)
        for (b = 0; b < ZHSI_SIG_BINS; b++)
            sig[b] = 0xffff;

    for (i = 0; i < n; i++) {
        uint64_t s;
        if (!is_han(cps[i]) && !zhsi_is_alnum(cps[i]))
            continue;
        memmove(win, win + 1, sizeof win - sizeof win[0]);
        win[ZHSI_SHINGLE - 1] = cps[i];
        if (++have < ZHSI_SHINGLE)
            continue;
        s = mix64(zhs_fnv1a(ZHS_FNV1A_INIT, win, sizeof win));
        for (b = 0; b < 64; b++)
            votes[b] += (s >> b) & 1u ? 1 : -1;
        if (sig) {
            /* the bin from the top bits, the value from the low ones */
            unsigned bin = (unsigned)(s >> 58) % ZHSI_SIG_BINS;
            uint16_t v = (uint16_t)(s & 0xffff);
            if (v == 0xffff)
                v = 0xfffe;
            if (v < sig[bin])
                sig[bin] = v;
        }
        shingles++;
    }
    if (shingles < ZHSI_DUP_MIN_SHINGLES)
        return -1;
    for (b = 0; b < 64; b++)
        if (votes[b] > 0)
            h |= 1ull << b;
    *out = h;
    return 0;
}

int zhsi_sig_share(const uint16_t *a, const uint16_t *b)
{
    unsigned k, used = 0, same = 0;

    for (k = 0; k < ZHSI_SIG_BINS; k++) {
        if (a[k] == 0xffff && b[k] == 0xffff)
            continue;
        used++;
        same += a[k] == b[k];
    }
    return used ? (int)(100 * same / used) : 100;
}

int zhsi_dup_confirmed(const uint16_t *a, const uint16_t *b)
{
    return a == NULL || b == NULL
        || zhsi_sig_share(a, b) >= ZHSI_DUP_MIN_SHARE;
}

void zhsi_format_simhash_value(uint64_t h, const uint16_t *sig,
                               char out[ZHSI_SIMHASH_VALUE_LEN])
{
    char hex[17];
    unsigned k;

    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    memcpy(out, hex, 16);
    for (k = 0; k < ZHSI_SIG_BINS; k++) {
        out[16 + 2 * k] = (char)(sig[k] & 0xff);
        out[16 + 2 * k + 1] = (char)(sig[k] >> 8);
    }
}

int zhsi_parse_simhash_value(const char *v, size_t len, uint64_t *h,
                             uint16_t sig[ZHSI_SIG_BINS])
{
    char hex[17];
    unsigned k;

    if (len != 16 && len != ZHSI_SIMHASH_VALUE_LEN)
        return -1;
    memcpy(hex, v, 16);
    hex[16] = '\0';
    if (zhsi_parse_hex64(hex, h) < 0)
        return -1;
    if (len == 16)
        return 0;
    for (k = 0; k < ZHSI_SIG_BINS; k++)
        sig[k] = (uint16_t)((unsigned char)v[16 + 2 * k]
                            | (unsigned char)v[16 + 2 * k + 1] << 8);
    return 1;
}

int zhsi_hamming(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}

#define BAND_WIDTH (64 / ZHSI_DUP_BANDS)

static size_t band_term(char *buf, unsigned band, uint64_t v)
{
    return (size_t)snprintf(buf, ZHSI_BAND_TERM_SIZE, ZHSI_PFX_BAND "%x%0*llx", band,
                            BAND_WIDTH / 4, (unsigned long long)v);
}

static uint64_t band_of(uint64_t h, unsigned band)
{
    return (h >> (band * BAND_WIDTH)) & ((1ull << BAND_WIDTH) - 1);
}

size_t zhsi_band_term(char *buf, uint64_t h, unsigned band)
{
    return band_term(buf, band, band_of(h, band));
}

void zhsi_dup_probes(uint64_t h, char terms[][ZHSI_BAND_TERM_SIZE])
{
    size_t k = 0;
    unsigned b, bit;

    for (b = 0; b < ZHSI_DUP_BANDS; b++)
        band_term(terms[k++], b, band_of(h, b));
    for (b = 0; b < ZHSI_DUP_BANDS; b++)
        for (bit = 0; bit < BAND_WIDTH; bit++)
            band_term(terms[k++], b, band_of(h, b) ^ (1ull << bit));
}

void zhsi_cluster_key(uint64_t founder, const char *founder_id,
                      char out[ZHSI_CLUSTER_KEY_LEN + 1])
{
    uint64_t h = zhs_fnv1a(ZHS_FNV1A_INIT, &founder, sizeof founder);

    h = zhs_fnv1a(h, founder_id, strlen(founder_id));
    snprintf(out, ZHSI_CLUSTER_KEY_LEN + 1, "%016llx", (unsigned long long)h);
}

int zhsi_parse_hex64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < 16; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    if (s[16] != '\0')
        return -1;
    *out = v;
    return 0;
}

/* ---- a set of SimHashes in memory -------------------------------------
 *
 * The documents of a run that an index cannot show yet (a parallel first
 * build's parts, the other shards of a sharded index), for the same probes
 * the writer runs against the index: band term -> chain of entries, each
 * document under its ZHSI_DUP_BANDS band terms.
 */

struct dupent {
    uint64_t simhash;
    char key[ZHSI_CLUSTER_KEY_LEN + 1];
    uint16_t *sig;       /* the signature and then the id, one block
                            shared by the document's band entries */
    const char *id;
    int next;            /* next entry with the same band term, or -1 */
};

struct bandslot {
    char term[ZHSI_BAND_TERM_SIZE];
    int head;            /* first entry, -1: empty slot */
};

struct zhsi_dupmem {
    struct dupent *ents;
    size_t nents, capents;
    struct bandslot *bands;
    size_t nbands, usedbands;
};

zhsi_dupmem *zhsi_dupmem_new(void)
{
    return calloc(1, sizeof(zhsi_dupmem));
}

void zhsi_dupmem_free(zhsi_dupmem *m)
{
    size_t k;

    if (m == NULL)
        return;
    for (k = 0; k < m->nents; k++)     /* a document's entries share one */
        if (k == 0 || m->ents[k].sig != m->ents[k - 1].sig)
            free(m->ents[k].sig);
    free(m->ents);
    free(m->bands);
    free(m);
}

static uint64_t term_hash(const char *term)
{
    return zhs_fnv1a(ZHS_FNV1A_INIT, term, strlen(term));
}

/* The slot of band term `term`; -1 if absent (and not create), -2 out of
 * memory. */
static int band_slot(zhsi_dupmem *m, const char *term, int create)
{
    size_t j;

    if (create && (m->usedbands + 1) * 2 > m->nbands) {
        size_t ns = m->nbands ? m->nbands * 2 : 1u << 12, i, k;
        struct bandslot *nv = malloc(ns * sizeof *nv);
        if (nv == NULL)
            return -2;
        for (i = 0; i < ns; i++)
            nv[i].head = -1;
        for (i = 0; i < m->nbands; i++) {
            if (m->bands[i].head < 0)
                continue;
            for (k = term_hash(m->bands[i].term) & (ns - 1); nv[k].head >= 0;
                 k = (k + 1) & (ns - 1))
                ;
            nv[k] = m->bands[i];
        }
        free(m->bands);
        m->bands = nv;
        m->nbands = ns;
    }
    if (m->nbands == 0)
        return -1;
    for (j = term_hash(term) & (m->nbands - 1); m->bands[j].head >= 0;
         j = (j + 1) & (m->nbands - 1))
        if (strcmp(m->bands[j].term, term) == 0)
            return (int)j;
    if (!create)
        return -1;
    snprintf(m->bands[j].term, sizeof m->bands[j].term, "%s", term);
    m->usedbands++;
    return (int)j;
}

int zhsi_dupmem_nearest(zhsi_dupmem *m, uint64_t h, const uint16_t *sig,
                        const char *self,
                        int (*skip)(void *, const char *), void *arg,
                        const char **key, const char **id)
{
    char terms[ZHSI_DUP_NPROBES][ZHSI_BAND_TERM_SIZE];
    const struct dupent *best = NULL;
    int bestd = ZHSI_DUP_MAX_BITS + 1, e, slot;
    unsigned seen = 0, k;

    zhsi_dup_probes(h, terms);
    for (k = 0; k < ZHSI_DUP_NPROBES && seen < ZHSI_DUP_MAX_CANDIDATES; k++) {
        if ((slot = band_slot(m, terms[k], 0)) < 0)
            continue;
        for (e = m->bands[slot].head;
             e >= 0 && seen < ZHSI_DUP_MAX_CANDIDATES; e = m->ents[e].next) {
            const struct dupent *c = &m->ents[e];
            int d = zhsi_hamming(c->simhash, h);
            seen++;
            if (d > ZHSI_DUP_MAX_BITS || strcmp(c->id, self) == 0
                || (skip && skip(arg, c->id)) || !zhsi_dup_confirmed(c->sig, sig))
                continue;
            if (d < bestd || (d == bestd && best && strcmp(c->id, best->id) < 0)) {
                best = c;
                bestd = d;
            }
        }
    }
    if (best == NULL)
        return -1;
    *key = best->key;
    *id = best->id;
    return bestd;
}

int zhsi_dupmem_add(zhsi_dupmem *m, uint64_t h, const uint16_t *sig,
                    const char *id, const char *key)
{
    char term[ZHSI_BAND_TERM_SIZE];
    size_t sz = ZHSI_SIG_BINS * sizeof *sig;
    uint16_t *block = malloc(sz + strlen(id) + 1);
    unsigned k;
    int slot;

    if (block == NULL)
        return -1;
    memcpy(block, sig, sz);
    strcpy((char *)block + sz, id);
    if (m->nents + ZHSI_DUP_BANDS > m->capents) {
        size_t nc = m->capents ? m->capents * 2 : 4096;
        struct dupent *nv = realloc(m->ents, nc * sizeof *nv);
        if (nv == NULL) {
            free(block);
            return -1;
        }
        m->ents = nv;
        m->capents = nc;
    }

    for (k = 0; k < ZHSI_DUP_BANDS; k++) {
        struct dupent *ne = &m->ents[m->nents];
        zhsi_band_term(term, h, k);
        if ((slot = band_slot(m, term, 1)) < 0) {
            if (k == 0)         /* else the entries made own the block */
                free(block);
            return -1;
        }
        ne->simhash = h;
        memcpy(ne->key, key, sizeof ne->key);
        ne->sig = block;
        ne->id = (const char *)block + sz;
        ne->next = m->bands[slot].head;
        m->bands[slot].head = (int)m->nents;
        m->nents++;
    }
    return 0;
}
