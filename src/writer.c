/* writer.c: turning documents into Xapian documents.
 *
 * Each document gets the terms described in zhs-int.h (ZHSI_SCHEME): ICU
 * words for ranking, positioned character bigrams and unpositioned
 * characters for exact-substring recall.  The stored data is a JSON object
 * with the metadata and the original text; snippets are computed from it
 * at search time with the same normalizer, so display and index can never
 * disagree.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "zhs-int.h"

#define MAX_ID_BYTES 240

struct zhs_writer {
    zhsi_xwdb *x;        /* the Xapian writer, inside a transaction */
    zhsi_segmenter *seg; /* ICU word iterator */
    char *dir;           /* index directory, for messages */
};

/* A directory we may create an index in: missing, empty (a .gitignore
 * aside), or already an index. */
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
        else
            other = 1;
    }
    closedir(d);
    if (other && !index)
        return zhsi_fail(errmsg, ZHS_ECORRUPT,
                         "%s: directory is not empty and holds no index; "
                         "refusing to write there", dir);
    return ZHS_OK;
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
    st = zhsi_xwdb_open(dir, &w->x, errmsg);
    if (st == ZHS_OK)
        st = zhsi_segmenter_new(&w->seg, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xwdb_metadata(w->x, ZHSI_META_SCHEME, &scheme, errmsg);
    if (st == ZHS_OK && scheme[0] == '\0')
        st = zhsi_xwdb_set_metadata(w->x, ZHSI_META_SCHEME, ZHSI_SCHEME,
                                    errmsg);
    else if (st == ZHS_OK && strcmp(scheme, ZHSI_SCHEME) != 0)
        st = zhsi_fail(errmsg, ZHS_ECORRUPT,
                       "index uses term scheme '%s' but this zhsearch writes "
                       "'%s': delete it and index again", scheme,
                       ZHSI_SCHEME);
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
    zhsi_xwdb_close(w->x);
    zhsi_segmenter_free(w->seg);
    free(w->dir);
    free(w);
}

zhs_status zhs_writer_commit(zhs_writer *w, char **errmsg)
{
    zhs_status st = zhsi_xwdb_commit(w->x, errmsg);
    if (st != ZHS_OK)
        zhsi_errmsg_prefix(errmsg, w->dir);
    return st;
}

/* Term generation state: a sticky status, FTS5-style, so the callbacks
 * need no error plumbing of their own. */
struct termgen {
    zhsi_xdoc *doc;
    const uint32_t *cps; /* normalized text being indexed */
    unsigned wdf;        /* within-document frequency per occurrence */
    zhs_status st;
    char **errmsg;
};

static int add_word(size_t start, size_t end, void *arg)
{
    struct termgen *g = arg;
    char buf[ZHSI_MAX_WORD_BYTES + 4];
    size_t i, k = 0;

    for (i = start; i < end; i++) {
        if (k + 4 > ZHSI_MAX_WORD_BYTES)
            return 0;                   /* over-long tokens do not rank */
        k += zhsi_utf8_put(buf + k, g->cps[i]);
    }
    g->st = zhsi_xdoc_add_term(g->doc, buf, k, g->wdf, g->errmsg);
    return g->st != ZHS_OK;
}

/* Adds the words, bigrams and characters of normalized text t.  With
 * positions, bigrams are positioned (the body); without, they only add
 * within-document frequency (the title boost). */
static void add_text_terms(zhsi_segmenter *seg, struct termgen *g,
                           const zhsi_text *t, int positions)
{
    char term[16];
    size_t i, k;

    g->cps = t->norm;
    if (g->st == ZHS_OK)
        g->st = zhsi_segment(seg, t->norm, t->nnorm, add_word, g, g->errmsg);
    for (i = 0; g->st == ZHS_OK && i < t->nnorm; i++) {
        if (t->norm[i] != ' ') {
            k = zhsi_unigram_term(term, t->norm[i]);
            g->st = zhsi_xdoc_add_term(g->doc, term, k, g->wdf, g->errmsg);
        }
        if (g->st == ZHS_OK && i + 1 < t->nnorm) {
            k = zhsi_bigram_term(term, t->norm[i], t->norm[i + 1]);
            g->st = positions
                ? zhsi_xdoc_add_posting(g->doc, term, k, (unsigned)i + 1,
                                        g->errmsg)
                : zhsi_xdoc_add_term(g->doc, term, k, g->wdf, g->errmsg);
        }
    }
}

/* The stored form: JSON with the metadata and the text.  NUL characters
 * (white space to the normalizer) are stored as spaces so that the text
 * survives as a C string. */
static char *stored_data(const zhs_doc *d)
{
    cJSON *o = cJSON_CreateObject();
    char *text = malloc(d->text_len + 1), *json = NULL;
    size_t i;

    if (o == NULL || text == NULL)
        goto out;
    for (i = 0; i < d->text_len; i++)
        text[i] = d->text[i] ? d->text[i] : ' ';
    text[d->text_len] = '\0';
#define STR_OR_NULL(key, v)                                                  \
    ((v) ? cJSON_AddStringToObject(o, key, v) : cJSON_AddNullToObject(o, key))
    if (!STR_OR_NULL("id", d->id) || !STR_OR_NULL("title", d->title)
        || !STR_OR_NULL("path", d->path) || !STR_OR_NULL("date", d->date)
        || !STR_OR_NULL("source", d->source) || !STR_OR_NULL("url", d->url)
        || !cJSON_AddStringToObject(o, "text", text))
        goto out;
#undef STR_OR_NULL
    json = cJSON_PrintUnformatted(o);
out:
    cJSON_Delete(o);
    free(text);
    return json;
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

zhs_status zhs_writer_put(zhs_writer *w, const zhs_doc *d, char **errmsg)
{
    zhsi_text body = {0}, title = {0};
    struct termgen g = {0};
    char *data = NULL, *idterm = NULL;
    size_t idlen;
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
        || (st = check_field("url", d->url, errmsg)) != ZHS_OK)
        goto out;
    st = zhsi_text_build(d->text ? d->text : "", d->text ? d->text_len : 0,
                         &body, errmsg);
    if (st == ZHS_OK && d->title)
        st = zhsi_text_build(d->title, strlen(d->title), &title, errmsg);
    if (st != ZHS_OK)
        goto out;

    g.st = zhsi_xdoc_new(&g.doc, errmsg);
    g.errmsg = errmsg;
    g.wdf = 1;
    add_text_terms(w->seg, &g, &body, 1);
    g.wdf = ZHSI_TITLE_WDF;
    add_text_terms(w->seg, &g, &title, 0);
    if ((st = g.st) != ZHS_OK)
        goto out;

    data = stored_data(d);
    idterm = malloc(idlen + 2);
    if (data == NULL || idterm == NULL) {
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        goto out;
    }
    idterm[0] = 'Q';
    memcpy(idterm + 1, d->id, idlen + 1);
    st = zhsi_xdoc_set_data(g.doc, data, strlen(data), errmsg);
    if (st == ZHS_OK)
        st = zhsi_xwdb_replace(w->x, idterm, g.doc, errmsg);
out:
    zhsi_xdoc_free(g.doc);
    zhsi_text_free(&body);
    zhsi_text_free(&title);
    free(data);
    free(idterm);
    return st;
}
