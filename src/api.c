/* api.c: the HTTP API's routing and checking (see api.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define JSON_TYPE "application/json; charset=utf-8"
#define MAX_RETRIES 3

static const char *const known_params[] = {"q", "limit", "offset",
                                           "snippets", "sort", "facets",
                                           "collapse"};

static void set_body(struct api_response *r, unsigned status, char *body)
{
    r->status = status;
    r->type = JSON_TYPE;
    r->body = body;
    r->len = body ? strlen(body) : 0;
    r->is_static = 0;
    r->cacheable = 0;
    if (body == NULL) {                 /* out of memory */
        r->status = 503;
        r->body = (char *)"{\"error\":{\"code\":\"ENOMEM\",\"message\":"
                          "\"out of memory\"}}";
        r->len = strlen(r->body);
        r->is_static = 1;
    }
}

unsigned api_http_status(zhs_status st)
{
    switch (st) {
    case ZHS_OK: return 200;
    case ZHS_EUSAGE:
    case ZHS_EQUERY:
    case ZHS_EENCODING: return 400;
    case ZHS_ENOTFOUND: return 404;
    case ZHS_ENOINDEX:
    case ZHS_EUNAVAILABLE:
    case ZHS_EMODIFIED:
    case ZHS_ENOMEM: return 503;
    default: return 500;
    }
}

static void fail(struct api_response *r, unsigned status, zhs_status st,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fail(struct api_response *r, unsigned status, zhs_status st,
                 const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    set_body(r, status, zhs_error_json(st, msg));
}

/* An error from the library, without the index's path: clients need not
 * learn where the server keeps its files. */
static void fail_status(struct api_response *r, zhs_db *db, zhs_status st,
                        const char *msg)
{
    const char *path = db ? zhs_db_path(db) : NULL;
    size_t n = path ? strlen(path) : 0;

    if (msg && n > 0 && strncmp(msg, path, n) == 0 && msg[n] == ':'
        && msg[n + 1] == ' ')
        msg += n + 2;
    set_body(r, api_http_status(st), zhs_error_json(st, msg));
}

/* Valid UTF-8 without NUL bytes. */
static int clean_text(const char *s, size_t len)
{
    return s == NULL
           || (memchr(s, '\0', len) == NULL
               && zhs_utf8_invalid_at(s, len) == (size_t)-1);
}

/* The parameters this endpoint reads, checked: each known one at most
 * once, every name and value clean text.  Unknown ones are ignored (cache
 * busters).  Returns 0 after failing r. */
struct args {
    char *v[sizeof known_params / sizeof known_params[0]];
    size_t len[sizeof known_params / sizeof known_params[0]];
};

static void free_args(struct args *a)
{
    size_t k;
    for (k = 0; k < sizeof known_params / sizeof known_params[0]; k++)
        free(a->v[k]);
}

static int get_args(const struct api_param *p, size_t np, struct args *a,
                    struct api_response *r)
{
    size_t i, k;

    memset(a, 0, sizeof *a);
    for (i = 0; i < np; i++) {
        if (!clean_text(p[i].name, p[i].name_len)
            || !clean_text(p[i].value, p[i].value_len)) {
            fail(r, 400, ZHS_EENCODING, "parameter %zu is not valid UTF-8 "
                 "text (or holds a NUL byte)", i + 1);
            return 0;
        }
        for (k = 0; k < sizeof known_params / sizeof known_params[0]; k++) {
            if (p[i].name_len != strlen(known_params[k])
                || memcmp(p[i].name, known_params[k], p[i].name_len) != 0)
                continue;
            if (a->v[k] != NULL) {
                fail(r, 400, ZHS_EUSAGE, "parameter '%s' given twice",
                     known_params[k]);
                return 0;
            }
            /* a copy, terminated: values need not be */
            a->len[k] = p[i].value ? p[i].value_len : 0;
            a->v[k] = strndup(p[i].value ? p[i].value : "", a->len[k]);
            if (a->v[k] == NULL) {
                set_body(r, 503, NULL);
                return 0;
            }
        }
    }
    return 1;
}

static const char *arg(const struct args *a, const char *name)
{
    size_t k;
    for (k = 0; k < sizeof known_params / sizeof known_params[0]; k++)
        if (strcmp(known_params[k], name) == 0)
            return a->v[k];
    return NULL;
}

/* A whole decimal number in [lo, hi] into *out (def when absent);
 * returns 0 after failing r. */
static int num_arg(const struct args *a, const char *name, unsigned lo,
                   unsigned hi, unsigned def, unsigned *out,
                   struct api_response *r)
{
    const char *s = arg(a, name);
    unsigned long v = 0;
    size_t i;

    *out = def;
    if (s == NULL)
        return 1;
    for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 12; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    if (i == 0 || s[i] != '\0' || v < lo || v > hi) {
        fail(r, 400, ZHS_EUSAGE, "parameter '%s' must be a whole number "
             "from %u to %u", name, lo, hi);
        return 0;
    }
    *out = (unsigned)v;
    return 1;
}

/* The q parameter: present (unless may_be_empty) and bounded. */
static const char *q_arg(const struct args *a, int may_be_empty,
                         struct api_response *r)
{
    const char *q = arg(a, "q");

    if (q == NULL || (!may_be_empty && q[0] == '\0')) {
        fail(r, 400, ZHS_EUSAGE, "parameter 'q' is required");
        return NULL;
    }
    if (strlen(q) > API_MAX_Q_BYTES) {
        fail(r, 400, ZHS_EUSAGE, "parameter 'q' is over %u bytes",
             API_MAX_Q_BYTES);
        return NULL;
    }
    return q;
}

static void do_search(zhs_db *db, const struct args *a,
                      struct api_response *r)
{
    zhs_search_opts o = {0};
    zhs_results *res = NULL;
    unsigned collapse;
    const char *q;
    char *msg = NULL;
    zhs_status st;

    if ((q = q_arg(a, 0, r)) == NULL
        || !num_arg(a, "limit", 0, API_MAX_LIMIT, 10, &o.limit, r)
        || !num_arg(a, "offset", 0, API_MAX_OFFSET, 0, &o.offset, r)
        || !num_arg(a, "snippets", 1, 3, 3, &o.max_snippets, r)
        || !num_arg(a, "collapse", 0, 1, 1, &collapse, r))
        return;
    o.no_collapse = !collapse;
    if (arg(a, "sort") && zhs_parse_sort(arg(a, "sort"), &o.sort) != 0) {
        fail(r, 400, ZHS_EUSAGE, "parameter 'sort' must be relevance, "
             "newest or oldest");
        return;
    }
    if (arg(a, "facets") && zhs_parse_facets(arg(a, "facets"), &o.facets)) {
        fail(r, 400, ZHS_EUSAGE, "parameter 'facets' must list source, "
             "year, month (comma-separated)");
        return;
    }
    st = zhs_search(db, q, &o, &res, &msg);  /* reopens and retries */
    if (st == ZHS_OK)
        set_body(r, 200, zhs_results_json(res));
    else
        fail_status(r, db, st, msg);
    zhs_results_free(res);
    free(msg);
}

/* Runs op, reopening db and running it again while the index changed
 * underneath (EMODIFIED), at most MAX_RETRIES times; with
 * retry_notfound, also once after ENOTFOUND: what another thread's newer
 * handle just returned may not be in this one yet. */
typedef zhs_status (*db_op)(zhs_db *db, void *arg, char **msg);

static zhs_status with_retries(zhs_db *db, db_op op, void *arg,
                               int retry_notfound, char **msg)
{
    zhs_status st;
    int tries;

    for (tries = 0;; tries++) {
        st = op(db, arg, msg);
        if ((st != ZHS_EMODIFIED
             && (st != ZHS_ENOTFOUND || !retry_notfound || tries > 0))
            || tries == MAX_RETRIES)
            return st;
        free(*msg);
        *msg = NULL;
        if ((st = zhs_db_reopen(db, msg)) != ZHS_OK)
            return st;
    }
}

struct suggest_call {
    const char *q;
    unsigned limit;
    zhs_suggestions *out;
};

static zhs_status suggest_op(zhs_db *db, void *arg, char **msg)
{
    struct suggest_call *c = arg;
    return zhs_suggest(db, c->q, c->limit, &c->out, msg);
}

struct get_call {
    const char *id;
    zhs_file_doc *out;
};

static zhs_status get_op(zhs_db *db, void *arg, char **msg)
{
    struct get_call *c = arg;
    return zhs_db_get(db, c->id, &c->out, msg);
}

static void do_suggest(zhs_db *db, const struct args *a,
                       struct api_response *r)
{
    struct suggest_call c = {NULL, 0, NULL};
    char *msg = NULL;
    zhs_status st;

    if ((c.q = q_arg(a, 1, r)) == NULL
        || !num_arg(a, "limit", 1, ZHS_MAX_SUGGEST, 8, &c.limit, r))
        return;
    st = with_retries(db, suggest_op, &c, 0, &msg);
    if (st == ZHS_OK)
        set_body(r, 200, zhs_suggestions_json(c.out));
    else
        fail_status(r, db, st, msg);
    zhs_suggestions_free(c.out);
    free(msg);
}

static void do_doc(zhs_db *db, const char *id, size_t len,
                   struct api_response *r)
{
    struct get_call c = {NULL, NULL};
    char *msg = NULL, *copy;
    zhs_status st;

    if (len == 0 || len > API_MAX_ID_BYTES || !clean_text(id, len)) {
        fail(r, len == 0 ? 404 : 400, len == 0 ? ZHS_ENOTFOUND : ZHS_EUSAGE,
             len == 0 ? "no document id after /api/doc/"
                      : "document id is over %u bytes or not UTF-8 text",
             API_MAX_ID_BYTES);
        return;
    }
    if ((copy = strndup(id, len)) == NULL) {
        set_body(r, 503, NULL);
        return;
    }
    c.id = copy;
    st = with_retries(db, get_op, &c, 1, &msg);
    if (st == ZHS_OK)
        set_body(r, 200, zhs_doc_json(&c.out->doc));
    else
        fail_status(r, db, st, msg);
    zhs_file_doc_free(c.out);
    free(copy);
    free(msg);
}

static void do_health(zhs_db *db, struct api_response *r)
{
    unsigned long long rev = 0;
    int known = 0;
    char *msg = NULL, buf[160];
    const char *missing = zhs_db_missing_shards(db);
    zhs_status st = zhs_db_revision(db, &rev, &known, &msg);

    if (st != ZHS_OK) {
        fail_status(r, db, st, msg);
        free(msg);
        return;
    }
    if (known)
        snprintf(buf, sizeof buf, "%llu", rev);
    else
        strcpy(buf, "null");
    {
        char out[256];
        snprintf(out, sizeof out, "{\"status\":\"%s\",\"documents\":%u,"
                 "\"revision\":%s}", missing ? "partial" : "ok",
                 zhs_db_doc_count(db), buf);
        set_body(r, 200, strdup(out));
    }
}

static int path_is(const char *path, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(path, want, len) == 0;
}

int api_needs_db(const char *path, size_t len)
{
    return len >= 5 && memcmp(path, "/api/", 5) == 0;
}

void api_handle(zhs_db *db, const char *method, const char *path, size_t len,
                const struct api_param *params, size_t nparams,
                struct api_response *r)
{
    struct args a;
    size_t i;

    memset(r, 0, sizeof *r);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        fail(r, 405, ZHS_EUSAGE, "method not allowed: use GET");
        return;
    }
    if (!api_needs_db(path, len)) {
        for (i = 0; i < api_nassets; i++)
            if (path_is(path, len, api_assets[i].path)) {
                r->status = 200;
                r->type = api_assets[i].type;
                r->body = (char *)api_assets[i].data;
                r->len = api_assets[i].len;
                r->is_static = 1;
                r->cacheable = 1;
                return;
            }
        fail(r, 404, ZHS_ENOTFOUND, "no such page");
        return;
    }
    if (db == NULL) {
        fail(r, 503, ZHS_ENOINDEX, "the index cannot be opened");
        return;
    }
    if (get_args(params, nparams, &a, r)) {
        if (path_is(path, len, "/api/search"))
            do_search(db, &a, r);
        else if (path_is(path, len, "/api/suggest"))
            do_suggest(db, &a, r);
        else if (path_is(path, len, "/api/health"))
            do_health(db, r);
        else if (len >= 9 && memcmp(path, "/api/doc/", 9) == 0)
            do_doc(db, path + 9, len - 9, r);
        else
            fail(r, 404, ZHS_ENOTFOUND, "no such endpoint");
    }
    free_args(&a);
}

void api_response_clear(struct api_response *r)
{
    if (!r->is_static)
        free(r->body);
    memset(r, 0, sizeof *r);
}
