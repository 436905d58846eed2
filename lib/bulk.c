/* bulk.c: a first build written by parallel writers.
 *
 * Xapian's writer is single-threaded and costs about as much as all the
 * rest of indexing, so a build into an empty index writes ZHSI_BULK_PARTS
 * databases at once, each from its own thread, under DIR/.zhs-build, and
 * merges them with Xapian's compaction when the run commits; the merged
 * files then replace the empty index's, iamglass (the file that makes a
 * directory a database) last.  Until then the index is what it was, and
 * a killed run leaves only the build directory, which the next run
 * removes.  Documents go to parts by a hash of their id, so a later record
 * with the same id replaces the earlier one as in a plain run.
 *
 * Near-duplicate clusters are found in memory: the build's documents are
 * the whole index, so probing each document's SimHash bands against those
 * of the documents before it gives the clusters a plain run would give,
 * without one Xapian lookup per probe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zhs-int.h"

/* A part's queue holds at most QUEUE documents and, beyond its first,
 * QUEUE_TERMS terms (a few huge documents must not hold gigabytes).  Its
 * thread takes all it holds at once, so the writer thread fills it while
 * the part writes: with a queue of 16 taken one at a time, the parts of a
 * build of 202,345 short documents were each busy half the time (the
 * writer blocked on one full queue while the other part starved), and the
 * build took 86-93 s; measured in README.md. */
#define QUEUE 256
#define QUEUE_TERMS 2000000
#define BUILD_DIR ".zhs-build"

/* One part: its database, the documents waiting for it, its thread. */
struct part {
    zhsi_xwdb *x;
    zhs_prepared *q[QUEUE];
    size_t n;            /* documents waiting, q[0..n) in order */
    size_t terms;        /* their terms */
    pthread_cond_t work; /* signalled when n becomes non-zero or closing */
    pthread_t th;
    int started;
    char *path;
};

struct zhsi_bulk {
    struct part parts[ZHSI_BULK_PARTS];
    unsigned nparts;
    pthread_mutex_t mu;  /* guards the queues, closing, st and msg */
    pthread_cond_t space; /* signalled when a queue is taken, or on failure */
    int closing;         /* no more documents: parts drain and stop */
    int commit_parts;    /* with closing: each part commits before it stops
                          * (zhsi_bulk_finish; not when a run is abandoned) */
    zhs_status st;       /* the first part failure */
    char *msg;           /* its message */
    char *dir;           /* the index directory */
    zhsi_xwdb *main_db;  /* the (empty) index's writer, for its metadata */
    char *build;         /* dir/.zhs-build */
    zhsi_dupmem *dups;   /* the build's documents so far */
    char **ids;          /* ids put so far (open addressing), for outcomes */
    size_t nids, usedids;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
    return zhs_fnv1a(ZHS_FNV1A_INIT, s, n);
}

/* ---- the part threads -------------------------------------------- */

struct part_arg {
    zhsi_bulk *b;
    struct part *pt;
};

/* When a part commits: after flush_at(total) postings (distinct terms of
 * its documents) since its last commit, total being all it has written.
 * Xapian's writer keeps a part's uncommitted postings in a red-black tree
 * per term, keyed by document, and walks it from the root for every
 * posting: that walk was two thirds of a part's time with Xapian's flush
 * every 2,000 documents, the tree far bigger than the cache.  Committing
 * every 60,000 postings (about 50 news articles) made a 10,000-document
 * build 2.0x faster; but every commit also rewrites the last block of each
 * term it touches, which costs more as the part grows (system time rose
 * from 3 to 100 s at 100,000 articles), so the interval grows with the
 * part.  Measured with tools/bench; see README.md. */
static size_t flush_at(size_t total)
{
    size_t n = total / 128;
    return n < 60000 ? 60000 : n > 500000 ? 500000 : n;
}

/* Records a part's failure st with its message *msg (taken): the first
 * one is the build's. */
static void fail_part(zhsi_bulk *b, zhs_status st, char **msg)
{
    pthread_mutex_lock(&b->mu);
    if (b->st == ZHS_OK) {
        b->st = st;
        b->msg = *msg;
        *msg = NULL;
    }
    pthread_cond_broadcast(&b->space);
    pthread_mutex_unlock(&b->mu);
    free(*msg);
    *msg = NULL;
}

static void *part_thread(void *arg)
{
    struct part_arg *pa = arg;
    zhsi_bulk *b = pa->b;
    struct part *pt = pa->pt;
    zhs_prepared *batch[QUEUE];
    char *msg = NULL;
    zhs_status st;
    size_t buffered = 0, total = 0, k, i;

    free(pa);
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (pt->n == 0 && !b->closing)
            pthread_cond_wait(&pt->work, &b->mu);
        if (pt->n == 0) {
            int commit = b->commit_parts && b->st == ZHS_OK;
            pthread_mutex_unlock(&b->mu);
            /* the last postings, written while the other parts (and the
             * vocabulary, see zhsi_bulk_finish) write theirs */
            if (commit && (st = zhsi_xwdb_commit(pt->x, &msg)) != ZHS_OK)
                fail_part(b, st, &msg);
            return NULL;
        }
        k = pt->n;
        memcpy(batch, pt->q, k * sizeof *batch);
        pt->n = 0;
        pt->terms = 0;
        st = b->st;
        pthread_cond_broadcast(&b->space);
        pthread_mutex_unlock(&b->mu);

        for (i = 0; i < k; i++) {
            zhs_prepared *p = batch[i];
            if (st == ZHS_OK)
                st = zhsi_xwdb_replace(pt->x, p->idterm, p->doc, &msg);
            if (st == ZHS_OK) {
                size_t n = zhsi_xdoc_terms(p->doc);
                buffered += n;
                total += n;
                if (buffered >= flush_at(total)) {
                    st = zhsi_xwdb_commit(pt->x, &msg);
                    buffered = 0;
                }
            }
            zhs_prepared_free(p);
        }
        if (st != ZHS_OK)
            fail_part(b, st, &msg);
    }
}

/* ---- files ------------------------------------------------------- */

/* Removes path and, if it is a directory, everything under it. */
void zhsi_remove_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;

    if (d != NULL) {
        while ((de = readdir(d)) != NULL) {
            char *sub;
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            if ((sub = malloc(strlen(path) + strlen(de->d_name) + 2)) == NULL)
                continue;
            sprintf(sub, "%s/%s", path, de->d_name);
            zhsi_remove_tree(sub);
            free(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

void zhsi_bulk_cleanup(const char *dir)
{
    char *build = malloc(strlen(dir) + sizeof BUILD_DIR + 2);
    if (build == NULL)
        return;
    sprintf(build, "%s/%s", dir, BUILD_DIR);
    zhsi_remove_tree(build);
    free(build);
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY), rc;
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* Moves the database files of `from` into `to`, iamglass last, after
 * removing to's iamglass: at every moment `to` is the old database, no
 * database (an interrupted first build), or the new one.  Tables the new
 * database lacks (position.glass of an older scheme) are removed last. */
zhs_status zhsi_swap_in(const char *from, const char *to, char **errmsg)
{
    char src[4096], dst[4096], moved[16][256];
    size_t nmoved = 0, i;
    DIR *d;
    struct dirent *de;

    snprintf(dst, sizeof dst, "%s/iamglass", to);
    if (unlink(dst) != 0 && errno != ENOENT)
        return zhsi_fail(errmsg, ZHS_EIO, "%s: %s", dst, strerror(errno));
    if ((d = opendir(from)) == NULL)
        return zhsi_fail(errmsg, ZHS_EIO, "%s: %s", from, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0
            || strcmp(de->d_name, "iamglass") == 0
            || strcmp(de->d_name, "flintlock") == 0)
            continue;
        snprintf(src, sizeof src, "%s/%s", from, de->d_name);
        snprintf(dst, sizeof dst, "%s/%s", to, de->d_name);
        if (rename(src, dst) != 0) {
            int e = errno;
            closedir(d);
            return zhsi_fail(errmsg, ZHS_EIO, "%s: %s", dst, strerror(e));
        }
        if (nmoved < sizeof moved / sizeof moved[0])
            snprintf(moved[nmoved++], sizeof moved[0], "%s", de->d_name);
    }
    closedir(d);
    if (sync_dir(to) != 0)
        return zhsi_fail(errmsg, ZHS_EIO, "%s: %s", to, strerror(errno));
    snprintf(src, sizeof src, "%s/iamglass", from);
    snprintf(dst, sizeof dst, "%s/iamglass", to);
    if (rename(src, dst) != 0 || sync_dir(to) != 0)
        return zhsi_fail(errmsg, ZHS_EIO, "%s: %s", dst, strerror(errno));
    if ((d = opendir(to)) != NULL) {
        while ((de = readdir(d)) != NULL) {
            size_t n = strlen(de->d_name);
            if (n < 7 || strcmp(de->d_name + n - 6, ".glass") != 0)
                continue;
            for (i = 0; i < nmoved && strcmp(moved[i], de->d_name) != 0; i++)
                ;
            snprintf(dst, sizeof dst, "%s/%s", to, de->d_name);
            if (i == nmoved)
                unlink(dst);
        }
        closedir(d);
    }
    return ZHS_OK;
}

/* ---- near-duplicates in memory ----------------------------------- */

/* The cluster key of a document with SimHash h and id self, as
 * writer.c's cluster_key finds it in an index, and records the document
 * for those after it. */
static zhs_status dup_key(zhsi_bulk *b, uint64_t h, const uint16_t *sig,
                          const char *self,
                          char key[ZHSI_CLUSTER_KEY_LEN + 1], char **errmsg)
{
    const char *k, *id;

    if (zhsi_dupmem_nearest(b->dups, h, sig, self, NULL, NULL, &k, &id) >= 0)
        memcpy(key, k, ZHSI_CLUSTER_KEY_LEN + 1);
    else
        zhsi_cluster_key(h, self, key);
    if (zhsi_dupmem_add(b->dups, h, sig, self, key) < 0)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    return ZHS_OK;
}

/* Records id; 1 if it was put before in this build, -1 out of memory. */
static int seen_id(zhsi_bulk *b, const char *id)
{
    size_t j;

    if ((b->usedids + 1) * 2 > b->nids) {
        size_t ns = b->nids ? b->nids * 2 : 1u << 14, i, k;
        char **nv = calloc(ns, sizeof *nv);
        if (nv == NULL)
            return -1;
        for (i = 0; i < b->nids; i++) {
            if (b->ids[i] == NULL)
                continue;
            for (k = hash_bytes(b->ids[i], strlen(b->ids[i])) & (ns - 1);
                 nv[k]; k = (k + 1) & (ns - 1))
                ;
            nv[k] = b->ids[i];
        }
        free(b->ids);
        b->ids = nv;
        b->nids = ns;
    }
    for (j = hash_bytes(id, strlen(id)) & (b->nids - 1); b->ids[j];
         j = (j + 1) & (b->nids - 1))
        if (strcmp(b->ids[j], id) == 0)
            return 1;
    if ((b->ids[j] = strdup(id)) == NULL)
        return -1;
    b->usedids++;
    return 0;
}

/* ---- the build --------------------------------------------------- */

/* The index's metadata that its writer may set (the scheme, the
 * dictionary, the root of file ids): copied into the first part at the
 * end, so that what was set during the run is kept. */
static const char *const meta_keys[] = {ZHSI_META_SCHEME, ZHSI_META_DICT,
                                        ZHSI_META_DICT_ID, ZHSI_META_DICT_NAME,
                                        ZHSI_META_ROOT, ZHSI_META_ZDICT};

static zhs_status copy_meta(zhsi_xwdb *from, zhsi_xwdb *to, char **errmsg)
{
    zhs_status st = ZHS_OK;
    size_t k;

    for (k = 0; st == ZHS_OK && k < sizeof meta_keys / sizeof meta_keys[0];
         k++) {
        char *v = NULL;
        st = zhsi_xwdb_metadata(from, meta_keys[k], &v, errmsg);
        if (st == ZHS_OK && v[0])
            st = zhsi_xwdb_set_metadata(to, meta_keys[k], v, errmsg);
        free(v);
    }
    return st;
}

zhs_status zhsi_bulk_start(const char *dir, zhsi_xwdb *main_db,
                           unsigned nparts, zhsi_bulk **out, char **errmsg)
{
    zhsi_bulk *b = calloc(1, sizeof *b);
    zhs_status st = ZHS_OK;
    unsigned i;

    if (nparts < 1)
        nparts = 1;
    if (nparts > ZHSI_BULK_PARTS)
        nparts = ZHSI_BULK_PARTS;
    if (b == NULL || (b->dir = strdup(dir)) == NULL
        || (b->build = malloc(strlen(dir) + sizeof BUILD_DIR + 2)) == NULL
        || (b->dups = zhsi_dupmem_new()) == NULL) {
        if (b) {
            free(b->dir);
            free(b->build);
        }
        free(b);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->space, NULL);
    for (i = 0; i < ZHSI_BULK_PARTS; i++)
        pthread_cond_init(&b->parts[i].work, NULL);
    b->nparts = nparts;
    b->main_db = main_db;
    sprintf(b->build, "%s/%s", dir, BUILD_DIR);
    zhsi_remove_tree(b->build);
    if (mkdir(b->build, 0777) != 0)
        st = zhsi_fail(errmsg, ZHS_EIO, "%s: %s", b->build, strerror(errno));
    for (i = 0; st == ZHS_OK && i < nparts; i++) {
        struct part *pt = &b->parts[i];
        struct part_arg *pa;
        if ((pt->path = malloc(strlen(b->build) + 16)) == NULL) {
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
            break;
        }
        sprintf(pt->path, "%s/part-%u", b->build, i);
        if ((st = zhsi_xwdb_open_part(pt->path, &pt->x, errmsg)) != ZHS_OK)
            break;
        zhsi_xwdb_share_dict(pt->x, main_db);
        if ((pa = malloc(sizeof *pa)) == NULL) {
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
            break;
        }
        pa->b = b;
        pa->pt = pt;
        if (pthread_create(&pt->th, NULL, part_thread, pa) != 0) {
            free(pa);
            st = zhsi_fail(errmsg, ZHS_EINTERNAL, "cannot start a thread");
            break;
        }
        pt->started = 1;
    }
    if (st != ZHS_OK) {
        zhsi_bulk_free(b);
        return st;
    }
    *out = b;
    return ZHS_OK;
}

zhs_status zhsi_bulk_put(zhsi_bulk *b, zhs_prepared *p, zhs_outcome *outcome,
                         char **errmsg)
{
    const char *id = p->idterm + 1;
    char key[ZHSI_CLUSTER_KEY_LEN + 1];
    struct part *pt;
    zhs_status st = ZHS_OK;
    size_t terms;
    int again;

    if (p->has_simhash) {
        st = dup_key(b, p->simhash, p->sig, id, key, errmsg);
        if (st == ZHS_OK)
            st = zhsi_prepared_set_cluster(p, key, errmsg);
    }
    if (st == ZHS_OK && (again = seen_id(b, id)) < 0)
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    if (st != ZHS_OK) {
        zhs_prepared_free(p);
        return st;
    }
    pt = &b->parts[hash_bytes(id, strlen(id)) % b->nparts];
    terms = zhsi_xdoc_terms(p->doc);
    pthread_mutex_lock(&b->mu);
    while ((pt->n == QUEUE || (pt->n > 0 && pt->terms + terms > QUEUE_TERMS))
           && b->st == ZHS_OK)
        pthread_cond_wait(&b->space, &b->mu);
    if ((st = b->st) == ZHS_OK) {
        pt->q[pt->n++] = p;
        pt->terms += terms;
        p = NULL;
        if (pt->n == 1)                 /* its thread may wait for it */
            pthread_cond_signal(&pt->work);
    } else if (b->msg) {
        zhsi_fail(errmsg, st, "%s", b->msg);
    }
    pthread_mutex_unlock(&b->mu);
    zhs_prepared_free(p);
    if (st == ZHS_OK && outcome)
        *outcome = again ? ZHS_UPDATED : ZHS_ADDED;
    return st;
}

/* Lets the part threads finish what they hold (and commit it, if commit)
 * and stop. */
static void close_parts(zhsi_bulk *b, int commit)
{
    unsigned i;

    pthread_mutex_lock(&b->mu);
    if (!b->closing)
        b->commit_parts = commit;
    b->closing = 1;
    for (i = 0; i < b->nparts; i++)
        pthread_cond_signal(&b->parts[i].work);
    pthread_mutex_unlock(&b->mu);
}

/* Lets the part threads finish what they hold (committing it only if
 * close_parts asked them to) and waits for them. */
static void stop_parts(zhsi_bulk *b)
{
    unsigned i;

    close_parts(b, 0);
    for (i = 0; i < b->nparts; i++)
        if (b->parts[i].started) {
            pthread_join(b->parts[i].th, NULL);
            b->parts[i].started = 0;
        }
}

zhs_status zhsi_bulk_finish(zhsi_bulk *b, zhsi_vocab *vocab, char **errmsg)
{
    const char *paths[ZHSI_BULK_PARTS + 1];
    char *merged = malloc(strlen(b->build) + 16);
    char *words = malloc(strlen(b->build) + 16);
    zhsi_xwdb *wx = NULL;
    zhs_status st;
    unsigned i;

    if (merged == NULL || words == NULL) {
        free(merged);
        free(words);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    sprintf(merged, "%s/merged", b->build);
    sprintf(words, "%s/words", b->build);
    /* The parts write their last postings while this thread writes the
     * build's vocabulary (spelling and pinyin keys) and the index's
     * metadata into a database of their own, which holds no document and
     * is compacted with them (1.9 s of 202,345 short documents, that
     * otherwise came after the parts' commits, one after the other). */
    close_parts(b, 1);
    st = zhsi_xwdb_open_part(words, &wx, errmsg);
    if (st == ZHS_OK && vocab != NULL)
        st = zhsi_vocab_write(vocab, wx, errmsg);
    if (st == ZHS_OK)
        st = copy_meta(b->main_db, wx, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xwdb_commit(wx, errmsg);
    zhsi_xwdb_close(wx);
    stop_parts(b);
    if (st == ZHS_OK && (st = b->st) != ZHS_OK)
        zhsi_fail(errmsg, st, "%s", b->msg ? b->msg : zhs_strerror(st));
    for (i = 0; i < b->nparts; i++) {
        zhsi_xwdb_close(b->parts[i].x);
        b->parts[i].x = NULL;
        paths[i] = b->parts[i].path;
    }
    paths[b->nparts] = words;
    if (st == ZHS_OK)
        st = zhsi_compact(paths, b->nparts + 1, merged, "zhsearch.built", "1",
                          errmsg);
    if (st == ZHS_OK)
        st = zhsi_swap_in(merged, b->dir, errmsg);
    free(merged);
    free(words);
    zhsi_remove_tree(b->build);
    return st;
}

void zhsi_bulk_free(zhsi_bulk *b)
{
    unsigned i;
    size_t k;

    if (b == NULL)
        return;
    stop_parts(b);
    for (i = 0; i < b->nparts; i++) {
        zhsi_xwdb_close(b->parts[i].x);
        for (k = 0; k < b->parts[i].n; k++)
            zhs_prepared_free(b->parts[i].q[k]);
        b->parts[i].n = 0;
        free(b->parts[i].path);
    }
    if (b->build)
        zhsi_remove_tree(b->build);
    zhsi_dupmem_free(b->dups);
    for (k = 0; k < b->nids; k++)
        free(b->ids[k]);
    free(b->ids);
    free(b->msg);
    free(b->dir);
    free(b->build);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->space);
    for (i = 0; i < ZHSI_BULK_PARTS; i++)
        pthread_cond_destroy(&b->parts[i].work);
    free(b);
}
