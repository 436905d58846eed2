/* writer.c: turning documents into Xapian documents.
 *
 * Each document gets the terms described in zhs-int.h (ZHSI_SCHEME): its
 * characters and bigrams (exact-substring candidates and, with ICU words
 * of three or more characters, what ranks), the same with the "S" prefix
 * for the title, and metadata terms and values for filters; no term has
 * positions.  A document's distinct terms are gathered first and handed
 * to Xapian once each, in order.  The stored data is a JSON object with
 * the metadata and the original text, and value ZHSI_SLOT_NORM keeps the
 * normalized text that exact matches are checked against; snippets are
 * computed from the stored text at search time with the same normalizer,
 * so display and index can never disagree.  A first build can be written
 * by parallel writers (bulk.c).
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "zhs-int.h"

#define MAX_ID_BYTES 240

/* Turns documents into Xapian documents; one per thread. */
struct zhs_preparer {
    zhsi_segmenter *seg; /* ICU word iterator, with the writer's dictionary */
    const char *dict_id; /* the writer's dictionary id ("" for none) */
};

struct zhs_writer {
    zhsi_xwdb *x;        /* the Xapian writer, inside a transaction */
    zhs_preparer prep;   /* for zhs_writer_put */
    zhsi_dict *dict;     /* user dictionary in use, or NULL */
    char dict_id[17];    /* its id, "" for none */
    char *dir;           /* index directory, for messages */
    unsigned doccount;   /* committed documents when opened */
    zhsi_bulk *bulk;     /* a parallel first build, or NULL */
    zhsi_vocab *vocab;   /* the batch's words */
    zhs_clusters *clusters; /* shared with the other shards' writers */
};

static void use_dict(zhs_writer *w, zhsi_dict *d)
{
    zhsi_dict_free(w->dict);
    w->dict = d;
    snprintf(w->dict_id, sizeof w->dict_id, "%s", d ? zhsi_dict_id(d) : "");
    zhsi_segmenter_set_dict(w->prep.seg, d);
}

static int is_table_file(const char *name)
{
    size_t n = strlen(name);
    return n > 6 && strcmp(name + n - 6, ".glass") == 0;
}

/* A directory we may create an index in: missing, empty (a .gitignore
 * aside), already an index, or what an interrupted parallel build left
 * (bulk.c). */
static zhs_status check_target(const char *dir, char **errmsg)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int other = 0, index = 0;

    if (d == NULL) {
        if (errno == ENOENT)
            return ZHS_OK;
        return zhsi_fail(errmsg, ZHS_EIO, "%s: %s", dir, strerror(errno));
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0
            || strcmp(de->d_name, ".gitignore") == 0)
            continue;
        if (strcmp(de->d_name, "iamglass") == 0
            || strcmp(de->d_name, "iamchert") == 0)
            index = 1;
        else if (strcmp(de->d_name, ".zhs-build") != 0
                 && strcmp(de->d_name, "flintlock") != 0
                 && !is_table_file(de->d_name))
            other = 1;              /* not what a build leaves behind */
    }
    closedir(d);
    if (other && !index)
        return zhsi_fail(errmsg, ZHS_ECORRUPT,
                         "%s: directory is not empty and holds no index; "
                         "refusing to write there", dir);
    return ZHS_OK;
}

/* Keeps using the dictionary the index was built with, if any, so that a
 * later run without --dict segments as the first one did. */
static zhs_status load_recorded_dict(zhs_writer *w, char **errmsg)
{
    char *serial = NULL;
    zhs_status st = zhsi_xwdb_metadata(w->x, ZHSI_META_DICT, &serial, errmsg);

    if (st == ZHS_OK && serial[0] != '\0') {
        zhsi_dict *d;
        if ((st = zhsi_dict_new(serial, strlen(serial), &d, errmsg)) == ZHS_OK)
            use_dict(w, d);
    }
    free(serial);
    return st;
}

/* Records dictionary d (taken) under name in the index and segments with
 * it from now on. */
static zhs_status record_dict(zhs_writer *w, zhsi_dict *d, const char *name,
                              char **errmsg)
{
    zhs_status st = zhsi_xwdb_set_metadata(w->x, ZHSI_META_DICT,
                                           zhsi_dict_serial(d), errmsg);
    if (st == ZHS_OK)
        st = zhsi_xwdb_set_metadata(w->x, ZHSI_META_DICT_ID, zhsi_dict_id(d),
                                    errmsg);
    if (st == ZHS_OK)
        st = zhsi_xwdb_set_metadata(w->x, ZHSI_META_DICT_NAME, name, errmsg);
    if (st != ZHS_OK) {
        zhsi_dict_free(d);
        return st;
    }
    use_dict(w, d);
    return ZHS_OK;
}

zhs_status zhs_writer_set_dict(zhs_writer *w, const char *path,
                               char **warning, char **errmsg)
{
    zhs_file_doc *fd = NULL;
    zhsi_dict *d = NULL;
    char *old = NULL;
    const char *name;
    unsigned count = 0;
    zhs_status st;

    st = zhs_doc_read_file(path, path, NULL, &fd, errmsg);
    if (st == ZHS_OK) {
        st = zhsi_dict_new(fd->doc.text, fd->doc.text_len, &d, errmsg);
        if (st != ZHS_OK)
            zhsi_errmsg_prefix(errmsg, path);
    }
    zhs_file_doc_free(fd);
    if (st == ZHS_OK)
        st = zhsi_xwdb_metadata(w->x, ZHSI_META_DICT_ID, &old, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xwdb_doccount(w->x, &count, errmsg);
    if (st == ZHS_OK && count > 0 && strcmp(old, zhsi_dict_id(d)) != 0
        && warning != NULL)
        zhsi_fail(warning, ZHS_OK, "%s: the index's %u documents were "
                  "segmented with %s; they keep that segmentation (and "
                  "ranking) until indexed again", w->dir, count,
                  old[0] ? "another dictionary" : "no dictionary");
    name = strrchr(path, '/');
    name = name ? name + 1 : path;
    free(old);
    if (st != ZHS_OK) {
        zhsi_dict_free(d);
        return st;
    }
    return record_dict(w, d, name, errmsg);
}

zhs_status zhsi_writer_use_dict(zhs_writer *w, const char *serial,
                                const char *name, char **errmsg)
{
    zhsi_dict *d;
    zhs_status st = zhsi_dict_new(serial, strlen(serial), &d, errmsg);

    return st == ZHS_OK ? record_dict(w, d, name, errmsg) : st;
}

zhs_status zhs_writer_open(const char *dir, zhs_writer **out, char **errmsg)
{
    zhs_writer *w;
    char *scheme = NULL;
    zhs_status st;

    st = check_target(dir, errmsg);
    if (st != ZHS_OK)
        return st;
    w = calloc(1, sizeof *w);
    if (w == NULL || (w->dir = strdup(dir)) == NULL) {
        free(w);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    w->prep.dict_id = w->dict_id;
    if ((w->vocab = zhsi_vocab_new()) == NULL) {
        free(w->dir);
        free(w);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    st = zhsi_xwdb_open(dir, &w->x, errmsg);
    if (st == ZHS_OK)
        zhsi_bulk_cleanup(dir);         /* ours now: we hold the lock */
    if (st == ZHS_OK)
        st = zhsi_segmenter_new(&w->prep.seg, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xwdb_doccount(w->x, &w->doccount, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xwdb_metadata(w->x, ZHSI_META_SCHEME, &scheme, errmsg);
    if (st == ZHS_OK)
        st = load_recorded_dict(w, errmsg);
    if (st == ZHS_OK && scheme[0] == '\0')
        st = zhsi_xwdb_set_metadata(w->x, ZHSI_META_SCHEME, ZHSI_SCHEME,
                                    errmsg);
    else if (st == ZHS_OK && strcmp(scheme, ZHSI_SCHEME) != 0)
        st = zhsi_fail(errmsg, ZHS_ECORRUPT,
                       "index uses the older term scheme '%s' but this "
                       "zhsearch writes '%s': rebuild it with 'zhsearch "
                       "rebuild --db %s'", scheme, ZHSI_SCHEME, dir);
    free(scheme);
    if (st != ZHS_OK) {
        zhsi_errmsg_prefix(errmsg, dir);
        zhs_writer_close(w);
        return st;
    }
    *out = w;
    return ZHS_OK;
}

void zhs_writer_close(zhs_writer *w)
{
    if (w == NULL)
        return;
    zhsi_bulk_free(w->bulk);
    zhsi_vocab_free(w->vocab);
    zhsi_xwdb_close(w->x);
    zhsi_segmenter_free(w->prep.seg);
    zhsi_dict_free(w->dict);
    free(w->dir);
    free(w);
}

zhs_status zhs_writer_parallel(zhs_writer *w, unsigned parts, int *engaged,
                               char **errmsg)
{
    unsigned n = 0;
    long ncpu;
    zhs_status st;

    if (engaged)
        *engaged = 0;
    if (w->bulk != NULL) {
        if (engaged)
            *engaged = 1;
        return ZHS_OK;
    }
    if ((st = zhsi_xwdb_doccount(w->x, &n, errmsg)) != ZHS_OK || n > 0)
        return st;
    if (parts == 0) {
        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        parts = ncpu > 1 ? (unsigned)ncpu : 1;
    }
    st = zhsi_bulk_start(w->dir, w->x, parts, &w->bulk, errmsg);
    if (st != ZHS_OK)
        zhsi_errmsg_prefix(errmsg, w->dir);
    else if (engaged)
        *engaged = 1;
    return st;
}

zhs_status zhs_writer_commit(zhs_writer *w, char **errmsg)
{
    zhs_status st;

    if (w->bulk != NULL) {
        /* The merged build replaces the empty index; the writer then
         * goes on with the new one. */
        st = zhsi_bulk_finish(w->bulk, w->vocab, errmsg);
        zhsi_bulk_free(w->bulk);
        w->bulk = NULL;
        if (st == ZHS_OK) {
            zhsi_xwdb_close(w->x);
            w->x = NULL;
            st = zhsi_xwdb_open(w->dir, &w->x, errmsg);
            if (st == ZHS_OK)
                st = zhsi_xwdb_doccount(w->x, &w->doccount, errmsg);
        }
    } else {
        st = zhsi_vocab_write(w->vocab, w->x, errmsg);
        if (st == ZHS_OK)
            st = zhsi_xwdb_commit(w->x, errmsg);
    }
    if (st != ZHS_OK)
        zhsi_errmsg_prefix(errmsg, w->dir);
    return st;
}

/* Where the terms of one text go: a prefix and a within-document
 * frequency per occurrence.  No term carries positions (see the scheme in
 * zhs-int.h): exact substrings are checked against the stored normalized
 * text instead, which halves the writer's cost and shrinks the index. */
struct target {
    const char *prefix;
    unsigned wdf;
};

/* The distinct terms of one document with their frequencies, gathered
 * before any reaches Xapian: a document repeats most of its bigrams and
 * characters, and Xapian's Document keeps its terms in a std::map, so
 * adding each distinct term once (sorted) saves most of that work. */
struct tbag {
    char *arena;         /* the terms' bytes */
    size_t used, cap;    /* bytes of arena */
    struct tslot {
        uint32_t off;    /* term at arena + off */
        uint16_t len;    /* its bytes (0: empty slot) */
        uint32_t wdf;    /* summed within-document frequency */
        uint32_t hash;
    } *slots;
    size_t nslots, n;    /* slots (a power of 2), terms held */
    int oom;
};

static uint32_t term_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int tbag_grow(struct tbag *b)
{
    size_t ns = b->nslots ? b->nslots * 2 : 4096, i, j;
    struct tslot *nv = calloc(ns, sizeof *nv);

    if (nv == NULL)
        return -1;
    for (i = 0; i < b->nslots; i++) {
        if (b->slots[i].len == 0)
            continue;
        for (j = b->slots[i].hash & (ns - 1); nv[j].len; j = (j + 1) & (ns - 1))
            ;
        nv[j] = b->slots[i];
    }
    free(b->slots);
    b->slots = nv;
    b->nslots = ns;
    return 0;
}

static void tbag_add(struct tbag *b, const char *term, size_t len,
                     unsigned wdf)
{
    uint32_t h;
    size_t j;

    if (b->oom || len == 0 || len > 0xFFFF)
        return;
    if ((b->n + 1) * 2 > b->nslots && tbag_grow(b) < 0) {
        b->oom = 1;
        return;
    }
    h = term_hash(term, len);
    for (j = h & (b->nslots - 1); b->slots[j].len; j = (j + 1) & (b->nslots - 1))
        if (b->slots[j].hash == h && b->slots[j].len == len
            && memcmp(b->arena + b->slots[j].off, term, len) == 0) {
            b->slots[j].wdf += wdf;
            return;
        }
    if (b->used + len > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 65536;
        char *na;
        while (nc < b->used + len)
            nc *= 2;
        if (nc > 0xFFFFFFFFu || (na = realloc(b->arena, nc)) == NULL) {
            b->oom = 1;
            return;
        }
        b->arena = na;
        b->cap = nc;
    }
    memcpy(b->arena + b->used, term, len);
    b->slots[j].off = (uint32_t)b->used;
    b->slots[j].len = (uint16_t)len;
    b->slots[j].wdf = wdf;
    b->slots[j].hash = h;
    b->used += len;
    b->n++;
}

/* A term's sort key: its first 8 bytes, big-endian, zero-padded.  Keys
 * order terms as memcmp does, except that equal keys leave the bytes
 * after the eighth and the lengths to compare. */
struct skey {
    uint64_t key;
    uint32_t slot;
};

static uint64_t term_key(const char *s, size_t len)
{
    uint64_t k = 0;
    size_t i;
    for (i = 0; i < 8; i++)
        k = k << 8 | (i < len ? (unsigned char)s[i] : 0);
    return k;
}

static _Thread_local const struct tbag *sort_bag;

/* Byte order of two terms whose keys are equal. */
static int same_key_cmp(const void *a, const void *b)
{
    const struct tslot *x = &sort_bag->slots[((const struct skey *)a)->slot];
    const struct tslot *y = &sort_bag->slots[((const struct skey *)b)->slot];
    if (x->len > 8 && y->len > 8) {
        size_t n = (x->len < y->len ? x->len : y->len) - 8u;
        int c = memcmp(sort_bag->arena + x->off + 8,
                       sort_bag->arena + y->off + 8, n);
        if (c)
            return c;
    }
    return (int)x->len - (int)y->len;
}

/* Sorts k[0..n) into the terms' byte order: a radix sort of the keys
 * (8 passes of a byte, skipping those where every key has the same byte),
 * then the rare runs of equal keys by their other bytes.  A document's
 * terms went through qsort's callback before: 7% of a first build. */
static int sort_terms(struct skey *k, size_t n, const struct tbag *b)
{
    struct skey *tmp = malloc((n + 1) * sizeof *tmp), *src = k, *dst = tmp;
    size_t count[256], i, j;
    int pass;

    if (tmp == NULL)
        return -1;
    for (pass = 0; pass < 8; pass++) {
        unsigned shift = 8u * (unsigned)pass;
        size_t sum = 0;
        memset(count, 0, sizeof count);
        for (i = 0; i < n; i++)
            count[(src[i].key >> shift) & 0xFF]++;
        if (n == 0 || count[(src[0].key >> shift) & 0xFF] == n)
            continue;
        for (j = 0; j < 256; j++) {
            size_t c = count[j];
            count[j] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            dst[count[(src[i].key >> shift) & 0xFF]++] = src[i];
        src = dst;
        dst = src == k ? tmp : k;
    }
    if (src != k)
        memcpy(k, src, n * sizeof *k);
    free(tmp);
    sort_bag = b;
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && k[j].key == k[i].key; j++)
            ;
        if (j - i > 1)
            qsort(k + i, j - i, sizeof *k, same_key_cmp);
    }
    return 0;
}

/* Hands the bag's terms to doc in byte order (Xapian's std::map of the
 * document's terms fills faster in order) and empties the bag. */
static zhs_status tbag_flush(struct tbag *b, zhsi_xdoc *doc, char **errmsg)
{
    size_t i, k = 0;
    zhs_status st = ZHS_OK;
    struct skey *keys = NULL;

    if (b->oom || (keys = malloc((b->n + 1) * sizeof *keys)) == NULL)
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    for (i = 0; st == ZHS_OK && i < b->nslots; i++)
        if (b->slots[i].len) {
            keys[k].key = term_key(b->arena + b->slots[i].off,
                                   b->slots[i].len);
            keys[k++].slot = (uint32_t)i;
        }
    if (st == ZHS_OK && sort_terms(keys, k, b) < 0)
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    for (i = 0; st == ZHS_OK && i < k; i++) {
        const struct tslot *t = &b->slots[keys[i].slot];
        st = zhsi_xdoc_add_term(doc, b->arena + t->off, t->len, t->wdf,
                                errmsg);
    }
    free(keys);
    free(b->slots);
    free(b->arena);
    memset(b, 0, sizeof *b);
    return st;
}

/* ---- the vocabulary ---------------------------------------------- */

struct zhsi_vocab {
    struct tbag bag;     /* word -> documents */
};

zhsi_vocab *zhsi_vocab_new(void)
{
    return calloc(1, sizeof(zhsi_vocab));
}

int zhsi_vocab_add(zhsi_vocab *v, const zhs_prepared *p)
{
    size_t i = 0, n;

    while (i < p->nwords) {
        n = strlen(p->words + i);
        tbag_add(&v->bag, p->words + i, n, 1);
        i += n + 1;
    }
    return v->bag.oom ? -1 : 0;
}

struct vword {
    const char *w;
    size_t len;
    unsigned add;        /* documents of the batch holding it */
};

static int by_vword(const void *a, const void *b)
{
    const struct vword *x = a, *y = b;
    int c = memcmp(x->w, y->w, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The pinyin keys of the batch's Han words (pinyin.c), written with the
 * counts the words had before this batch: those are read first, in one
 * walk over the spelling table. */
static zhs_status pinyin_keys(struct tbag *b, zhsi_xwdb *x, char **errmsg)
{
    struct vword *v = malloc((b->n + 1) * sizeof *v);
    const char **w = malloc((b->n + 1) * sizeof *w);
    size_t *lens = malloc((b->n + 1) * sizeof *lens);
    unsigned *old = malloc((b->n + 1) * sizeof *old);
    size_t i, n = 0;
    zhs_status st = ZHS_OK;

    if (v == NULL || w == NULL || lens == NULL || old == NULL)
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    for (i = 0; st == ZHS_OK && i < b->nslots && n < b->n + 1; i++)
        if (b->slots[i].len && ZHSI_PY_CANDIDATE(b->arena + b->slots[i].off))
            v[n++] = (struct vword){b->arena + b->slots[i].off,
                                    b->slots[i].len, b->slots[i].wdf};
    if (st == ZHS_OK && n > 0) {
        qsort(v, n, sizeof *v, by_vword);
        for (i = 0; i < n; i++) {
            w[i] = v[i].w;
            lens[i] = v[i].len;
        }
        st = zhsi_xwdb_spelling_freqs(x, w, lens, n, old, errmsg);
    }
    if (st == ZHS_OK && n > 0) {
        for (i = 0; st == ZHS_OK && i < n; i++)
            st = zhsi_pinyin_index_word(x, w[i], lens[i], old[i], v[i].add,
                                        errmsg);
    }
    free(v);
    free(w);
    free(lens);
    free(old);
    return st;
}

zhs_status zhsi_vocab_write(zhsi_vocab *v, zhsi_xwdb *x, char **errmsg)
{
    struct tbag *b = &v->bag;
    size_t i;
    zhs_status st = ZHS_OK;

    if (b->oom)
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    if (st == ZHS_OK)
        st = pinyin_keys(b, x, errmsg);
    for (i = 0; st == ZHS_OK && i < b->nslots; i++)
        if (b->slots[i].len)
            st = zhsi_xwdb_add_spelling(x, b->arena + b->slots[i].off,
                                        b->slots[i].len, b->slots[i].wdf,
                                        errmsg);
    free(b->slots);
    free(b->arena);
    memset(b, 0, sizeof *b);
    return st;
}

void zhsi_vocab_free(zhsi_vocab *v)
{
    if (v == NULL)
        return;
    free(v->bag.slots);
    free(v->bag.arena);
    free(v);
}

/* The distinct words of a bag as NUL-terminated strings in p->words. */
static zhs_status take_words(struct tbag *b, zhs_prepared *p, char **errmsg)
{
    size_t i, k = 0;

    if (b->oom || (p->words = malloc(b->used + b->n + 1)) == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    for (i = 0; i < b->nslots; i++)
        if (b->slots[i].len) {
            memcpy(p->words + k, b->arena + b->slots[i].off, b->slots[i].len);
            k += b->slots[i].len;
            p->words[k++] = '\0';
        }
    p->nwords = k;
    return ZHS_OK;
}

/* Term generation state: a sticky status, FTS5-style, so the callbacks
 * need no error plumbing of their own. */
struct termgen {
    struct tbag bag;     /* the document's terms so far */
    struct tbag words;   /* its distinct words (the body's and title's) */
    const uint32_t *cps; /* normalized text being indexed */
    const struct target *tg;
    size_t ntg;
    zhs_status st;
    char **errmsg;
};

static void add_term(struct termgen *g, const struct target *t,
                     const char *term, size_t len)
{
    tbag_add(&g->bag, term, len, t->wdf);
}

/* Words of three or more code points: shorter ones are the character and
 * bigram terms already. */
static int add_word(size_t start, size_t end, void *arg)
{
    struct termgen *g = arg;
    char buf[ZHSI_MAX_WORD_BYTES + 8];
    size_t i, j, k, p;

    if (end - start < 2)
        return 0;
    for (k = 0, i = start; i < end && k + 4 <= ZHSI_MAX_WORD_BYTES; i++)
        k += zhsi_utf8_put(buf + k, g->cps[i]);
    if (i == end)
        tbag_add(&g->words, buf, k, 1);
    if (end - start < 3)
        return 0;
    for (j = 0; j < g->ntg; j++) {
        k = strlen(g->tg[j].prefix);
        memcpy(buf, g->tg[j].prefix, k);
        p = k;
        for (i = start; i < end; i++) {
            if (k + 4 > ZHSI_MAX_WORD_BYTES + p)
                return 0;               /* over-long tokens do not rank */
            k += zhsi_utf8_put(buf + k, g->cps[i]);
        }
        add_term(g, &g->tg[j], buf, k);
    }
    return g->st != ZHS_OK;
}

/* The "W" term of the run of ASCII letters and digits starting at c[i],
 * and the "V" terms of it with the next runs joined by single '-' or '_'
 * (up to ZHSI_RUN_GROUP runs), squeezed: e-mail gives We and Vemail here,
 * and Wmail at its own start. */
static void add_run_terms(struct termgen *g, const struct target *x,
                          const uint32_t *c, size_t n, size_t i)
{
    uint32_t run[ZHSI_MAX_RUN];
    char term[ZHSI_MAX_RUN + 8];
    size_t j = i, e, k, len = 0, runs = 0;

    for (;;) {
        for (e = j; e < n && zhsi_is_alnum(c[e]); e++)
            ;
        if (len + (e - j) > ZHSI_MAX_RUN)
            return;
        memcpy(run + len, c + j, (e - j) * sizeof *run);
        len += e - j;
        k = zhsi_run_term(term, x->prefix, runs > 0, run, len);
        tbag_add(&g->bag, term, k, 0);  /* a filter: lengths, and so
                                           BM25, stay as they were */
        if (++runs == ZHSI_RUN_GROUP || e + 1 >= n || !zhsi_is_joiner(c[e])
            || !zhsi_is_alnum(c[e + 1]))
            return;
        j = e + 1;
    }
}

/* Adds the words, characters, bigrams and token boundaries of normalized
 * text t to every target, segmenting it once. */
static void add_text_terms(zhsi_segmenter *seg, struct termgen *g,
                           const zhsi_text *t, const struct target *tg,
                           size_t ntg)
{
    const uint32_t *c = t->norm;
    char term[24];
    size_t i, j, k, n = t->nnorm;

    g->cps = c;
    g->tg = tg;
    g->ntg = ntg;
    if (g->st == ZHS_OK)
        g->st = zhsi_segment(seg, c, n, add_word, g, g->errmsg);
    for (j = 0; j < ntg; j++) {
        const struct target *x = &tg[j];
        for (i = 0; g->st == ZHS_OK && i < n; i++) {
            if (c[i] != ' ') {
                k = zhsi_unigram_term(term, x->prefix, c[i]);
                add_term(g, x, term, k);
            }
            if (i + 1 < n) {
                k = zhsi_bigram_term(term, x->prefix, c[i], c[i + 1]);
                add_term(g, x, term, k);
            }
            if (!zhsi_is_alnum(c[i]))
                continue;
            /* utf-8 and utf_8 also have utf8's bigram f8 (a joint) */
            if (i + 2 < n && zhsi_is_joiner(c[i + 1])
                && zhsi_is_alnum(c[i + 2])) {
                k = zhsi_bigram_term(term, x->prefix, c[i], c[i + 2]);
                add_term(g, x, term, k);
            }
            if (i == 0 || !zhsi_is_alnum(c[i - 1])) {
                k = zhsi_bigram_term(term, x->prefix, ZHSI_BOUNDARY, c[i]);
                add_term(g, x, term, k);
                add_run_terms(g, x, c, n, i);
            }
            if (i + 1 == n || !zhsi_is_alnum(c[i + 1])) {
                k = zhsi_bigram_term(term, x->prefix, c[i], ZHSI_BOUNDARY);
                add_term(g, x, term, k);
            }
        }
    }
}

/* Filter terms and values: source, date (value, year, month). */
/* The "A" term of author[0..len), normalized (nothing for blank text). */
static zhs_status add_author_term(zhsi_xdoc *doc, const char *author,
                                  size_t len, char **errmsg)
{
    char term[256], *s;
    zhsi_text t = {0};
    zhs_status st = zhsi_text_build(author, len, ZHSI_TEXT_NORM_ONLY, &t,
                                    errmsg);

    if (st == ZHS_OK && t.nnorm > 0) {
        if ((s = zhsi_utf8_encode(t.norm, t.nnorm)) == NULL) {
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        } else {
            zhsi_field_term(term, ZHSI_PFX_AUTHOR[0], s, ZHSI_FIELD_MAX);
            free(s);
            st = zhsi_xdoc_add_boolean(doc, term, strlen(term), errmsg);
        }
    }
    zhsi_text_free(&t);
    return st;
}

/* The byte length of the separator at s, or 0: between the names of a
 * list (level 0: , ; / | and their full-width forms, 、) or between the
 * words of a name (level 1: white space, the ideographic space too). */
static size_t author_sep(const char *s, int level)
{
    static const char *const wide[] = {"\xef\xbc\x8c", "\xef\xbc\x9b",
                                       "\xe3\x80\x81", "\xef\xbc\x8f",
                                       "\xe3\x80\x80"};
    size_t k;

    if (*s != '\0' && strchr(level ? " \t\r\n" : ",;/|", *s) != NULL)
        return 1;
    for (k = level ? 4 : 0; k < (level ? 5u : 4u); k++)
        if (strncmp(s, wide[k], 3) == 0)
            return 3;
    return 0;
}

/* "A" terms for author[0..len): it whole, then each of its parts at the
 * next level down.  So the field "记者 张三、李四" gives the terms
 * 记者张三、李四 and 记者张三 (normalized: the space between CJK is layout),
 * 记者, 张三 and 李四; "A. Smith, B. Jones" gives "a. smith, b. jones",
 * "a. smith", "a.", "smith", "b. jones", "b." and "jones".  (A term added
 * twice is one.) */
static zhs_status add_author_terms(zhsi_xdoc *doc, const char *author,
                                   size_t len, int level, char **errmsg)
{
    size_t i = 0, a = 0, k;
    zhs_status st = add_author_term(doc, author, len, errmsg);

    while (st == ZHS_OK && level < 2) {
        k = i < len ? author_sep(author + i, level) : 1;
        if (k == 0) {
            i++;
            continue;
        }
        if (i > a && (a > 0 || i < len))   /* a part, not the whole */
            st = add_author_terms(doc, author + a, i - a, level + 1, errmsg);
        else if (i > a)
            st = add_author_terms(doc, author, len, level + 1, errmsg);
        if (i >= len)
            break;
        i += k;
        a = i;
    }
    return st;
}

static zhs_status add_meta_terms(zhsi_xdoc *doc, const zhs_doc *d,
                                 char **errmsg)
{
    char term[256], lo[9], hi[9];
    zhs_status st = ZHS_OK;

    if (d->source && d->source[0]) {
        zhsi_text t;
        char *s;
        st = zhsi_text_build(d->source, strlen(d->source),
                             ZHSI_TEXT_NORM_ONLY, &t, errmsg);
        if (st != ZHS_OK)
            return st;
        s = zhsi_utf8_encode(t.norm, t.nnorm);
        zhsi_text_free(&t);
        if (s == NULL)
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        zhsi_field_term(term, ZHSI_PFX_SOURCE[0], s, ZHSI_FIELD_MAX);
        free(s);
        st = zhsi_xdoc_add_boolean(doc, term, strlen(term), errmsg);
        if (st == ZHS_OK)
            st = zhsi_xdoc_set_value(doc, ZHSI_SLOT_SOURCE, d->source,
                                     errmsg);
    }
    if (st == ZHS_OK && d->date) {
        if (zhsi_date_range(d->date, strlen(d->date), lo, hi) < 0)
            return zhsi_fail(errmsg, ZHS_EUSAGE, "invalid date '%.40s' (want "
                             "YYYY-MM-DD, YYYY-MM or YYYY)", d->date);
        st = zhsi_xdoc_set_value(doc, ZHSI_SLOT_DATE, lo, errmsg);
        snprintf(term, sizeof term, ZHSI_PFX_YEAR "%.4s", lo);
        if (st == ZHS_OK)
            st = zhsi_xdoc_add_boolean(doc, term, strlen(term), errmsg);
        if (st == ZHS_OK)
            st = zhsi_xdoc_set_value(doc, ZHSI_SLOT_YEAR, term + 1, errmsg);
        snprintf(term, sizeof term, ZHSI_PFX_MONTH "%.6s", lo);
        if (st == ZHS_OK && strncmp(lo + 4, "00", 2) != 0)
            st = zhsi_xdoc_add_boolean(doc, term, strlen(term), errmsg);
        snprintf(term, sizeof term, "%.4s-%.2s", lo, lo + 4);
        if (st == ZHS_OK && strncmp(lo + 4, "00", 2) != 0)
            st = zhsi_xdoc_set_value(doc, ZHSI_SLOT_MONTH, term, errmsg);
    }
    if (st == ZHS_OK && d->author && d->author[0])
        st = add_author_terms(doc, d->author, strlen(d->author), 0, errmsg);
    return st;
}

/* The title's key and length ("T" and "L" terms, see the scheme). */
static zhs_status add_title_terms(zhsi_xdoc *doc, const zhsi_text *title,
                                  char **errmsg)
{
    char term[ZHSI_FIELD_TERM_BUF], *s;
    uint32_t *key;
    unsigned units = 0;
    size_t k;
    zhs_status st = ZHS_OK;

    if (title->nnorm == 0)
        return ZHS_OK;
    if ((key = malloc(title->nnorm * sizeof *key)) == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    k = zhsi_title_key(title->norm, title->nnorm, key, &units);
    if (k > 0) {
        if ((s = zhsi_utf8_encode(key, k)) == NULL) {
            free(key);
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        }
        zhsi_field_term(term, ZHSI_PFX_TITLE_KEY[0], s, ZHSI_FIELD_MAX);
        free(s);
        st = zhsi_xdoc_add_boolean(doc, term, strlen(term), errmsg);
        snprintf(term, sizeof term, ZHSI_PFX_TITLE_UNITS "%u",
                 units < ZHSI_MAX_UNITS ? units : ZHSI_MAX_UNITS);
        if (st == ZHS_OK)
            st = zhsi_xdoc_add_boolean(doc, term, strlen(term), errmsg);
    }
    free(key);
    return st;
}

/* Appends normalized text t to buf at *k: as UTF-8, or as UTF-16LE. */
static void put_norm(char *buf, size_t *k, const zhsi_text *t, int wide)
{
    size_t i;
    for (i = 0; i < t->nnorm; i++) {
        uint32_t c = t->norm[i] ? t->norm[i] : ' ';
        if (!wide) {
            *k += zhsi_utf8_put(buf + *k, c);
        } else {
            *k += zhsi_utf16_put(buf + *k, c);
        }
    }
}

/* Bytes of t as UTF-8 and as UTF-16. */
static void norm_sizes(const zhsi_text *t, size_t *u8, size_t *u16)
{
    size_t i;
    for (i = 0; i < t->nnorm; i++) {
        uint32_t c = t->norm[i];
        *u8 += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        *u16 += c < 0x10000 ? 2 : 4;
    }
}

/* Value ZHSI_SLOT_NORM (see the scheme): the normalized title and body,
 * which exact-substring checks read (a value is read without inflating
 * the compressed record: ten times faster).  They are kept in UTF-16 when
 * that is smaller (Chinese text: 2 bytes a character against 3), else in
 * UTF-8.  *len is its length. */
static char *norm_value(const zhsi_text *title, const zhsi_text *body,
                        size_t *len)
{
    size_t u8 = 0, u16 = 0, k = 0;
    char *all;
    int wide;

    norm_sizes(title, &u8, &u16);
    norm_sizes(body, &u8, &u16);
    wide = u16 < u8;
    if ((all = malloc((wide ? u16 : u8) + 4)) == NULL)
        return NULL;
    all[k++] = wide ? ZHSI_NORM_UTF16 : ZHSI_NORM_UTF8;
    put_norm(all, &k, title, wide);
    all[k++] = '\0';
    if (wide)
        all[k++] = '\0';
    put_norm(all, &k, body, wide);
    *len = k;
    return all;
}

static zhs_status check_field(const char *name, const char *v, char **errmsg)
{
    size_t bad;

    if (v == NULL)
        return ZHS_OK;
    bad = zhsi_utf8_invalid_at(v, strlen(v));
    if (bad != (size_t)-1)
        return zhsi_fail(errmsg, ZHS_EENCODING,
                         "%s: invalid UTF-8 at byte offset %zu", name, bad);
    return ZHS_OK;
}

/* Hashes the content that decides whether a document must be indexed
 * again: every field, the text, the term scheme and the dictionary. */
static void doc_hash(const char *dict_id, const zhs_doc *d, char out[17])
{
    /* not the path: the same file read from another working directory
     * is the same document */
    const char *f[] = {d->id, d->title, d->date, d->source, d->url,
                       d->author, d->origin, ZHSI_SCHEME, dict_id};
    uint64_t h = ZHS_FNV1A_INIT;
    size_t i;

    for (i = 0; i < sizeof f / sizeof f[0]; i++) {
        h = zhs_fnv1a(h, f[i] ? f[i] : "\x01", f[i] ? strlen(f[i]) : 1);
        h = zhs_fnv1a(h, "", 1);
    }
    h = zhs_fnv1a(h, d->text ? d->text : "", d->text ? d->text_len : 0);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

void zhs_writer_doc_hash(zhs_writer *w, const zhs_doc *doc, char out[17])
{
    doc_hash(w->dict_id, doc, out);
}

/* The term naming where a document came from, for --prune. */
static void origin_term(const char *origin, char out[18])
{
    snprintf(out, 18, ZHSI_PFX_ORIGIN "%016llx", (unsigned long long)zhs_fnv1a(
                 ZHS_FNV1A_INIT, origin, strlen(origin)));
}

/* An origin term for the origin and for each directory above it
 * (/a/b/c.jsonl: /a/b/c.jsonl, /a/b, /a), so that pruning a directory
 * finds whatever was read from under it, whichever PATH named it. */
static zhs_status add_origin_terms(zhsi_xdoc *doc, const char *origin,
                                   char **errmsg)
{
    char oterm[18];
    size_t i = strlen(origin);
    zhs_status st = ZHS_OK;

    origin_term(origin, oterm);
    st = zhsi_xdoc_add_boolean(doc, oterm, strlen(oterm), errmsg);
    while (st == ZHS_OK && i-- > 1)
        if (origin[i] == '/' && origin[i - 1] != '/') {
            snprintf(oterm, sizeof oterm, ZHSI_PFX_ORIGIN "%016llx", (unsigned long long)
                     zhs_fnv1a(ZHS_FNV1A_INIT, origin, i));
            st = zhsi_xdoc_add_boolean(doc, oterm, strlen(oterm), errmsg);
        }
    return st;
}

unsigned zhs_writer_doc_count(zhs_writer *w) { return w->doccount; }

zhs_status zhs_writer_preparer(zhs_writer *w, zhs_preparer **out,
                               char **errmsg)
{
    zhs_preparer *p = calloc(1, sizeof *p);
    zhs_status st;

    if (p == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    if ((st = zhsi_segmenter_new(&p->seg, errmsg)) != ZHS_OK) {
        free(p);
        return st;
    }
    zhsi_segmenter_set_dict(p->seg, w->dict);   /* read-only: shareable */
    p->dict_id = w->dict_id;
    *out = p;
    return ZHS_OK;
}

void zhs_preparer_free(zhs_preparer *p)
{
    if (p == NULL)
        return;
    zhsi_segmenter_free(p->seg);
    free(p);
}

void zhs_prepared_free(zhs_prepared *p)
{
    if (p == NULL)
        return;
    zhsi_xdoc_free(p->doc);
    free(p->idterm);
    free(p->words);
    free(p);
}

/* The SimHash of the body (value and band terms), if it is long enough
 * to have one. */
static zhs_status add_simhash(zhsi_xdoc *doc, const zhsi_text *body,
                              uint64_t *sim, uint16_t sig[ZHSI_SIG_BINS],
                              int *has, char **errmsg)
{
    char buf[24], v[ZHSI_SIMHASH_VALUE_LEN];
    unsigned b;
    zhs_status st;

    *has = zhsi_simhash_sig(body->norm, body->nnorm, sim, sig) == 0;
    if (!*has)
        return ZHS_OK;
    zhsi_format_simhash_value(*sim, sig, v);
    st = zhsi_xdoc_set_value_n(doc, ZHSI_SLOT_SIMHASH, v, sizeof v, errmsg);
    for (b = 0; st == ZHS_OK && b < ZHSI_DUP_BANDS; b++) {
        size_t k = zhsi_band_term(buf, *sim, b);
        st = zhsi_xdoc_add_boolean(doc, buf, k, errmsg);
    }
    return st;
}

zhs_status zhs_prepare(zhs_preparer *p, const zhs_doc *d, zhs_prepared **out,
                       char **errmsg)
{
    /* The title adds weight to the body's terms and has an "S" space of
     * its own for title: queries. */
    static const struct target body_tg[] = {{"", 1}};
    static const struct target title_tg[] = {{"", ZHSI_TITLE_WDF},
                                             {ZHSI_PFX_TITLE, 1}};
    zhsi_text body = {0}, title = {0};
    struct termgen g = {0};
    zhsi_xdoc *doc = NULL;
    zhs_prepared *pr = NULL;
    char *data = NULL, *norm = NULL, hash[17];
    uint64_t sim = 0;
    uint16_t sig[ZHSI_SIG_BINS];
    int has_sim = 0;
    size_t idlen, normlen = 0;
    zhs_status st;

    if (d->id == NULL || d->id[0] == '\0')
        return zhsi_fail(errmsg, ZHS_EUSAGE, "document has no id");
    idlen = strlen(d->id);
    if (idlen > MAX_ID_BYTES)
        return zhsi_fail(errmsg, ZHS_EUSAGE, "%.40s...: id longer than %d "
                         "bytes", d->id, MAX_ID_BYTES);
    if ((st = check_field("id", d->id, errmsg)) != ZHS_OK
        || (st = check_field("title", d->title, errmsg)) != ZHS_OK
        || (st = check_field("path", d->path, errmsg)) != ZHS_OK
        || (st = check_field("date", d->date, errmsg)) != ZHS_OK
        || (st = check_field("source", d->source, errmsg)) != ZHS_OK
        || (st = check_field("url", d->url, errmsg)) != ZHS_OK
        || (st = check_field("author", d->author, errmsg)) != ZHS_OK
        || (st = check_field("origin", d->origin, errmsg)) != ZHS_OK)
        return st;
    /* indexing needs the normalized form only (display is for hits) */
    st = zhsi_text_build(d->text ? d->text : "", d->text ? d->text_len : 0,
                         ZHSI_TEXT_DOC | ZHSI_TEXT_NORM_ONLY, &body, errmsg);
    if (st == ZHS_OK && d->title)
        st = zhsi_text_build(d->title, strlen(d->title), ZHSI_TEXT_NORM_ONLY,
                             &title, errmsg);
    if (st != ZHS_OK)
        goto out;

    g.st = zhsi_xdoc_new(&doc, errmsg);
    g.errmsg = errmsg;
    add_text_terms(p->seg, &g, &body, body_tg, 1);
    add_text_terms(p->seg, &g, &title, title_tg, 2);
    if ((st = g.st) != ZHS_OK || (st = tbag_flush(&g.bag, doc, errmsg))
        != ZHS_OK || (st = add_meta_terms(doc, d, errmsg)) != ZHS_OK
        || (st = add_title_terms(doc, &title, errmsg)) != ZHS_OK)
        goto out;
    if ((st = add_simhash(doc, &body, &sim, sig, &has_sim, errmsg)) != ZHS_OK)
        goto out;
    if (d->origin && (st = add_origin_terms(doc, d->origin, errmsg))
        != ZHS_OK)
        goto out;
    doc_hash(p->dict_id, d, hash);
    if ((st = zhsi_xdoc_set_value(doc, ZHSI_SLOT_HASH, hash, errmsg))
        != ZHS_OK
        || (st = zhsi_xdoc_set_value(doc, ZHSI_SLOT_ID, d->id, errmsg))
               != ZHS_OK)
        goto out;
    data = zhsi_stored_encode(d);
    norm = norm_value(&title, &body, &normlen);
    pr = calloc(1, sizeof *pr);
    if (data == NULL || norm == NULL || pr == NULL
        || (pr->idterm = zhsi_id_term(d->id)) == NULL) {
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        goto out;
    }
    pr->simhash = sim;
    memcpy(pr->sig, sig, sizeof pr->sig);
    pr->has_simhash = has_sim;
    if ((st = take_words(&g.words, pr, errmsg)) != ZHS_OK)
        goto out;
    if ((st = zhsi_xdoc_set_data(doc, data, strlen(data), errmsg))
        != ZHS_OK
        || (st = zhsi_xdoc_set_value_n(doc, ZHSI_SLOT_NORM, norm, normlen,
                                       errmsg)) != ZHS_OK)
        goto out;
    pr->doc = doc;
    doc = NULL;
    *out = pr;
    pr = NULL;
out:
    zhs_prepared_free(pr);
    zhsi_xdoc_free(doc);
    free(g.bag.slots);
    free(g.bag.arena);
    free(g.words.slots);
    free(g.words.arena);
    zhsi_text_free(&body);
    zhsi_text_free(&title);
    free(data);
    free(norm);
    return st;
}

/* The cluster key of a document: that of the nearest near-duplicate
 * already indexed (this batch included; equal distances: the smaller
 * id), else a new key the document founds.  Its own earlier version is
 * not a candidate, so an edited document follows its text.  The writers
 * of a sharded index's shards do the same through shared_key. */
/* The probe terms of p's SimHash, in terms, pointed to by tp. */
static void probe_terms(const zhs_prepared *p,
                        char terms[][ZHSI_BAND_TERM_SIZE], char **tp)
{
    unsigned b;

    zhsi_dup_probes(p->simhash, terms);
    for (b = 0; b < ZHSI_DUP_NPROBES; b++)
        tp[b] = terms[b];
}

/* Updates *bestd, *bkey and *bid (-1 and NULL: none yet) with the
 * nearest of candidates c[0..n) to p that is a near-duplicate: not p
 * itself nor one skip(arg, id) rejects (skip may be NULL); equal
 * distances: the smaller id.  The pointers point into c. */
static void nearest_candidate(const zhsi_xcand *c, size_t n,
                              const zhs_prepared *p,
                              int (*skip)(void *, const char *), void *arg,
                              int *bestd, const char **bkey,
                              const char **bid)
{
    const char *self = p->idterm + 1;
    size_t i;

    for (i = 0; i < n; i++) {
        uint64_t h;
        uint16_t sig[ZHSI_SIG_BINS];
        int d, has_sig;
        if (strcmp(c[i].id, self) == 0 || (skip && skip(arg, c[i].id))
            || strlen(c[i].cluster) != ZHSI_CLUSTER_KEY_LEN
            || (has_sig = zhsi_parse_simhash_value(c[i].simhash,
                                                   c[i].simhash_len, &h,
                                                   sig)) < 0)
            continue;
        d = zhsi_hamming(h, p->simhash);
        if (d <= ZHSI_DUP_MAX_BITS
            && zhsi_dup_confirmed(has_sig ? sig : NULL, p->sig)
            && (*bestd < 0 || d < *bestd
                || (d == *bestd && strcmp(c[i].id, *bid) < 0))) {
            *bestd = d;
            *bkey = c[i].cluster;
            *bid = c[i].id;
        }
    }
}

static zhs_status cluster_key(zhs_writer *w, const zhs_prepared *p,
                              char key[ZHSI_CLUSTER_KEY_LEN + 1],
                              char **errmsg)
{
    char terms[ZHSI_DUP_NPROBES][ZHSI_BAND_TERM_SIZE];
    char *tp[ZHSI_DUP_NPROBES];
    const char *bkey = NULL, *bid = NULL;
    zhsi_xcand *c = NULL;
    size_t n = 0;
    int bestd = -1;
    zhs_status st;

    probe_terms(p, terms, tp);
    st = zhsi_xwdb_candidates(w->x, tp, ZHSI_DUP_NPROBES,
                              ZHSI_DUP_MAX_CANDIDATES, &c, &n, errmsg);
    if (st != ZHS_OK)
        return st;
    nearest_candidate(c, n, p, NULL, NULL, &bestd, &bkey, &bid);
    if (bestd >= 0)
        memcpy(key, bkey, ZHSI_CLUSTER_KEY_LEN + 1);
    else
        zhsi_cluster_key(p->simhash, p->idterm + 1, key);
    zhsi_xcands_free(c, n);
    return ZHS_OK;
}

/* ---- clusters across the shards of an index -------------------------
 *
 * One document at a time, in the run's order, under the lock: the writer
 * of one index would probe that index, which holds what was committed and
 * what the run has put before the document.  Here that is the committed
 * documents of every shard (read through the stub, as of the run's start:
 * shards commit at the end), less those the run has replaced, and the
 * run's documents so far, in memory.
 */
struct zhs_clusters {
    pthread_mutex_t mu;
    pthread_cond_t turned;
    unsigned long turn;  /* the seq whose turn it is */
    int cancelled;
    zhsi_dupmem *mem;    /* the run's documents with a SimHash */
    zhsi_xdb *committed; /* every shard's committed documents, or NULL */
    char **ids;          /* ids the run has put (open addressing) */
    size_t nids, usedids;
};

zhs_status zhs_clusters_new(const char *db, int committed,
                            zhs_clusters **out, char **errmsg)
{
    zhs_clusters *c = calloc(1, sizeof *c);
    zhs_status st;

    *out = NULL;
    if (c == NULL || (c->mem = zhsi_dupmem_new()) == NULL) {
        free(c);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->turned, NULL);
    if (committed) {
        char *stub = malloc(strlen(db) + sizeof "/XAPIANDB"), *missing = NULL;
        if (stub == NULL) {
            zhs_clusters_free(c);
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        }
        sprintf(stub, "%s/XAPIANDB", db);
        st = zhsi_xdb_open_stub(stub, 0, 0, &c->committed, &missing, errmsg);
        free(stub);
        free(missing);
        if (st != ZHS_OK) {
            zhsi_errmsg_prefix(errmsg, db);
            zhs_clusters_free(c);
            return st;
        }
    }
    *out = c;
    return ZHS_OK;
}

void zhs_clusters_free(zhs_clusters *c)
{
    size_t i;

    if (c == NULL)
        return;
    zhsi_dupmem_free(c->mem);
    zhsi_xdb_close(c->committed);
    for (i = 0; i < c->nids; i++)
        free(c->ids[i]);
    free(c->ids);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->turned);
    free(c);
}

void zhs_writer_share_clusters(zhs_writer *w, zhs_clusters *c)
{
    w->clusters = c;
}

/* 1 if the run has put id (its committed version is gone), else 0. */
static int run_has(void *arg, const char *id)
{
    zhs_clusters *c = arg;
    size_t j;

    if (c->nids == 0)
        return 0;
    for (j = zhs_fnv1a(ZHS_FNV1A_INIT, id, strlen(id)) & (c->nids - 1);
         c->ids[j]; j = (j + 1) & (c->nids - 1))
        if (strcmp(c->ids[j], id) == 0)
            return 1;
    return 0;
}

static int run_add(zhs_clusters *c, const char *id)
{
    size_t j;

    if (run_has(c, id))
        return 0;
    if ((c->usedids + 1) * 2 > c->nids) {
        size_t ns = c->nids ? c->nids * 2 : 1024, i, k;
        char **nv = calloc(ns, sizeof *nv);
        if (nv == NULL)
            return -1;
        for (i = 0; i < c->nids; i++) {
            if (c->ids[i] == NULL)
                continue;
            for (k = zhs_fnv1a(ZHS_FNV1A_INIT, c->ids[i], strlen(c->ids[i]))
                     & (ns - 1);
                 nv[k]; k = (k + 1) & (ns - 1))
                ;
            nv[k] = c->ids[i];
        }
        free(c->ids);
        c->ids = nv;
        c->nids = ns;
    }
    for (j = zhs_fnv1a(ZHS_FNV1A_INIT, id, strlen(id)) & (c->nids - 1);
         c->ids[j]; j = (j + 1) & (c->nids - 1))
        ;
    if ((c->ids[j] = strdup(id)) == NULL)
        return -1;
    c->usedids++;
    return 0;
}

/* The cluster key of p, found as cluster_key finds it in one index;
 * under c's lock, in p's turn. */
static zhs_status shared_key(zhs_clusters *c, const zhs_prepared *p,
                             char key[ZHSI_CLUSTER_KEY_LEN + 1],
                             char **errmsg)
{
    const char *self = p->idterm + 1, *bkey = NULL, *bid = NULL;
    int bestd = zhsi_dupmem_nearest(c->mem, p->simhash, p->sig, self, NULL,
                                    NULL, &bkey, &bid);
    zhsi_xcand *cand = NULL;
    size_t n = 0;

    if (c->committed) {
        char terms[ZHSI_DUP_NPROBES][ZHSI_BAND_TERM_SIZE];
        char *tp[ZHSI_DUP_NPROBES];
        zhs_status st;
        probe_terms(p, terms, tp);
        st = zhsi_xdb_candidates(c->committed, tp, ZHSI_DUP_NPROBES,
                                 ZHSI_DUP_MAX_CANDIDATES, &cand, &n, errmsg);
        if (st != ZHS_OK)
            return st;
    }
    nearest_candidate(cand, n, p, run_has, c, &bestd, &bkey, &bid);
    if (bestd >= 0)
        memcpy(key, bkey, ZHSI_CLUSTER_KEY_LEN + 1);
    else
        zhsi_cluster_key(p->simhash, self, key);
    zhsi_xcands_free(cand, n);
    if (zhsi_dupmem_add(c->mem, p->simhash, p->sig, self, key) < 0)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    return ZHS_OK;
}

/* Waits for turn seq, then: the key of p (if p has a SimHash; *has_key
 * says), p's id recorded, and the turn passed on. */
static zhs_status take_turn(zhs_clusters *c, unsigned long seq,
                            const zhs_prepared *p,
                            char key[ZHSI_CLUSTER_KEY_LEN + 1],
                            int *has_key, char **errmsg)
{
    zhs_status st = ZHS_OK;

    *has_key = 0;
    pthread_mutex_lock(&c->mu);
    while (c->turn != seq && !c->cancelled)
        pthread_cond_wait(&c->turned, &c->mu);
    if (c->cancelled) {
        pthread_mutex_unlock(&c->mu);
        return zhsi_fail(errmsg, ZHS_EIO, "cancelled");
    }
    if (p != NULL) {
        if (p->has_simhash && (st = shared_key(c, p, key, errmsg)) == ZHS_OK)
            *has_key = 1;
        if (st == ZHS_OK && run_add(c, p->idterm + 1) < 0)
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    c->turn++;
    pthread_cond_broadcast(&c->turned);
    pthread_mutex_unlock(&c->mu);
    return st;
}

void zhs_clusters_pass(zhs_clusters *c, unsigned long seq)
{
    char key[ZHSI_CLUSTER_KEY_LEN + 1];
    int has_key;

    (void)take_turn(c, seq, NULL, key, &has_key, NULL);
}

void zhs_clusters_cancel(zhs_clusters *c)
{
    pthread_mutex_lock(&c->mu);
    c->cancelled = 1;
    pthread_cond_broadcast(&c->turned);
    pthread_mutex_unlock(&c->mu);
}

zhs_status zhsi_prepared_set_cluster(zhs_prepared *p, const char *key,
                                     char **errmsg)
{
    char term[ZHSI_CLUSTER_KEY_LEN + 2];
    zhs_status st = zhsi_xdoc_set_value(p->doc, ZHSI_SLOT_CLUSTER, key,
                                        errmsg);

    snprintf(term, sizeof term, ZHSI_PFX_CLUSTER "%s", key);
    return st == ZHS_OK ? zhsi_xdoc_add_boolean(p->doc, term, strlen(term),
                                                errmsg)
                        : st;
}

/* zhs_writer_put_prepared and zhs_writer_put_in_turn; seq is used only
 * with shared clusters. */
static zhs_status put_prepared(zhs_writer *w, zhs_prepared *p,
                               unsigned long seq, zhs_outcome *outcome,
                               char **errmsg)
{
    char key[ZHSI_CLUSTER_KEY_LEN + 1];
    int exists = 0, has_key = 0;
    zhs_status st;

    /* the run's first records train the index's dictionary, if it has
     * none yet (shim.cc) */
    if ((st = zhsi_xwdb_sample(w->x, p->doc, errmsg)) != ZHS_OK) {
        zhs_prepared_free(p);
        return st;
    }
    if (w->clusters != NULL) {
        st = take_turn(w->clusters, seq, p, key, &has_key, errmsg);
        if (st == ZHS_OK && zhsi_vocab_add(w->vocab, p) < 0)
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        if (st == ZHS_OK)
            st = zhsi_xwdb_term_exists(w->x, p->idterm, &exists, errmsg);
        if (st == ZHS_OK && has_key)
            st = zhsi_prepared_set_cluster(p, key, errmsg);
        goto write;
    }

    if (zhsi_vocab_add(w->vocab, p) < 0) {
        zhs_prepared_free(p);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    if (w->bulk != NULL) {
        st = zhsi_bulk_put(w->bulk, p, outcome, errmsg);
        if (st != ZHS_OK && st != ZHS_ENOMEM)
            zhsi_errmsg_prefix(errmsg, w->dir);
        return st;
    }
    st = zhsi_xwdb_term_exists(w->x, p->idterm, &exists, errmsg);

    if (st == ZHS_OK && p->has_simhash) {
        st = cluster_key(w, p, key, errmsg);
        if (st == ZHS_OK)
            st = zhsi_prepared_set_cluster(p, key, errmsg);
    }
write:
    if (st == ZHS_OK)
        st = zhsi_xwdb_replace(w->x, p->idterm, p->doc, errmsg);
    if (st == ZHS_OK && outcome)
        *outcome = exists ? ZHS_UPDATED : ZHS_ADDED;
    else if (st != ZHS_OK && st != ZHS_ENOMEM)
        zhsi_errmsg_prefix(errmsg, w->dir);   /* a write to the index failed */
    zhs_prepared_free(p);
    return st;
}

zhs_status zhs_writer_put_prepared(zhs_writer *w, zhs_prepared *p,
                                   zhs_outcome *outcome, char **errmsg)
{
    if (w->clusters != NULL) {
        zhs_prepared_free(p);
        return zhsi_fail(errmsg, ZHS_EUSAGE, "a writer sharing clusters "
                         "puts with zhs_writer_put_in_turn");
    }
    return put_prepared(w, p, 0, outcome, errmsg);
}

zhs_status zhs_writer_put_in_turn(zhs_writer *w, zhs_prepared *p,
                                  unsigned long seq, zhs_outcome *outcome,
                                  char **errmsg)
{
    return put_prepared(w, p, seq, outcome, errmsg);
}

zhs_status zhs_writer_put(zhs_writer *w, const zhs_doc *d,
                          zhs_outcome *outcome, char **errmsg)
{
    zhs_prepared *p;
    char hash[17], *idterm, *old = NULL;
    int found = 0;
    zhs_status st;

    if (d->id != NULL && d->id[0] != '\0' && strlen(d->id) <= MAX_ID_BYTES) {
        /* The same content already indexed (this batch included)? */
        if ((idterm = zhsi_id_term(d->id)) == NULL)
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        st = zhsi_xwdb_value_of(w->x, idterm, ZHSI_SLOT_HASH, &old, &found,
                                errmsg);
        free(idterm);
        if (st != ZHS_OK)
            return st;
        doc_hash(w->dict_id, d, hash);
        if (found && strcmp(old, hash) == 0) {
            free(old);
            if (outcome)
                *outcome = ZHS_UNCHANGED;
            return ZHS_OK;
        }
        free(old);
    }
    if ((st = zhs_prepare(&w->prep, d, &p, errmsg)) != ZHS_OK)
        return st;
    return zhs_writer_put_prepared(w, p, outcome, errmsg);
}

struct prune_arg {
    int (*keep)(const char *id, void *arg);
    void *arg;
};

static int keep_id(const char *idterm, void *arg)
{
    struct prune_arg *pa = arg;
    return pa->keep(idterm + 1, pa->arg);   /* past the "Q" */
}

zhs_status zhs_writer_prune(zhs_writer *w, const char *origin,
                            int (*keep)(const char *id, void *arg),
                            void *arg, unsigned *deleted, char **errmsg)
{
    struct prune_arg pa = {keep, arg};
    char oterm[18];
    unsigned n = 0;
    zhs_status st;

    origin_term(origin, oterm);
    st = zhsi_xwdb_prune(w->x, oterm, keep_id, &pa, &n, errmsg);
    if (deleted)
        *deleted = n;
    return st;
}

/* Deletion by id: a prune of the id term that keeps nothing. */
static int keep_none(const char *idterm, void *arg)
{
    (void)idterm;
    (void)arg;
    return 0;
}

zhs_status zhs_writer_delete(zhs_writer *w, const char *id, int *found,
                             char **errmsg)
{
    char *idterm;
    unsigned n = 0;
    zhs_status st;

    if (id == NULL || id[0] == '\0' || strlen(id) > MAX_ID_BYTES)
        return zhsi_fail(errmsg, ZHS_EUSAGE, "id must be 1 to %d bytes",
                         MAX_ID_BYTES);
    if ((idterm = zhsi_id_term(id)) == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    st = zhsi_xwdb_prune(w->x, idterm, keep_none, NULL, &n, errmsg);
    free(idterm);
    if (st != ZHS_OK && st != ZHS_ENOMEM)
        zhsi_errmsg_prefix(errmsg, w->dir);
    if (st == ZHS_OK && found)
        *found = n > 0;
    return st;
}

zhs_status zhs_writer_root(zhs_writer *w, char **root, char **errmsg)
{
    return zhsi_xwdb_metadata(w->x, ZHSI_META_ROOT, root, errmsg);
}

zhs_status zhs_writer_set_root(zhs_writer *w, const char *root,
                               char **errmsg)
{
    return zhsi_xwdb_set_metadata(w->x, ZHSI_META_ROOT, root, errmsg);
}
