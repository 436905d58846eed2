/* cmd_index.c: `zhsearch index`, adding files and JSON Lines to an index.
 *
 * A run is one transaction: readers see all of it or none of it, and a run
 * that is killed, interrupted or fails leaves the index at its last commit.
 * Documents whose content hash matches the committed index are skipped
 * before any work is spent on them, so re-running over an unchanged corpus
 * only reads and hashes it.
 *
 * The work is a pipeline over a ring of RING slots: this thread reads
 * inputs and fills slots in order; worker threads prepare them (normalize,
 * segment, build the Xapian document), which is most of the cost; one
 * writer thread puts them into the index in input order (so of two records
 * with one id, the later wins).  Memory is bounded by the ring: at most
 * RING documents are in flight, plus what Xapian buffers before it flushes
 * (ZHS_FLUSH_DOCS documents).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define RING 64
#define ZHS_FLUSH_DOCS "2000"

enum slot_state { SLOT_FREE, SLOT_RAW, SLOT_BUSY, SLOT_READY };

struct slot {
    enum slot_state state;
    zhs_file_doc *doc;   /* RAW, BUSY: the input document */
    zhs_prepared *prep;  /* READY: the result, or NULL on error */
    zhs_status st;       /* READY: status of preparing */
    char *msg;           /* READY: its message */
    int root;            /* index of the PATH it came from */
    unsigned long seq;   /* its place in the run, over all lanes */
};

/* A set of strings: the ids seen in this run. */
struct idset {
    char **v;
    size_t cap, n;
};

/* One shard's pipeline: its ring, and the writer of its index. */
struct lane {
    struct slot ring[RING];
    unsigned long next_seq;   /* next slot the reader fills */
    unsigned long next_take;  /* next slot a worker prepares */
    unsigned long next_put;   /* next slot the writer puts */
    zhs_writer *w;
    const char *dir;          /* its index directory */
    int fresh;                /* never committed when the run opened it */
    off_t size[6];            /* its tables' sizes when opened (-1: none) */
    struct stat version;      /* its version file (iamglass) then */
};

/* ---- giving back the space of a failed run --------------------------
 *
 * Xapian writes a run's changes into new blocks of its table files before
 * the commit and never overwrites committed blocks; a run that fails (a
 * full disk) leaves the files grown by blocks no commit refers to, which
 * no later run frees, so that every later run fails too.  The tables are
 * cut back to their sizes when the writer opened them (under its lock),
 * and the files of an index the run created are removed.
 */
static const char *const tables[6] = {"docdata", "position", "postlist",
                                      "termlist", "spelling", "synonym"};

static void note_sizes(struct lane *l)
{
    char p[PATH_MAX];
    struct stat sb;
    unsigned t;

    for (t = 0; t < 6; t++) {
        snprintf(p, sizeof p, "%s/%s.glass", l->dir, tables[t]);
        l->size[t] = stat(p, &sb) == 0 ? sb.st_size : -1;
    }
    snprintf(p, sizeof p, "%s/iamglass", l->dir);
    if (stat(p, &l->version) != 0)
        memset(&l->version, 0, sizeof l->version);
}

/* Whether the version file is the one the writer opened: if a failed
 * commit got as far as replacing it, the new revision may refer to the
 * new blocks, and nothing may be cut. */
static int same_version(const struct lane *l)
{
    char p[PATH_MAX];
    struct stat sb;

    snprintf(p, sizeof p, "%s/iamglass", l->dir);
    return stat(p, &sb) == 0 && sb.st_ino == l->version.st_ino
        && sb.st_dev == l->version.st_dev && sb.st_size == l->version.st_size
        && sb.st_mtim.tv_sec == l->version.st_mtim.tv_sec
        && sb.st_mtim.tv_nsec == l->version.st_mtim.tv_nsec;
}

/* Before the writer is closed (it holds the lock): cuts the tables back.
 * Returns the bytes given back. */
static unsigned long long cut_back(struct lane *l)
{
    unsigned long long freed = 0;
    char p[PATH_MAX];
    struct stat sb;
    unsigned t;

    if (l->fresh || !same_version(l))
        return 0;                       /* removed after the close; or
                                           perhaps committed after all */
    for (t = 0; t < 6; t++) {
        snprintf(p, sizeof p, "%s/%s.glass", l->dir, tables[t]);
        if (l->size[t] >= 0 && stat(p, &sb) == 0 && sb.st_size > l->size[t]
            && truncate(p, l->size[t]) == 0)
            freed += (unsigned long long)(sb.st_size - l->size[t]);
    }
    return freed;
}

/* After the writer is closed: removes the files of an index this run
 * created and never committed.  Returns the bytes given back. */
static unsigned long long remove_fresh(struct lane *l)
{
    static const char *const others[] = {"iamglass", "flintlock"};
    unsigned long long freed = 0;
    char p[PATH_MAX];
    struct stat sb;
    unsigned t;

    if (!l->fresh || !same_version(l))
        return 0;
    for (t = 0; t < 6 + 2; t++) {
        snprintf(p, sizeof p, t < 6 ? "%s/%s.glass" : "%s/%s", l->dir,
                 t < 6 ? tables[t] : others[t - 6]);
        if (stat(p, &sb) == 0 && unlink(p) == 0)
            freed += (unsigned long long)sb.st_size;
    }
    rmdir(l->dir);                      /* only if nothing else is there */
    return freed;
}

struct run {
    /* options */
    const char *db, *encoding;
    int quiet, progress, prune, strict, verbose;
    /* state shared under mu */
    pthread_mutex_t mu;
    pthread_cond_t changed;
    struct lane *lanes;       /* one per shard (one for a plain index) */
    unsigned nlanes;
    zhs_clusters *clusters;   /* shards: the writers' shared clusters */
    unsigned long order;      /* documents handed to the lanes so far */
    int producing;            /* the reader may still add slots */
    int stop;                 /* a fatal error: everyone stops */
    zhs_status fatal;
    char *fatal_msg;
    /* counters (the writer's under mu; all read by the progress line) */
    unsigned long added, updated, unchanged, deleted, rejected, warned;
    unsigned long missing;    /* PATHs that do not exist */
    unsigned long skipped;    /* files left out because of their names */
    struct { char ext[16]; unsigned long n; } skipped_ext[8];
    unsigned nskipped_ext;    /* distinct extensions in skipped_ext */
    uint64_t bytes_done, bytes_total;
    /* the reader's own */
    zhs_db *committed;        /* the index as last committed, or NULL */
    struct idset seen;
    zhs_preparer **preparers;
    char **origins;           /* of each PATH: its canonical path */
    char *root;               /* the index's root: file ids are relative
                                 to it ("" until known) */
    int root_new;             /* record root at the commit */
    unsigned long *rejected_at; /* rejections under each PATH */
    int current;              /* the PATH being read */
    double t0, last_progress;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
    signal(sig, SIG_DFL);     /* a second signal ends the process at once */
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the id set -------------------------------------------------- */

static size_t str_hash(const char *s)
{
    size_t h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

/* Adds id; returns 1 if it was new, 0 if present, -1 out of memory. */
static int idset_add(struct idset *s, const char *id)
{
    size_t i;

    if (2 * (s->n + 1) > s->cap) {
        struct idset big = {NULL, s->cap ? s->cap * 2 : 1024, 0};
        if ((big.v = calloc(big.cap, sizeof *big.v)) == NULL)
            return -1;
        for (i = 0; i < s->cap; i++)
            if (s->v[i]) {
                size_t k = str_hash(s->v[i]) & (big.cap - 1);
                while (big.v[k])
                    k = (k + 1) & (big.cap - 1);
                big.v[k] = s->v[i];
                big.n++;
            }
        free(s->v);
        *s = big;
    }
    for (i = str_hash(id) & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
        if (strcmp(s->v[i], id) == 0)
            return 0;
    if ((s->v[i] = strdup(id)) == NULL)
        return -1;
    s->n++;
    return 1;
}

static int idset_has(const char *id, void *arg)
{
    const struct idset *s = arg;
    size_t i;

    if (s->cap == 0)
        return 0;
    for (i = str_hash(id) & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
        if (strcmp(s->v[i], id) == 0)
            return 1;
    return 0;
}

static void idset_free(struct idset *s)
{
    size_t i;
    for (i = 0; i < s->cap; i++)
        free(s->v[i]);
    free(s->v);
}

/* ---- errors and progress ------------------------------------------ */

/* Counts and reports an input rejected under PATH number root. */
static void reject(struct run *r, int root, const char *msg)
{
    pthread_mutex_lock(&r->mu);
    r->rejected++;
    if (r->rejected_at)
        r->rejected_at[root]++;         /* see --prune */
    pthread_mutex_unlock(&r->mu);
    if (r->progress)
        fputs("\r\033[K", stderr);
    cli_error("%s", msg);
}

/* Reports warnings (one a line) about an input that was indexed. */
static void warn_input(struct run *r, const char *msg)
{
    const char *p = msg, *nl;

    while (p && *p) {
        nl = strchr(p, '\n');
        r->warned++;                    /* the reader thread's own */
        if (r->progress)
            fputs("\r\033[K", stderr);
        cli_error("warning: %.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
        p = nl ? nl + 1 : NULL;
    }
}

/* Records an error that stops the run (the first one wins). */
static void set_fatal(struct run *r, zhs_status st, char *msg)
{
    pthread_mutex_lock(&r->mu);
    if (!r->stop) {
        r->stop = 1;
        r->fatal = st;
        r->fatal_msg = msg;
        msg = NULL;
    }
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->mu);
    if (r->clusters)
        zhs_clusters_cancel(r->clusters);  /* writers waiting for a turn */
    free(msg);
}

static void show_progress(struct run *r, int last)
{
    double t = now(), el, rate, mbs;
    unsigned long done;

    if (!r->progress || (!last && t - r->last_progress < 0.25))
        return;
    r->last_progress = t;
    pthread_mutex_lock(&r->mu);
    done = r->added + r->updated + r->unchanged + r->rejected;
    pthread_mutex_unlock(&r->mu);
    el = t - r->t0 > 1e-3 ? t - r->t0 : 1e-3;
    rate = (double)done / el;
    mbs = (double)r->bytes_done / el / 1e6;
    fprintf(stderr, "\r\033[K%lu documents  %.0f docs/s  %.1f MB/s", done,
            rate, mbs);
    if (r->bytes_total > 0 && r->bytes_done > 0 && !last) {
        double left = (double)(r->bytes_total > r->bytes_done
                                   ? r->bytes_total - r->bytes_done : 0)
                      / ((double)r->bytes_done / el);
        fprintf(stderr, "  ETA %d:%02d", (int)left / 60, (int)left % 60);
    }
    if (last)
        fputs("\r\033[K", stderr);
}

/* ---- the pipeline ------------------------------------------------- */

/* What a worker or writer thread is given. */
struct task {
    struct run *r;
    struct lane *l;
    zhs_preparer *prep;       /* workers only */
};

static void *worker(void *arg)
{
    struct task *t = arg;
    struct run *r = t->r;
    struct lane *l = t->l;
    struct slot *s;

    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (!r->stop && l->next_take == l->next_seq && r->producing)
            pthread_cond_wait(&r->changed, &r->mu);
        if (r->stop || l->next_take == l->next_seq) {
            pthread_mutex_unlock(&r->mu);
            return NULL;
        }
        s = &l->ring[l->next_take++ % RING];
        s->state = SLOT_BUSY;
        pthread_mutex_unlock(&r->mu);

        s->msg = NULL;
        s->prep = NULL;
        s->st = zhs_prepare(t->prep, &s->doc->doc, &s->prep, &s->msg);
        if (s->st != ZHS_OK && s->st != ZHS_ENOMEM) {
            /* name the input in the message */
            const char *where = s->doc->doc.path ? s->doc->doc.path
                                                 : s->doc->doc.id;
            char *m = malloc(strlen(where) + (s->msg ? strlen(s->msg) : 0)
                             + 4);
            if (m) {
                sprintf(m, "%s: %s", where, s->msg ? s->msg : "");
                free(s->msg);
                s->msg = m;
            }
        }
        zhs_file_doc_free(s->doc);
        s->doc = NULL;

        pthread_mutex_lock(&r->mu);
        s->state = SLOT_READY;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->mu);
    }
}

static void *writer(void *arg)
{
    struct task *t = arg;
    struct run *r = t->r;
    struct lane *l = t->l;
    struct slot *s;
    zhs_outcome outcome;
    zhs_status st;
    char *msg;

    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (!r->stop && (l->next_put == l->next_seq
                            || l->ring[l->next_put % RING].state
                                   != SLOT_READY)
               && !(l->next_put == l->next_seq && !r->producing))
            pthread_cond_wait(&r->changed, &r->mu);
        if (r->stop || (l->next_put == l->next_seq && !r->producing)) {
            pthread_mutex_unlock(&r->mu);
            return NULL;
        }
        s = &l->ring[l->next_put % RING];
        pthread_mutex_unlock(&r->mu);

        msg = NULL;
        st = s->st;
        if (st == ZHS_OK) {
            st = zhs_writer_put_in_turn(l->w, s->prep, s->seq, &outcome,
                                        &msg);
            s->prep = NULL;
        } else {
            if (r->clusters)
                zhs_clusters_pass(r->clusters, s->seq);
            msg = s->msg;
            s->msg = NULL;
        }
        if (st == ZHS_OK) {
            pthread_mutex_lock(&r->mu);
            if (outcome == ZHS_ADDED)
                r->added++;
            else
                r->updated++;
            pthread_mutex_unlock(&r->mu);
        } else if (st == ZHS_EUSAGE || st == ZHS_EENCODING) {
            reject(r, s->root, msg ? msg : zhs_strerror(st)); /* the doc's */
        } else {
            set_fatal(r, st, msg);                       /* the index's */
            msg = NULL;
        }
        free(msg);

        pthread_mutex_lock(&r->mu);
        s->state = SLOT_FREE;
        l->next_put++;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->mu);
    }
}

/* Hands a document to the pipeline, or skips it if the committed index
 * already holds the same content.  Takes ownership of fd.  Returns -1 when
 * the run must stop. */
static int submit(struct run *r, zhs_file_doc *fd, size_t bytes)
{
    char hash[17], old[17], *msg = NULL;
    int found = 0, fresh;
    zhs_status st;
    struct slot *s;
    struct lane *l = &r->lanes[zhs_shard_of(fd->doc.id, r->nlanes)];

    __atomic_add_fetch(&r->bytes_done, bytes, __ATOMIC_RELAXED);
    fresh = idset_add(&r->seen, fd->doc.id);
    if (fresh < 0) {
        zhs_file_doc_free(fd);
        set_fatal(r, ZHS_ENOMEM, NULL);
        return -1;
    }
    /* An id seen earlier in this run always goes through, so that the last
     * record with an id wins; otherwise compare with the last commit. */
    if (fresh && r->committed != NULL) {
        zhs_writer_doc_hash(l->w, &fd->doc, hash);
        st = zhs_db_doc_hash(r->committed, fd->doc.id, old, &found, &msg);
        if (st != ZHS_OK) {
            zhs_file_doc_free(fd);
            set_fatal(r, st, msg);
            return -1;
        }
        if (found && strcmp(hash, old) == 0) {
            zhs_file_doc_free(fd);
            pthread_mutex_lock(&r->mu);
            r->unchanged++;
            pthread_mutex_unlock(&r->mu);
            return 0;
        }
    }
    pthread_mutex_lock(&r->mu);
    while (!r->stop && l->next_seq - l->next_put >= RING)
        pthread_cond_wait(&r->changed, &r->mu);
    if (r->stop) {
        pthread_mutex_unlock(&r->mu);
        zhs_file_doc_free(fd);
        return -1;
    }
    s = &l->ring[l->next_seq % RING];
    s->doc = fd;
    s->root = r->current;
    s->seq = r->order++;
    s->state = SLOT_RAW;
    l->next_seq++;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->mu);
    return 0;
}

/* ---- inputs ------------------------------------------------------- */

static int is_jsonl(const char *path)
{
    size_t n = strlen(path);
    return strcmp(path, "-") == 0
        || (n > 6 && strcasecmp(path + n - 6, ".jsonl") == 0)
        || (n > 7 && strcasecmp(path + n - 7, ".ndjson") == 0);
}

static int stopping(struct run *r)
{
    int stop;
    if (interrupted)
        return 1;
    pthread_mutex_lock(&r->mu);
    stop = r->stop;
    pthread_mutex_unlock(&r->mu);
    return stop;
}

/* Reads the records of a JSON Lines file. */
static int read_jsonl(struct run *r, const char *path, const char *origin)
{
    zhs_jsonl *j = NULL;
    zhs_file_doc *fd;
    char *msg = NULL;
    zhs_status st;
    unsigned long records = 0;  /* lines that were records, good or bad */

    st = zhs_jsonl_open(path, r->encoding, &j, &msg);
    if (st == ZHS_ENOMEM) {
        set_fatal(r, st, msg);
        return -1;
    }
    if (st != ZHS_OK) {
        reject(r, r->current, msg ? msg : zhs_strerror(st));
        free(msg);
        return 0;
    }
    zhs_jsonl_set_strict(j, r->strict);
    for (;;) {
        if (stopping(r))
            break;
        msg = NULL;
        st = zhs_jsonl_next(j, &fd, &msg);
        if (st == ZHS_OK && fd != NULL && zhs_jsonl_warning(j) != NULL)
            warn_input(r, zhs_jsonl_warning(j));
        if (st == ZHS_EREJECTED) {
            records++;
            reject(r, r->current, msg);
            free(msg);
            continue;
        }
        if (st != ZHS_OK) {
            if (st == ZHS_ENOMEM) {
                set_fatal(r, st, msg);
                break;
            }
            reject(r, r->current, msg ? msg : zhs_strerror(st));
            free(msg);
            break;
        }
        if (fd == NULL) {
            /* Like an empty text file, an empty feed is most likely a
             * failed download: reported, and (being a rejection) it keeps
             * --prune from deleting the documents it had. */
            if (records == 0) {
                char m[PATH_MAX + 120];
                snprintf(m, sizeof m, "%s: empty feed, no records to index "
                         "(a failed download?)", path);
                reject(r, r->current, m);
            }
            break;
        }
        records++;
        if (zhs_file_doc_set_field(fd, &fd->doc.origin, origin) != ZHS_OK) {
            zhs_file_doc_free(fd);
            set_fatal(r, ZHS_ENOMEM, NULL);
            break;
        }
        if (submit(r, fd, fd->doc.text_len) < 0)
            break;
        show_progress(r, 0);
    }
    zhs_jsonl_close(j);
    return stopping(r) ? -1 : 0;
}

struct walk_ctx {
    struct run *r;
    const char *origin;       /* the PATH's canonical path */
    int is_dir;               /* the PATH is a directory */
};

/* a + "/" + b, malloc'd. */
static char *path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    char *s = malloc(la + strlen(b) + 2);
    if (s)
        sprintf(s, "%s%s%s", a, la && a[la - 1] == '/' ? "" : "/", b);
    return s;
}

/* The id of the file at canonical path f: its path relative to the index
 * root, with "../" for each level it lies outside it; malloc'd. */
static char *id_of(const char *f, const char *root)
{
    size_t n = strlen(root), common = 0, i, ups = 0;
    char *id;

    if (n == 0 || f[0] != '/')
        return strdup(f);
    if (strcmp(root, "/") == 0)
        return strdup(f + 1);
    if (strncmp(f, root, n) == 0 && f[n] == '/')
        return strdup(f + n + 1);
    for (i = 0; f[i] && f[i] == root[i]; i++)
        if (f[i] == '/')
            common = i;
    for (i = common; root[i]; i++)
        if (root[i] == '/')
            ups++;
    if ((id = malloc(3 * ups + strlen(f + common + 1) + 1)) == NULL)
        return NULL;
    id[0] = '\0';
    for (i = 0; i < ups; i++)
        strcat(id, "../");
    strcat(id, f + common + 1);
    return id;
}

/* The deepest directory holding both a and b (canonical paths), in a. */
static void common_dir(char *a, const char *b)
{
    for (;;) {
        size_t n = strlen(a);
        char *slash;
        if (strcmp(a, "/") == 0
            || (strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/')))
            return;
        slash = strrchr(a, '/');
        if (slash == NULL || slash == a)
            strcpy(a, "/");
        else
            *slash = '\0';
    }
}

static int index_file(const char *path, const char *id, zhs_status st,
                      const char *err, void *arg)
{
    struct walk_ctx *c = arg;
    struct run *r = c->r;
    zhs_file_doc *fd = NULL;
    char *msg = NULL, *canon, *fid = NULL;
    int rc = 0;

    if (stopping(r))
        return 1;
    if (st == ZHS_ENOTFOUND && id == NULL) {
        /* A PATH that does not exist: its own error (exit 66), not a
         * rejected input; the other PATHs go on, and nothing is pruned
         * under it. */
        pthread_mutex_lock(&r->mu);
        r->missing++;
        r->rejected_at[r->current]++;
        pthread_mutex_unlock(&r->mu);
        if (r->progress)
            fputs("\r\033[K", stderr);
        cli_error("%s", err ? err : zhs_strerror(st));
        return 0;
    }
    if (st != ZHS_OK) {
        reject(r, r->current, err ? err : zhs_strerror(st));
        return 0;
    }
    /* The file's canonical path: the PATH's, and the names below it as
     * found (a link to a file keeps its own name). */
    canon = c->is_dir ? path_join(c->origin, id) : strdup(c->origin);
    if (canon == NULL) {
        set_fatal(r, ZHS_ENOMEM, NULL);
        return 1;
    }
    if (is_jsonl(path)) {               /* records: the file is the origin */
        rc = read_jsonl(r, path, canon) < 0;
        goto out;
    }
    if ((fid = id_of(canon, r->root)) == NULL) {
        set_fatal(r, ZHS_ENOMEM, NULL);
        rc = 1;
        goto out;
    }
    st = zhs_doc_read_file(path, fid, r->encoding, &fd, &msg);
    if (st == ZHS_OK)
        st = zhs_file_doc_set_field(fd, &fd->doc.origin, canon);
    if (st == ZHS_ENOMEM) {
        zhs_file_doc_free(fd);
        set_fatal(r, st, msg);
        rc = 1;
        goto out;
    }
    if (st != ZHS_OK) {
        reject(r, r->current, msg ? msg : zhs_strerror(st));
        free(msg);
        goto out;
    }
    if (submit(r, fd, fd->doc.text_len) < 0)
        rc = 1;
    else
        show_progress(r, 0);
out:
    free(canon);
    free(fid);
    return rc;
}

/* A file a directory walk left out because of its name: counted by
 * extension for the summary, and named with --verbose. */
static int skip_file(const char *path, void *arg)
{
    struct run *r = ((struct walk_ctx *)arg)->r;
    const char *base = strrchr(path, '/'), *dot;
    char ext[16];
    unsigned i;

    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    if (dot == NULL || dot == base || strlen(dot) >= sizeof ext)
        snprintf(ext, sizeof ext, "%s", dot && dot != base ? "other" : "no extension");
    else
        for (i = 0; i < sizeof ext; i++)
            if ((ext[i] = (char)(dot[i] >= 'A' && dot[i] <= 'Z'
                                 ? dot[i] | 0x20 : dot[i])) == '\0')
                break;
    r->skipped++;
    for (i = 0; i < r->nskipped_ext; i++)
        if (strcmp(r->skipped_ext[i].ext, ext) == 0)
            break;
    if (i == r->nskipped_ext && i < sizeof r->skipped_ext
                                        / sizeof r->skipped_ext[0]) {
        snprintf(r->skipped_ext[i].ext, sizeof r->skipped_ext[i].ext, "%s",
                 ext);
        r->nskipped_ext++;
    }
    if (i < r->nskipped_ext)
        r->skipped_ext[i].n++;
    if (r->verbose) {
        if (r->progress)
            fputs("\r\033[K", stderr);
        cli_error("skipped %s (not a kind of file zhsearch reads)", path);
    }
    return stopping(r);
}

/* Adds up the sizes of the inputs, for the ETA. */
static int add_size(const char *path, const char *id, zhs_status st,
                    const char *err, void *arg)
{
    struct stat sb;
    (void)id;
    (void)err;
    if (st == ZHS_OK && stat(path, &sb) == 0)
        *(uint64_t *)arg += (uint64_t)sb.st_size;
    return 0;
}

/* The canonical path of a PATH: absolute with symbolic links resolved
 * (so that ids and --prune do not depend on the working directory or
 * on how the PATH was spelled), or "-" for standard input. */
static char *origin_of(const char *root)
{
    char buf[PATH_MAX];
    if (strcmp(root, "-") == 0)
        return strdup("-");
    return strdup(realpath(root, buf) ? buf : root);
}

/* ---- the command -------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zhsearch index [--db DIR] [--dict FILE] [--encoding NAME]\n"
            "                      [--prune] [--jobs N] [--shards N]\n"
            "                      [--wait[=SECONDS]] [--strict] [--verbose]\n"
            "                      [--quiet] [PATH...]\n"
            "Index the inputs found in each PATH (default '%s') into the\n"
            "index at DIR (default '%s'): .txt and .md files and .html,\n"
            ".htm or .xhtml pages (a document each; id: the path relative\n"
            "to the index's root, the folder its first run named), and\n"
            ".jsonl or .ndjson files of JSON Lines records (fields id,\n"
            "title, text or content or body, date or time or pubdate,\n"
            "source, url, author); '-' reads JSON Lines from standard\n"
            "input.  Other files a folder holds are counted after the\n"
            "summary (--verbose names them).  Inputs in UTF-8 (with or\n"
            "without BOM), UTF-16 with a BOM, GB18030 or Big5 are detected.\n"
            "Indexing a document again replaces it; documents whose content\n"
            "is unchanged are skipped.  The run is committed once, at the\n"
            "end: readers never see part of it, and an interrupted or killed\n"
            "run leaves the index as it was.  A bad input is reported with\n"
            "its path and line or byte offset and skipped; metadata that\n"
            "cannot be used (a date that is not one) is dropped from its\n"
            "document with a warning naming the file and line, and the\n"
            "document is indexed.  The last line counts documents added,\n"
            "updated, unchanged, deleted, rejected.\n\n"
            "  --db DIR         index directory (created if missing)\n"
            "  --dict FILE      user dictionary, one word a line, used for\n"
            "                   word segmentation (ranking) and recorded in\n"
            "                   the index for searches; without it the\n"
            "                   index's recorded dictionary, if any, is kept\n"
            "  --encoding NAME  decode inputs as NAME (GB18030, Big5,\n"
            "                   UTF-16LE, ...) instead of detecting\n"
            "  --prune          delete documents indexed earlier from these\n"
            "                   PATHs that this run did not see\n"
            "  --jobs N         threads preparing documents (default: the\n"
            "                   number of processors less one, at least 1)\n"
            "  --shards N       make DIR a sharded index of N shards, built\n"
            "                   in parallel (a new DIR only; later runs find\n"
            "                   the shards by themselves).  Shards commit one\n"
            "                   after another, so a reader may see part of a\n"
            "                   run in one shard before another.  N is\n"
            "                   refused if the open-files limit (ulimit\n"
            "                   -n) cannot hold about %u files a shard;\n"
            "                   --db DIR/shard-K (one shard) is refused\n"
            "  --wait[=SECS]    if another writer holds the index, wait for\n"
            "                   it (for at most SECS) instead of failing\n"
            "  --strict         reject a JSON Lines record whose metadata\n"
            "                   cannot be used (a date that is not one, or\n"
            "                   has text that is not a date; a field that\n"
            "                   is not a string) instead of indexing it\n"
            "                   without that field, with a warning\n"
            "  --verbose        name each file a directory walk skips\n"
            "                   because of its name (the summary counts\n"
            "                   them by extension)\n"
            "  --quiet          no progress and no summary line\n"
            "  --help           this text\n\n%s",
            ZHS_DEFAULT_CORPUS, ZHS_DEFAULT_DB, CLI_FDS_PER_SHARD_WRITE,
            ZHS_EXIT_HELP);
}

/* Opens the writer, waiting for the lock until the time `until` if asked
 * to (one deadline for all the shards of a run). */
static zhs_status open_writer(struct run *r, double until, zhs_writer **w,
                              char **msg)
{
    int told = 0;
    zhs_status st;

    for (;;) {
        st = zhs_writer_open(r->db, w, msg);
        if (st != ZHS_ELOCKED || now() >= until || interrupted)
            return st;
        if (!told && !r->quiet)
            cli_error("%s: index is locked by another writer; waiting", r->db);
        told = 1;
        free(*msg);
        *msg = NULL;
        usleep(200 * 1000);
    }
}

/* Stores a formatted message in *msg and returns st. */
static zhs_status cli_fail_msg(char **msg, zhs_status st, const char *fmt,
                                ...) __attribute__((format(printf, 3, 4)));
static zhs_status cli_fail_msg(char **msg, zhs_status st, const char *fmt,
                                ...)
{
    va_list ap;
    char buf[1024];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    *msg = strdup(buf);
    return st;
}

/* The index directories the run writes: DIR itself, or its shards. */
static zhs_status plan_lanes(struct run *r, unsigned want_shards,
                             char ***paths, unsigned *n, char **msg)
{
    if (zhs_is_sharded(r->db)) {
        zhs_status st = zhs_shards_local(r->db, paths, n, msg);
        if (st == ZHS_OK && want_shards && want_shards != *n) {
            unsigned have = *n;
            zhs_shards_free(*paths, *n);
            *paths = NULL;
            *n = 0;
            return cli_fail_msg(msg, ZHS_EUSAGE, "%s has %u shards, not "
                                 "%u: resharding is not supported (index "
                                 "into a new directory)", r->db, have,
                                 want_shards);
        }
        return st;
    }
    if (want_shards > 1) {
        DIR *d = opendir(r->db);
        struct dirent *de;
        int plain = 0, other = 0;
        unsigned i;
        while (d && (de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, "iamglass") == 0)
                plain = 1;
            else if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")
                     && strcmp(de->d_name, ".gitignore"))
                other = 1;
        }
        if (d)
            closedir(d);
        if (plain)
            return cli_fail_msg(msg, ZHS_EUSAGE, "%s is an index without "
                                 "shards: --shards needs a new directory",
                                 r->db);
        if (other)
            return cli_fail_msg(msg, ZHS_ECORRUPT, "%s: directory is not "
                                 "empty and holds no index; refusing to "
                                 "write there", r->db);
        /* Refused now rather than built once and then unopenable: every
         * later run would fail with "Too many open files". */
        {
            long lim = cli_open_files_limit();
            unsigned long need = CLI_FDS_BASE
                                 + (unsigned long)want_shards
                                       * CLI_FDS_PER_SHARD_WRITE;
            if (lim >= 0 && need > (unsigned long)lim)
                return cli_fail_msg(msg, ZHS_EUSAGE, "--shards %u needs "
                                     "about %lu open files (%u for each "
                                     "shard), more than this process may "
                                     "open (%ld, ulimit -n): use at most "
                                     "%ld shards, or raise the limit",
                                     want_shards, need,
                                     CLI_FDS_PER_SHARD_WRITE, lim,
                                     lim > (long)CLI_FDS_BASE
                                         ? (lim - (long)CLI_FDS_BASE)
                                               / (long)CLI_FDS_PER_SHARD_WRITE
                                         : 0L);
        }
        if (zhs_shards_create(r->db, want_shards, msg) != ZHS_OK)
            return ZHS_EIO;
        if ((*paths = calloc(want_shards, sizeof **paths)) == NULL)
            return ZHS_ENOMEM;
        for (i = 0; i < want_shards; i++) {
            if (((*paths)[i] = malloc(strlen(r->db) + 20)) == NULL) {
                zhs_shards_free(*paths, i);
                return ZHS_ENOMEM;
            }
            sprintf((*paths)[i], "%s/shard-%u", r->db, i);
        }
        *n = want_shards;
        return ZHS_OK;
    }
    if ((*paths = calloc(1, sizeof **paths)) == NULL
        || ((*paths)[0] = strdup(r->db)) == NULL) {
        free(*paths);
        return ZHS_ENOMEM;
    }
    *n = 1;
    return ZHS_OK;
}

int cmd_index(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"dict", required_argument, NULL, 'D'},
        {"encoding", required_argument, NULL, 'e'},
        {"prune", no_argument, NULL, 'p'},
        {"jobs", required_argument, NULL, 'j'},
        {"shards", required_argument, NULL, 's'},
        {"wait", optional_argument, NULL, 'w'},
        {"quiet", no_argument, NULL, 'q'},
        {"strict", no_argument, NULL, 'S'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static char *default_paths[] = {ZHS_DEFAULT_CORPUS};
    const char *dict = NULL;
    char **paths = default_paths, *msg = NULL, *warning = NULL;
    char **dirs = NULL;
    struct run r;
    pthread_t *threads = NULL;
    struct task *tasks = NULL;
    unsigned jobs = 0, nthreads = 0, ntasks = 0, i, j, waitsecs = 0;
    unsigned shards = 0, ndirs = 0, per_lane, committed_docs = 0;
    int serial = getenv("ZHSEARCH_SERIAL_BUILD") != NULL;
    double wait = 0;
    int npaths = 1, c, k, rc = 0, give_back = -1;
    long ncpu;
    zhs_status st;

    memset(&r, 0, sizeof r);
    r.db = ZHS_DEFAULT_DB;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': r.db = optarg; break;
        case 'D': dict = optarg; break;
        case 'e': r.encoding = optarg; break;
        case 'p': r.prune = 1; break;
        case 'q': r.quiet = 1; break;
        case 'S': r.strict = 1; break;
        case 'v': r.verbose = 1; break;
        case 'j':
            if (cli_parse_uint(optarg, 64, &jobs) < 0 || jobs == 0) {
                cli_error("--jobs takes a number from 1 to 64");
                return 2;
            }
            break;
        case 's':
            if (cli_parse_uint(optarg, 256, &shards) < 0 || shards < 1) {
                cli_error("--shards takes a number from 1 to 256");
                return 2;
            }
            break;
        case 'w':
            wait = 1e12;
            if (optarg && cli_parse_uint(optarg, 86400 * 365, &waitsecs) < 0) {
                cli_error("--wait takes a number of seconds");
                return 2;
            }
            if (optarg)
                wait = waitsecs;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        paths = argv + optind;
        npaths = argc - optind;
    }
    if (r.encoding != NULL) {
        char *probe = NULL;
        size_t plen;
        st = zhs_decode("", 0, r.encoding, &probe, &plen, NULL, &msg);
        free(probe);
        if (st != ZHS_OK) {
            cli_error("--encoding: %s", msg ? msg : zhs_strerror(st));
            free(msg);
            return 2;
        }
    }
    if (jobs == 0) {
        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = ncpu > 2 ? (unsigned)ncpu - 1 : 1;
    }
    r.progress = !r.quiet && isatty(STDERR_FILENO);
    /* Bound what Xapian buffers before it flushes (within the
     * transaction: flushed, not committed). */
    setenv("XAPIAN_FLUSH_THRESHOLD", ZHS_FLUSH_DOCS, 0);
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.changed, NULL);
    r.t0 = now();

    /* One lane, with its writer, per index directory; never one shard of
     * a sharded index on its own. */
    if (!zhs_is_sharded(r.db) && (rc = cli_refuse_shard(r.db)) != 0)
        goto out;
    st = plan_lanes(&r, shards, &dirs, &ndirs, &msg);
    if (st == ZHS_OK && (r.lanes = calloc(ndirs, sizeof *r.lanes)) == NULL)
        st = ZHS_ENOMEM;
    if (st != ZHS_OK) {
        cli_error("%s", msg ? msg : zhs_strerror(st));
        free(msg);
        rc = zhs_status_exit_code(st);
        goto out;
    }
    r.nlanes = ndirs;
    /* From before the writers open (which can take a while: a lock to
     * wait for, tables to check): a signal then still ends the run as
     * one, with nothing committed. */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    wait += now();                      /* the deadline */
    for (i = 0; st == ZHS_OK && i < ndirs; i++) {
        const char *db = r.db;
        r.lanes[i].dir = dirs[i];
        r.db = dirs[i];                 /* for open_writer's messages */
        st = open_writer(&r, wait, &r.lanes[i].w, &msg);
        r.db = db;
        if (st == ZHS_OK) {
            /* Under the lock: has it ever been committed?  If not, a
             * failed run may remove it. */
            zhs_db *probe = NULL;
            r.lanes[i].fresh = zhs_db_open(dirs[i], &probe, NULL)
                               == ZHS_ENOINDEX;
            zhs_db_close(probe);
            note_sizes(&r.lanes[i]);
        }
        if (st == ZHS_OK && dict != NULL)
            st = zhs_writer_set_dict(r.lanes[i].w, dict, &warning, &msg);
        if (warning != NULL) {
            cli_error("warning: %s", warning);
            free(warning);
            warning = NULL;
        }
        if (st == ZHS_OK)
            committed_docs += zhs_writer_doc_count(r.lanes[i].w);
    }
    if (st == ZHS_OK && committed_docs > 0)
        st = zhs_db_open(r.db, &r.committed, &msg);
    /* The shards' writers find near-duplicates in every shard, in the
     * run's order, so that clusters do not depend on the layout. */
    if (st == ZHS_OK && r.nlanes > 1) {
        st = zhs_clusters_new(r.db, committed_docs > 0, &r.clusters, &msg);
        for (i = 0; st == ZHS_OK && i < r.nlanes; i++)
            zhs_writer_share_clusters(r.lanes[i].w, r.clusters);
    }
    if (st == ZHS_OK)
        st = zhs_writer_root(r.lanes[0].w, &r.root, &msg);
    /* A first build into one index is written by parallel writers and
     * merged at the commit (zhs_writer_parallel). */
    if (st == ZHS_OK && committed_docs == 0 && r.nlanes == 1 && !serial)
        st = zhs_writer_parallel(r.lanes[0].w, 0, NULL, &msg);
    if (st != ZHS_OK) {
        cli_error("%s", msg ? msg : zhs_strerror(st));
        free(msg);
        rc = zhs_status_exit_code(st);
        goto out;
    }
    if (r.progress)
        for (k = 0; k < npaths; k++)
            if (strcmp(paths[k], "-") != 0)
                zhs_walk(paths[k], add_size, &r.bytes_total);

    /* Start the workers and a writer per lane: a plain index gets all the
     * workers; shards one each, as each has its own writer to keep busy. */
    per_lane = r.nlanes == 1 ? jobs : 1;
    ntasks = r.nlanes * (per_lane + 1);
    threads = calloc(ntasks, sizeof *threads);
    tasks = calloc(ntasks, sizeof *tasks);
    r.origins = calloc((size_t)npaths, sizeof *r.origins);
    r.rejected_at = calloc((size_t)npaths, sizeof *r.rejected_at);
    for (k = 0; r.origins && k < npaths; k++)
        if ((r.origins[k] = origin_of(paths[k])) == NULL) {
            free(threads);
            threads = NULL;             /* report it as out of memory */
            break;
        }
    if (threads == NULL || tasks == NULL || r.origins == NULL
        || r.rejected_at == NULL) {
        cli_error("out of memory");
        rc = zhs_status_exit_code(ZHS_ENOMEM);
        goto out;
    }
    /* An index without a root gets one from its first run with files:
     * the deepest directory holding every PATH (a directory PATH itself,
     * a file's folder), so that one directory's files keep the ids
     * relative to it. */
    if (r.root[0] == '\0') {
        char *root = NULL;
        for (k = 0; k < npaths; k++) {
            struct stat sb;
            char *dir;
            if (strcmp(r.origins[k], "-") == 0 || r.origins[k][0] != '/'
                || stat(r.origins[k], &sb) != 0)
                continue;
            if ((dir = strdup(r.origins[k])) == NULL)
                break;
            if (!S_ISDIR(sb.st_mode)) {
                char *slash = strrchr(dir, '/');
                if (slash == dir)
                    dir[1] = '\0';
                else
                    *slash = '\0';
            }
            if (root == NULL) {
                root = dir;
            } else {
                common_dir(root, dir);
                free(dir);
            }
        }
        if (root != NULL) {
            free(r.root);
            r.root = root;
            r.root_new = 1;
        }
    }
    r.producing = 1;
    for (i = 0; i < r.nlanes && !r.stop; i++) {
        for (j = 0; j <= per_lane; j++) {
            struct task *t = &tasks[i * (per_lane + 1) + j];
            t->r = &r;
            t->l = &r.lanes[i];
            if (j < per_lane
                && (st = zhs_writer_preparer(r.lanes[i].w, &t->prep, &msg))
                       != ZHS_OK) {
                set_fatal(&r, st, msg);
                break;
            }
            if (pthread_create(&threads[nthreads], NULL,
                               j < per_lane ? worker : writer, t) != 0) {
                set_fatal(&r, ZHS_EINTERNAL, strdup("cannot start a thread"));
                break;
            }
            nthreads++;
        }
    }

    /* Read the inputs. */
    for (k = 0; k < npaths && !stopping(&r); k++) {
        struct stat sb;
        struct walk_ctx wc = {&r, r.origins[k], 0};
        wc.is_dir = stat(paths[k], &sb) == 0 && S_ISDIR(sb.st_mode);
        r.current = k;
        if (strcmp(paths[k], "-") == 0)
            read_jsonl(&r, "-", r.origins[k]);
        else
            zhs_walk_ex(paths[k], index_file, skip_file, &wc);
    }

    pthread_mutex_lock(&r.mu);
    r.producing = 0;
    if (interrupted && !r.stop) {
        r.stop = 1;
        r.fatal = ZHS_EINTERNAL;
    }
    pthread_cond_broadcast(&r.changed);
    pthread_mutex_unlock(&r.mu);
    if (r.stop && r.clusters)
        zhs_clusters_cancel(r.clusters);
    for (i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    for (i = 0; i < r.nlanes; i++)     /* after a stop */
        for (j = 0; j < RING; j++) {
            zhs_file_doc_free(r.lanes[i].ring[j].doc);
            zhs_prepared_free(r.lanes[i].ring[j].prep);
            free(r.lanes[i].ring[j].msg);
        }
    show_progress(&r, 1);

    if (interrupted) {
        cli_error("interrupted by signal %d: nothing was committed; the index "
                  "is unchanged", (int)interrupted);
        rc = 128 + (int)interrupted;
        goto out;
    }
    if (r.stop) {
        cli_error("%s", r.fatal_msg ? r.fatal_msg : zhs_strerror(r.fatal));
        cli_error("%s: nothing was committed; the index is unchanged", r.db);
        rc = zhs_status_exit_code(r.fatal);
        if (r.fatal == ZHS_EIO)
            give_back = 0;              /* from lane 0 on */
        goto out;
    }
    for (k = 0; r.prune && k < npaths; k++) {
        /* A rejected input may be a document that still exists but could
         * not be read this time: prune nothing under that PATH. */
        if (r.rejected_at[k] > 0) {
            struct stat sb;
            if (strcmp(paths[k], "-") != 0 && stat(paths[k], &sb) != 0)
                cli_error("warning: not pruning %s: it does not exist",
                          paths[k]);
            else
                cli_error("warning: not pruning %s: %lu of its inputs were "
                          "rejected", paths[k], r.rejected_at[k]);
            continue;
        }
        for (i = 0; i < r.nlanes; i++) {
            unsigned n = 0;
            st = zhs_writer_prune(r.lanes[i].w, r.origins[k], idset_has,
                                  &r.seen, &n, &msg);
            r.deleted += n;
            if (st != ZHS_OK) {
                cli_error("%s", msg ? msg : zhs_strerror(st));
                free(msg);
                rc = zhs_status_exit_code(st);
                goto out;
            }
        }
    }
    /* Each shard commits in turn (a plain index: the one commit). */
    for (i = 0; i < r.nlanes; i++) {
        st = r.root_new ? zhs_writer_set_root(r.lanes[i].w, r.root, &msg)
                        : ZHS_OK;
        if (st == ZHS_OK)
            st = zhs_writer_commit(r.lanes[i].w, &msg);
        if (st != ZHS_OK) {
            cli_error("%s", msg ? msg : zhs_strerror(st));
            if (i > 0)
                cli_error("%s: %u of %u shards were committed; run again to "
                          "complete the batch", r.db, i, r.nlanes);
            free(msg);
            rc = zhs_status_exit_code(st);
            if (st == ZHS_EIO)
                give_back = (int)i;     /* the lanes not committed */
            goto out;
        }
    }
    if (!r.quiet)
        fprintf(stderr, "zhsearch: %s: added %lu, updated %lu, unchanged %lu, "
                "deleted %lu, rejected %lu, %.2f s\n", r.db, r.added,
                r.updated, r.unchanged, r.deleted, r.rejected, now() - r.t0);
    if (!r.quiet && r.skipped) {
        char list[400] = "";
        size_t used = 0;
        for (i = 0; i < r.nskipped_ext && used < sizeof list - 40; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s %lu",
                                     i ? ", " : "", r.skipped_ext[i].ext,
                                     r.skipped_ext[i].n);
        cli_error("%s: skipped %lu files of kinds zhsearch does not read "
                  "(%s%s)%s", r.db, r.skipped, list,
                  r.nskipped_ext == sizeof r.skipped_ext
                                        / sizeof r.skipped_ext[0]
                      ? ", ..." : "",
                  r.verbose ? "" : "; --verbose names them");
    }
    if (!r.quiet && r.warned)
        cli_error("%s: %lu warnings about metadata (see above; --strict "
                  "rejects those records instead)", r.db, r.warned);
    rc = r.missing ? zhs_status_exit_code(ZHS_ENOTFOUND)
       : r.rejected ? zhs_status_exit_code(ZHS_EREJECTED) : 0;
out:
    for (i = 0; tasks && i < ntasks; i++)
        zhs_preparer_free(tasks[i].prep);
    free(tasks);
    for (k = 0; r.origins && k < npaths; k++)
        free(r.origins[k]);
    free(r.origins);
    free(r.root);
    free(r.rejected_at);
    free(threads);
    zhs_db_close(r.committed);
    if (give_back >= 0) {
        unsigned long long freed = 0;
        for (i = (unsigned)give_back; i < r.nlanes; i++)
            freed += cut_back(&r.lanes[i]);
        for (i = (unsigned)give_back; i < r.nlanes; i++) {
            zhs_writer_close(r.lanes[i].w);
            r.lanes[i].w = NULL;
            freed += remove_fresh(&r.lanes[i]);
        }
        if (freed > 0)
            cli_error("%s: the space this run used in the index was given "
                      "back (%llu bytes); if the disk is full, free space on "
                      "it and run again", r.db, freed);
        else
            cli_error("%s: if the disk is full, free space on it and run "
                      "again", r.db);
    }
    for (i = 0; r.lanes && i < r.nlanes; i++)
        zhs_writer_close(r.lanes[i].w);
    zhs_clusters_free(r.clusters);
    free(r.lanes);
    zhs_shards_free(dirs, ndirs);
    idset_free(&r.seen);
    free(r.fatal_msg);
    pthread_mutex_destroy(&r.mu);
    pthread_cond_destroy(&r.changed);
    return rc;
}
