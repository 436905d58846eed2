/* search.c: opening an index for reading and running searches.
 *
 * A zhs_db is one reader: a Xapian database (a directory or a stub file of
 * shards), an ICU segmenter for queries, nothing shared with other
 * handles, so a threaded server gives each thread its own.  When a writer
 * commits while we read, Xapian reports the handle as modified; the search
 * then reopens and retries a few times before giving up (zhs_db_retry,
 * retry.c).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>


#include "zhs-int.h"

/* Totals up to this many are always exact (counted by a second pass
 * without weights when the page's pass did not see them all). */
#define EXACT_TOTALS 1000u

#define DEFAULT_TIMEOUT_MS 5000u

/* What a stub file was when it was read: a new stub is a new index. */
struct stub_stamp {
    int is_stub;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

struct zhs_db {
    zhsi_xdb *x;         /* the Xapian reader */
    char *missing;       /* shards left out, or NULL */
    zhsi_segmenter *seg; /* segments queries */
    zhsi_dict *dict;     /* dictionary for queries, or NULL */
    int user_dict;       /* dict came from zhs_db_set_dict: keep it */
    char *path;          /* for messages */
    unsigned doccount;   /* as of the last open or reopen */
    char *uuid;          /* the database's identity as of then */
    struct stub_stamp stamp;
    zhs_open_opts opts;  /* as opened, to open again */
};

/* Missing, or a directory with nothing in it but a .gitignore. */
static int no_index_at(const char *path, char **why)
{
    struct stat sb;
    DIR *d;
    struct dirent *de;
    int empty = 1;

    if (stat(path, &sb) != 0) {
        *why = errno == ENOENT ? "no index here (run 'zhsearch index' first)"
                               : strerror(errno);
        return 1;
    }
    if (!S_ISDIR(sb.st_mode))
        return 0;                       /* maybe a stub file */
    d = opendir(path);
    if (d == NULL) {
        *why = strerror(errno);
        return 1;
    }
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")
            && strcmp(de->d_name, ".gitignore"))
            empty = 0;
    closedir(d);
    *why = "the directory is empty: no index here (run 'zhsearch index' "
           "first)";
    return empty;
}

/* Segments queries with the dictionary the index was built with. */
static zhs_status load_dict(zhs_db *db, char **errmsg)
{
    char *serial = NULL;
    zhs_status st = zhsi_xdb_metadata(db->x, ZHSI_META_DICT, &serial, errmsg);

    if (st == ZHS_OK && serial[0] != '\0'
        && (st = zhsi_dict_new(serial, strlen(serial), &db->dict, errmsg))
               == ZHS_OK)
        zhsi_segmenter_set_dict(db->seg, db->dict);
    free(serial);
    return st;
}

/* The stub file an index path names, malloc'd, or NULL for a plain
 * database directory. */
static char *stub_of(const char *path)
{
    struct stat sb;
    char *stub;

    if (stat(path, &sb) != 0)
        return NULL;
    if (S_ISREG(sb.st_mode))
        return strdup(path);
    if (!S_ISDIR(sb.st_mode) || (stub = malloc(strlen(path) + 10)) == NULL)
        return NULL;
    sprintf(stub, "%s/XAPIANDB", path);
    if (stat(stub, &sb) == 0 && S_ISREG(sb.st_mode))
        return stub;
    free(stub);
    return NULL;
}

/* A database whose first writer has not committed yet (revision 0): a
 * first build running, or one that was interrupted. */
static int never_committed(zhsi_xdb *x)
{
    unsigned long long rev = 1;
    int known = 0;

    return zhsi_xdb_revision(x, &rev, &known, NULL) == ZHS_OK && known
        && rev == 0;
}

zhs_status zhs_db_open(const char *path, zhs_db **out, char **errmsg)
{
    return zhs_db_open_ex(path, NULL, out, errmsg);
}

const char *zhs_db_missing_shards(const zhs_db *db) { return db->missing; }

static void stamp_of(const char *stub, struct stub_stamp *st)
{
    struct stat sb;

    memset(st, 0, sizeof *st);
    if (stub == NULL || stat(stub, &sb) != 0)
        return;
    st->is_stub = 1;
    st->dev = sb.st_dev;
    st->ino = sb.st_ino;
    st->size = sb.st_size;
    st->mtime = sb.st_mtim;
}

static int same_stamp(const struct stub_stamp *a, const struct stub_stamp *b)
{
    return a->is_stub == b->is_stub && a->dev == b->dev && a->ino == b->ino
           && a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec
           && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* A reader of what is at db->path now, checked to be a zhsearch index of
 * this scheme, with its document count, identity and stub stamp (taken
 * before the stub is read: a stub replaced meanwhile is seen as new at
 * the next reopen). */
static zhs_status open_reader(const zhs_db *db, zhsi_xdb **x,
                              char **missing, unsigned *doccount,
                              char **uuid, struct stub_stamp *stamp,
                              char **errmsg)
{
    char *why = NULL, *scheme = NULL, *stub;
    zhs_status st;

    *x = NULL;
    *missing = NULL;
    *uuid = NULL;
    if (no_index_at(db->path, &why))
        return zhsi_fail(errmsg, ZHS_ENOINDEX, "%s", why);
    stub = stub_of(db->path);
    stamp_of(stub, stamp);
    st = stub ? zhsi_xdb_open_stub(stub, db->opts.timeout_ms
                                             ? db->opts.timeout_ms
                                             : DEFAULT_TIMEOUT_MS,
                                   db->opts.allow_partial, x, missing,
                                   errmsg)
              : zhsi_xdb_open(db->path, x, errmsg);
    free(stub);
    if (st == ZHS_OK)
        st = zhsi_xdb_metadata(*x, ZHSI_META_SCHEME, &scheme, errmsg);
    if (st == ZHS_OK && scheme[0] == '\0' && never_committed(*x))
        st = zhsi_fail(errmsg, ZHS_ENOINDEX, "no index yet (a first build "
                       "is running or was interrupted)");
    else if (st == ZHS_OK && strcmp(scheme, ZHSI_SCHEME) != 0)
        st = scheme[0] == '\0'
            ? zhsi_fail(errmsg, ZHS_ECORRUPT, "not a zhsearch index")
            : zhsi_fail(errmsg, ZHS_ECORRUPT, "index uses the older term "
                        "scheme '%s'; this zhsearch reads '%s': rebuild it "
                        "with 'zhsearch rebuild --db %s'", scheme,
                        ZHSI_SCHEME, db->path);
    free(scheme);
    if (st == ZHS_OK)
        st = zhsi_xdb_doccount(*x, doccount, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xdb_uuid(*x, uuid, errmsg);
    if (st != ZHS_OK) {
        zhsi_xdb_close(*x);
        free(*missing);
        free(*uuid);
        *x = NULL;
        *missing = *uuid = NULL;
    }
    return st;
}

zhs_status zhs_db_open_ex(const char *path, const zhs_open_opts *opts,
                          zhs_db **out, char **errmsg)
{
    zhs_db *db;
    char *why = NULL;
    zhs_status st;

    if (no_index_at(path, &why))
        return zhsi_fail(errmsg, ZHS_ENOINDEX, "%s: %s", path, why);
    db = calloc(1, sizeof *db);
    if (db == NULL || (db->path = strdup(path)) == NULL) {
        free(db);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    if (opts)
        db->opts = *opts;
    st = open_reader(db, &db->x, &db->missing, &db->doccount, &db->uuid,
                     &db->stamp, errmsg);
    if (st == ZHS_OK)
        st = zhsi_segmenter_new(&db->seg, errmsg);
    if (st == ZHS_OK)
        st = load_dict(db, errmsg);
    if (st != ZHS_OK) {
        zhsi_errmsg_prefix(errmsg, path);
        zhs_db_close(db);
        return st;
    }
    *out = db;
    return ZHS_OK;
}

zhs_status zhs_db_set_dict(zhs_db *db, const char *path, char **warning,
                           char **errmsg)
{
    zhs_file_doc *fd = NULL;
    zhsi_dict *d = NULL;
    char *id = NULL, *name = NULL;
    zhs_status st;

    st = zhs_doc_read_file(path, path, NULL, &fd, errmsg);
    if (st == ZHS_OK
        && (st = zhsi_dict_new(fd->doc.text, fd->doc.text_len, &d, errmsg))
               != ZHS_OK)
        zhsi_errmsg_prefix(errmsg, path);
    zhs_file_doc_free(fd);
    if (st == ZHS_OK)
        st = zhsi_xdb_metadata(db->x, ZHSI_META_DICT_ID, &id, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xdb_metadata(db->x, ZHSI_META_DICT_NAME, &name, errmsg);
    if (st == ZHS_OK && strcmp(id, zhsi_dict_id(d)) != 0 && warning)
        zhsi_fail(warning, ZHS_OK, "%s was built with %s%s, not %s: words "
                  "they segment differently rank differently (recall is "
                  "unaffected)", db->path, id[0] ? "dictionary " : "no "
                  "dictionary", id[0] ? name : "", path);
    free(id);
    free(name);
    if (st != ZHS_OK) {
        zhsi_dict_free(d);
        return st;
    }
    zhsi_dict_free(db->dict);
    db->dict = d;
    db->user_dict = 1;
    zhsi_segmenter_set_dict(db->seg, d);
    return ZHS_OK;
}

/* Replaces db's reader by one of what is at its path now: another
 * database than the one it read (see zhs_db_reopen).  Its dictionary is
 * the new index's, unless the caller chose one. */
static zhs_status open_afresh(zhs_db *db, char **errmsg)
{
    zhsi_xdb *x;
    char *missing, *uuid;
    unsigned doccount;
    struct stub_stamp stamp;
    zhs_status st = open_reader(db, &x, &missing, &doccount, &uuid, &stamp,
                                errmsg);

    if (st != ZHS_OK)
        return st;
    zhsi_xdb_close(db->x);
    free(db->missing);
    free(db->uuid);
    db->x = x;
    db->missing = missing;
    db->doccount = doccount;
    db->uuid = uuid;
    db->stamp = stamp;
    if (db->user_dict)
        return ZHS_OK;
    zhsi_segmenter_set_dict(db->seg, NULL);
    zhsi_dict_free(db->dict);
    db->dict = NULL;
    return load_dict(db, errmsg);
}

/* Xapian's reopen() picks up a newer revision of the same database; it
 * does not notice another database at the same path with the same
 * revision (the compaction swap, a delete and rebuild): glass then keeps
 * the old, deleted table files open.  Their UUIDs tell them apart, and a
 * stub rewritten lists other shards: either opens the path afresh. */
zhs_status zhs_db_reopen(zhs_db *db, char **errmsg)
{
    char *why = NULL, *uuid = NULL, *stub = NULL;
    struct stub_stamp now;
    zhs_status st;

    if (no_index_at(db->path, &why)) {
        st = zhsi_fail(errmsg, ZHS_ENOINDEX, "%s", why);
        goto out;
    }
    stub = stub_of(db->path);
    stamp_of(stub, &now);
    free(stub);
    if (!same_stamp(&now, &db->stamp)) {
        st = open_afresh(db, errmsg);
        goto out;
    }
    st = zhsi_xdb_reopen(db->x, NULL, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xdb_uuid(db->x, &uuid, errmsg);
    if (st != ZHS_OK || strcmp(uuid, db->uuid) != 0) {
        /* What stands at the path cannot be read through the old reader,
         * or is another database: read it anew, or report why not. */
        if (errmsg) {
            free(*errmsg);
            *errmsg = NULL;
        }
        st = open_afresh(db, errmsg);
        goto out;
    }
    st = zhsi_xdb_doccount(db->x, &db->doccount, errmsg);
out:
    free(uuid);
    if (st != ZHS_OK)
        zhsi_errmsg_prefix(errmsg, db->path);
    return st;
}

const char *zhs_db_uuid(const zhs_db *db) { return db->uuid; }

unsigned zhs_db_doc_count(zhs_db *db) { return db->doccount; }

zhs_status zhs_db_get(zhs_db *db, const char *id, zhs_file_doc **out,
                      char **errmsg)
{
    char *idterm = zhsi_id_term(id), *data = NULL;
    zhs_file_doc *fd = NULL;
    int found = 0;
    zhs_status st;

    if (idterm == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    st = zhsi_xdb_data_of(db->x, idterm, &data, &found, errmsg);
    free(idterm);
    if (st != ZHS_OK)
        return st;
    if (!found)
        return zhsi_fail(errmsg, ZHS_ENOTFOUND, "%s: no document with id "
                         "'%s'", db->path, id);
    st = zhsi_stored_decode(data, strlen(data), &fd, NULL);
    free(data);
    if (st != ZHS_OK)
        return zhsi_fail(errmsg, st, "%s: the stored form of '%s' cannot be "
                         "read", db->path, id);
    *out = fd;
    return ZHS_OK;
}

zhs_status zhs_db_doc_hash(zhs_db *db, const char *id, char out[17],
                           int *found, char **errmsg)
{
    char *idterm = zhsi_id_term(id), *v = NULL;
    zhs_status st;

    if (idterm == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    st = zhsi_xdb_value_of(db->x, idterm, ZHSI_SLOT_HASH, &v, found, errmsg);
    free(idterm);
    if (st == ZHS_OK && *found)
        snprintf(out, 17, "%s", v);
    free(v);
    return st;
}

void zhs_db_close(zhs_db *db)
{
    if (db == NULL)
        return;
    zhsi_xdb_close(db->x);
    zhsi_segmenter_free(db->seg);
    zhsi_dict_free(db->dict);
    free(db->missing);
    free(db->uuid);
    free(db->path);
    free(db);
}

/* ---- results ----------------------------------------------------- */

/* Fills hit h from a stored document; marks are the strings to highlight
 * (the query's needles and its whole chunks, so that 门诊总量 lights up as
 * one span where it occurs whole and as 门诊, 总量 elsewhere; overlapping
 * highlights merge). */
static zhs_status fill_hit(zhs_hit *h, zhsi_xhit *x,
                           const zhsi_needle *marks, size_t nmarks,
                           size_t max_snippets, int with_text,
                           char **errmsg)
{
    zhs_file_doc *fd = NULL;
    zhsi_text t = {0};
    zhs_status st = zhsi_stored_decode(x->data, x->len, &fd, errmsg);

    if (st != ZHS_OK)
        return st;
    h->score = x->weight;
    st = zhsi_text_build(fd->doc.text, fd->doc.text_len, ZHSI_TEXT_DOC, &t,
                         errmsg);
    /* the fields move to the hit */
    h->id = zhsi_file_doc_take(fd, &fd->doc.id);
    h->title = zhsi_file_doc_take(fd, &fd->doc.title);
    h->date = zhsi_file_doc_take(fd, &fd->doc.date);
    h->source = zhsi_file_doc_take(fd, &fd->doc.source);
    h->path = zhsi_file_doc_take(fd, &fd->doc.path);
    h->url = zhsi_file_doc_take(fd, &fd->doc.url);
    h->author = zhsi_file_doc_take(fd, &fd->doc.author);
    h->origin = zhsi_file_doc_take(fd, &fd->doc.origin);
    if (with_text)
        h->text = zhsi_file_doc_take(fd, &fd->doc.text);
    zhs_file_doc_free(fd);
    /* the collapsed near-duplicates move to the hit */
    h->duplicates = x->ndups;
    h->duplicate_ids = x->dup_ids;
    h->nduplicate_ids = x->ndup_ids;
    x->dup_ids = NULL;
    x->ndup_ids = 0;
    if (st == ZHS_EENCODING)            /* it was valid when indexed */
        return zhsi_fail(errmsg, ZHS_ECORRUPT, "index is damaged: the "
                         "stored text of '%s' is not valid UTF-8", h->id);
    if (st != ZHS_OK)
        return st;
    h->snippets = calloc(max_snippets, sizeof *h->snippets);
    if (h->snippets == NULL)
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    else if ((st = zhsi_snippets(&t, marks, nmarks, max_snippets,
                                 h->snippets, &h->nsnippets)) != ZHS_OK)
        zhsi_fail(errmsg, st, "out of memory");
    zhsi_text_free(&t);
    return st;
}

/* The check's view of a document's filters: its own terms and date
 * value, read only when a filter sits where Xapian cannot apply it. */
static int field_passes(void *arg, int kind, const char *value,
                        const char *lo, const char *hi)
{
    char *date;
    int ok;

    if (kind == 1)
        return zhsi_xdoc_has_term(arg, value);
    if ((date = zhsi_xdoc_value(arg, ZHSI_SLOT_DATE)) == NULL)
        return 0;
    ok = date[0] && strcmp(date, lo) >= 0 && strcmp(date, hi) <= 0;
    free(date);
    return ok;
}

/* The check's view d of a document from its value ZHSI_SLOT_NORM; 0 when
 * it has none (not an index of this scheme). */
static int doc_view(zhsi_doccheck *d, const char *norm, size_t len,
                    const void *doc)
{
    size_t t;

    if (len == 0)
        return 0;
    d->wide = norm[0] == ZHSI_NORM_UTF16;
    norm++;
    len--;
    if (!d->wide) {
        t = strnlen(norm, len);
        d->body = norm + t + (t < len);
    } else {
        for (t = 0; t + 1 < len && (norm[t] || norm[t + 1]); t += 2)
            ;
        d->body = norm + t + (t + 1 < len ? 2 : 0);
    }
    d->title = norm;
    d->ntitle = t;
    d->nbody = (size_t)(norm + len - d->body);
    d->field = field_passes;
    d->arg = (void *)doc;
    return 1;
}

/* The relaxed search's check (arg: the zhsi_relax). */
static int relax_accept(void *arg, const char *norm, size_t len,
                        const void *doc)
{
    zhsi_doccheck d;
    return doc_view(&d, norm, len, doc) && zhsi_relax_check(arg, &d);
}

int zhsi_accept(void *arg, const char *norm, size_t len, const void *doc)
{
    zhsi_doccheck d;
    return doc_view(&d, norm, len, doc) && zhsi_query_check(arg, &d);
}

void zhsi_use_check(const zhsi_query *q, zhsi_xsearch *xs)
{
    if (zhsi_query_exact(q)) {
        xs->accept = NULL;
        xs->accept_arg = NULL;
    } else {
        xs->accept = zhsi_accept;
        xs->accept_arg = (void *)q;
    }
}

static unsigned db_termfreq(const char *term, size_t len, void *arg)
{
    return zhsi_xdb_termfreq(arg, term, len);
}

double zhsi_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One try of a search's page for zhs_db_retry. */
struct search_try {
    zhsi_xq *xq;
    zhsi_xsearch *xs;
    zhsi_xresult *xr;
};

static zhs_status search_once(zhs_db *db, void *arg, char **errmsg)
{
    struct search_try *t = arg;
    zhsi_xresult_clear(t->xr);          /* a failed try's partial results */
    return zhsi_xdb_search(db->x, t->xq, t->xs, t->xr, errmsg);
}

/* The relaxed part of a page: the relaxed matches after the strict
 * total matches, of which the page holds nstrict, into *rr; each hit's
 * words counted (zhsi_xhit.words). */
static zhs_status relaxed_search(zhs_db *db, const zhsi_relax *rx,
                                 const zhsi_xsearch *strict,
                                 unsigned total, size_t nstrict,
                                 zhsi_xresult *rr, char **errmsg)
{
    zhsi_xq *xq = NULL;
    zhsi_xsearch xs = *strict;
    size_t i;
    zhs_status st = zhsi_relax_build(rx, db_termfreq, db->x, &xq, errmsg);

    xs.offset = strict->offset > total ? strict->offset - total : 0;
    xs.limit = strict->limit - (unsigned)nstrict;
    xs.facets = 0;
    /* Relaxed totals are Xapian's estimates: counting them exactly (a
     * second pass checking up to ZHSI_COUNT_CHECKS candidates of an OR
     * of common words) cost more than the page itself. */
    xs.exact_upto = 0;
    xs.accept = relax_accept;
    xs.accept_arg = (void *)rx;
    xs.want_norm = 1;
    if (st == ZHS_OK)
        st = zhsi_xdb_search(db->x, xq, &xs, rr, errmsg);
    zhsi_xq_free(xq);
    for (i = 0; st == ZHS_OK && i < rr->nhits; i++) {
        zhsi_doccheck d;
        if (rr->hits[i].norm && doc_view(&d, rr->hits[i].norm,
                                         rr->hits[i].nnorm, NULL))
            rr->hits[i].words = (unsigned)zhsi_relax_count(rx, &d);
    }
    if (st != ZHS_OK && st != ZHS_EQUERY && st != ZHS_EUSAGE)
        zhsi_errmsg_prefix(errmsg, db->path);
    return st;
}

/* The UTF-8 of needle nd's code points (joints as '-'), malloc'd. */
static char *needle_text(const zhsi_needle *nd)
{
    uint32_t *c = malloc((nd->n + 1) * sizeof *c);
    size_t i;
    char *s;

    if (c == NULL)
        return NULL;
    for (i = 0; i < nd->n; i++)
        c[i] = zhsi_is_joint(nd->cps[i]) ? '-' : nd->cps[i];
    s = zhsi_utf8_encode(c, nd->n);
    free(c);
    return s;
}

/* The results' account of the relaxation: words, totals, message. */
static zhs_status relaxed_results(zhs_results *r, const zhsi_relax *rx,
                                  const zhsi_xresult *rr, char **errmsg)
{
    size_t n, i, len = 0;
    const zhsi_needle *w = zhsi_relax_words(rx, &n);
    unsigned shown = rr->nhits ? rr->hits[0].words
                               : (unsigned)zhsi_relax_kmin(rx);
    char *m, *p;

    r->relaxed = 1;
    r->relaxed_min = (unsigned)zhsi_relax_kmin(rx);
    r->relaxed_split = zhsi_relax_split(rx);
    r->relaxed_total = rr->total > rr->nhits ? rr->total
                                             : (unsigned)rr->nhits;
    r->relaxed_total_exact = rr->exact;
    if ((r->relaxed_words = calloc(n + 1, sizeof *r->relaxed_words)) == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        if ((r->relaxed_words[i] = needle_text(&w[i])) == NULL)
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        r->nrelaxed_words = i + 1;
        len += strlen(r->relaxed_words[i]) + 1;
    }
    m = malloc(strlen(r->query) + len + 128);
    if (m == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    if (r->strict_total == 0)
        p = m + sprintf(m, "no exact match for %s; showing ", r->query);
    else
        p = m + sprintf(m, "only %u exact match%s for %s; then showing ",
                        r->strict_total, r->strict_total == 1 ? "" : "es",
                        r->query);
    if (shown < n)
        p += sprintf(p, "%u of %zu words: ", shown, n);
    for (i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? " " : "", r->relaxed_words[i]);
    r->relaxed_message = m;
    return ZHS_OK;
}

zhs_status zhs_search(zhs_db *db, const char *query,
                      const zhs_search_opts *opts, zhs_results **out,
                      char **errmsg)
{
    double t0 = zhsi_now_ms();
    zhsi_query q = {0};
    zhsi_xq *xq = NULL;
    zhsi_xresult xr = {0}, rxr = {0};
    zhsi_xsearch xs = {0};
    zhs_results *r = NULL;
    zhsi_relax *rx = NULL;
    size_t i, max_snippets;
    zhs_status st;

    if (opts->limit > ZHS_MAX_LIMIT || opts->offset > ZHS_MAX_OFFSET
        || opts->max_snippets > 3)
        return zhsi_fail(errmsg, ZHS_EUSAGE, "limit must be at most %u, "
                         "offset at most %u, snippets at most 3",
                         ZHS_MAX_LIMIT, ZHS_MAX_OFFSET);
    if ((unsigned)opts->sort > ZHS_SORT_OLDEST
        || (opts->facets & ~(ZHS_FACET_SOURCE | ZHS_FACET_YEAR
                             | ZHS_FACET_MONTH)) != 0)
        return zhsi_fail(errmsg, ZHS_EUSAGE, "unknown sort order %d or "
                         "facet bits %#x", (int)opts->sort, opts->facets);
    max_snippets = opts->max_snippets ? opts->max_snippets : 3;
    st = zhsi_query_parse_py(db->seg, query, zhsi_pinyin_resolve, db, &q,
                             errmsg);
    if (st == ZHS_OK)
        st = zhsi_query_build(&q, db_termfreq, db->x, &xq, errmsg);
    /* The page's pass examines only what the page needs: Xapian 1.4.22
     * drops the best match of some queries when check_at_least exceeds
     * the page while collapsing (tools/xapian-collapse-bug.py).  When its
     * total is an estimate, a pass without weights counts up to
     * EXACT_TOTALS (a weighted pass over 1,000 matches tripled p99 at
     * 20,000 documents).  Larger totals are Xapian's estimate, flagged in
     * the results.  Facets examine every match. */
    xs.offset = opts->offset;
    xs.limit = opts->limit;
    xs.check_at_least = 0;
    xs.exact_upto = EXACT_TOTALS;
    xs.sort = opts->sort;
    xs.facets = opts->facets;
    xs.collapse = !opts->no_collapse;
    if (st == ZHS_OK)
        zhsi_use_check(&q, &xs);
    if (st == ZHS_OK) {
        struct search_try t = {xq, &xs, &xr};
        st = zhs_db_retry(db, search_once, &t, 0, errmsg);
    }
    if (st != ZHS_OK) {
        if (st != ZHS_EQUERY && st != ZHS_EUSAGE)
            zhsi_errmsg_prefix(errmsg, db->path);
        goto out;
    }
    /* Too few strict matches for the page: relaxed ones follow. */
    if (!opts->no_relax && opts->limit > 0 && xr.exact
        && xr.total < opts->offset + opts->limit) {
        st = zhsi_relax_new(&q, db_termfreq, db->x, &rx, errmsg);
        if (st == ZHS_OK && rx != NULL)
            st = relaxed_search(db, rx, &xs, xr.total, xr.nhits, &rxr,
                                errmsg);
        if (st != ZHS_OK)
            goto out;
    }
    r = calloc(1, sizeof *r);
    if (r == NULL || (r->query = strdup(query)) == NULL
        || (r->hits = calloc(xr.nhits + rxr.nhits + 1, sizeof *r->hits))
               == NULL) {
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        goto out;
    }
    r->total = xr.total;
    r->total_exact = xr.exact;
    r->facets = xr.facets;
    r->nfacets = xr.nfacets;
    xr.facets = NULL;
    xr.nfacets = 0;
    if (db->missing && (r->missing_shards = strdup(db->missing)) == NULL) {
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        goto out;
    }
    r->offset = opts->offset;
    r->limit = opts->limit;
    for (i = 0; i < xr.nhits; i++) {
        r->hits[i].rank = opts->offset + (unsigned)i + 1;
        r->nhits = i + 1;
        st = fill_hit(&r->hits[i], &xr.hits[i], q.marks, q.nmarks,
                      max_snippets, opts->with_text, errmsg);
        if (st != ZHS_OK) {
            zhsi_errmsg_prefix(errmsg, db->path);
            goto out;
        }
    }
    r->strict_total = xr.total;
    if (rx != NULL && (rxr.total > 0 || rxr.nhits > 0)) {
        size_t nm, k;
        const zhsi_needle *m = zhsi_relax_marks(rx, &nm);
        for (k = 0; k < rxr.nhits; k++) {
            zhs_hit *h = &r->hits[i];
            h->rank = opts->offset + (unsigned)i + 1;
            r->nhits = i + 1;
            st = fill_hit(h, &rxr.hits[k], m, nm, max_snippets,
                          opts->with_text, errmsg);
            if (st != ZHS_OK) {
                zhsi_errmsg_prefix(errmsg, db->path);
                goto out;
            }
            h->relaxed = 1;
            h->words_matched = rxr.hits[k].words;
            i++;
        }
        if ((st = relaxed_results(r, rx, &rxr, errmsg)) != ZHS_OK)
            goto out;
    }
    r->took_ms = zhsi_now_ms() - t0;
    *out = r;
    r = NULL;
out:
    zhs_results_free(r);
    zhsi_xresult_clear(&xr);
    zhsi_xresult_clear(&rxr);
    zhsi_relax_free(rx);
    zhsi_xq_free(xq);
    zhsi_query_free(&q);
    return st;
}

void zhs_results_free(zhs_results *r)
{
    size_t i, j;

    if (r == NULL)
        return;
    for (i = 0; i < r->nhits; i++) {
        zhs_hit *h = &r->hits[i];
        free(h->id);
        free(h->title);
        free(h->date);
        free(h->source);
        free(h->path);
        free(h->url);
        free(h->author);
        free(h->origin);
        free(h->text);
        for (j = 0; j < h->nduplicate_ids; j++)
            free(h->duplicate_ids[j]);
        free(h->duplicate_ids);
        for (j = 0; j < h->nsnippets; j++)
            zhsi_snippet_clear(&h->snippets[j]);
        free(h->snippets);
    }
    free(r->hits);
    free(r->query);
    free(r->missing_shards);
    for (i = 0; i < r->nrelaxed_words; i++)
        free(r->relaxed_words[i]);
    free(r->relaxed_words);
    free(r->relaxed_message);
    zhsi_facets_free(r->facets, r->nfacets);
    free(r);
}

/* ---- for the other library files and the server ------------------ */

zhsi_xdb *zhsi_db_xdb(zhs_db *db) { return db->x; }
zhsi_segmenter *zhsi_db_segmenter(zhs_db *db) { return db->seg; }
const char *zhs_db_path(const zhs_db *db) { return db->path; }

zhs_status zhs_db_revision(zhs_db *db, unsigned long long *rev, int *known,
                           char **errmsg)
{
    zhs_status st = zhsi_xdb_revision(db->x, rev, known, errmsg);
    if (st != ZHS_OK)
        zhsi_errmsg_prefix(errmsg, db->path);
    return st;
}

void zhs_db_set_time_limit(zhs_db *db, unsigned ms)
{
    zhsi_xdb_set_time_limit(db->x, ms / 1000.0);
}

int zhs_parse_sort(const char *s, zhs_sort *out)
{
    if (strcmp(s, "relevance") == 0)
        *out = ZHS_SORT_RELEVANCE;
    else if (strcmp(s, "newest") == 0)
        *out = ZHS_SORT_NEWEST;
    else if (strcmp(s, "oldest") == 0)
        *out = ZHS_SORT_OLDEST;
    else
        return -1;
    return 0;
}

int zhs_parse_facets(const char *s, unsigned *out)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        {"source", ZHS_FACET_SOURCE}, {"year", ZHS_FACET_YEAR},
        {"month", ZHS_FACET_MONTH}};
    unsigned bits = 0;
    size_t n, i;

    for (;;) {
        n = strcspn(s, ",");
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (n == strlen(names[i].name) && strncmp(s, names[i].name, n) == 0)
                break;
        if (i == sizeof names / sizeof names[0])
            return -1;
        bits |= names[i].bit;
        if (s[n] == '\0')
            break;
        s += n + 1;
    }
    *out = bits;
    return 0;
}
