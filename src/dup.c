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
    uint32_t win[ZHSI_SHINGLE];
    long votes[64] = {0};
    size_t i, have = 0, shingles = 0;
    uint64_t h = 0;
    int b;

    for (i = 0; i < n; i++) {
        uint64_t s;
        if (!is_han(cps[i]) && !zhsi_is_alnum(cps[i]))
            continue;
        memmove(win, win + 1, sizeof win - sizeof win[0]);
        win[ZHSI_SHINGLE - 1] = cps[i];
        if (++have < ZHSI_SHINGLE)
            continue;
        s = mix64(zhsi_fnv(ZHSI_FNV_INIT, win, sizeof win));
        for (b = 0; b < 64; b++)
            votes[b] += (s >> b) & 1u ? 1 : -1;
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

int zhsi_hamming(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}

#define BAND_WIDTH (64 / ZHSI_DUP_BANDS)

static size_t band_term(char *buf, unsigned band, uint64_t v)
{
    return (size_t)snprintf(buf, ZHSI_BAND_TERM_SIZE, "H%x%0*llx", band,
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
    uint64_t h = zhsi_fnv(ZHSI_FNV_INIT, &founder, sizeof founder);

    h = zhsi_fnv(h, founder_id, strlen(founder_id));
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
