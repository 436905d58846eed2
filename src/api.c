/* api.c: the HTTP API's routing and checking (see api.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define JSON_TYPE "application/json; charset=utf-8"

/* Every parameter of every endpoint; each endpoint takes some of them
 * (a bit mask over this list) and refuses any other. */
static const char *const known_params[] = {"q", "limit", "offset",
                                           "snippets", "sort", "facets",
                                           "collapse", "source", "date",
                                           "author", "strict"};
#define NPARAMS (sizeof known_params / sizeof known_params[0])
#define SEARCH_PARAMS 0x7FFu             /* all of them */
#define SUGGEST_PARAMS 0x3u              /* q, limit */
#define NO_PARAMS 0x0u

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

/* An error from the library.  Clients need not learn where the server
 * keeps its files: a message about the index itself (5xx: missing,
 * moved away in a swap, a shard away, damaged) quotes paths and the stub
 * file's lines, so the client gets only the kind of failure and the
 * operator the whole message on standard error.  A 4xx message is about
 * what the client sent; it loses the index's path at its start. */
void api_fail_status(struct api_response *r, zhs_db *db, zhs_status st,
                     const char *msg)
{
    const char *path = db ? zhs_db_path(db) : NULL;
    size_t n = path ? strlen(path) : 0;
    unsigned status = api_http_status(st);

    if (status >= 500) {
        if (msg != NULL)
            fprintf(stderr, "zhsearch: HTTP %u: %s\n", status, msg);
        set_body(r, status, zhs_error_json(st, zhs_strerror(st)));
        return;
    }
    if (msg && n > 0 && strncmp(msg, path, n) == 0 && msg[n] == ':'
        && msg[n + 1] == ' ')
        msg += n + 2;
    set_body(r, status, zhs_error_json(st, msg));
}

/* Valid UTF-8 without NUL bytes. */
static int clean_text(const char *s, size_t len)
{
    return s == NULL
           || (memchr(s, '\0', len) == NULL
               && zhs_utf8_invalid_at(s, len) == (size_t)-1);
}

/* The parameters an endpoint reads, checked: each known one at most
 * once, every name and value clean text, none the endpoint does not take
 * (a typo would otherwise be silently ignored: source= for a filter that
 * did not exist once returned every source).  Returns 0 after failing r. */
struct args {
    char *v[NPARAMS];
    size_t len[NPARAMS];
};

static void free_args(struct args *a)
{
    size_t k;
    for (k = 0; k < NPARAMS; k++)
        free(a->v[k]);
}

/* At most max bytes of s, cut on a character boundary (s is UTF-8). */
static int utf8_prefix(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return (int)len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return (int)max;
}

static void fail_unknown(struct api_response *r, const struct api_param *p,
                         unsigned allowed)
{
    char known[160] = "";
    size_t k, n = 0;

    for (k = 0; k < NPARAMS; k++)
        if (allowed & (1u << k))
            n += (size_t)snprintf(known + n, sizeof known - n, "%s%s",
                                  n ? ", " : "", known_params[k]);
    fail(r, 400, ZHS_EUSAGE, "unknown parameter '%.*s%s' (%s%s)",
         utf8_prefix(p->name, p->name_len, 64), p->name,
         p->name_len > 64 ? "..." : "",
         allowed ? "this endpoint takes " : "this endpoint takes none",
         known);
}

static int get_args(const struct api_param *p, size_t np, unsigned allowed,
                    struct args *a, struct api_response *r)
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
        for (k = 0; k < NPARAMS; k++)
            if ((allowed & (1u << k))
                && p[i].name_len == strlen(known_params[k])
                && memcmp(p[i].name, known_params[k], p[i].name_len) == 0)
                break;
        if (k == NPARAMS) {
            fail_unknown(r, &p[i], allowed);
            return 0;
        }
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
    return 1;
}

static const char *arg(const struct args *a, const char *name)
{
    size_t k;
    for (k = 0; k < NPARAMS; k++)
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

/* A boolean parameter: true/false or 1/0 (def when absent); returns 0
 * after failing r. */
static int bool_arg(const struct args *a, const char *name, int def,
                    int *out, struct api_response *r)
{
    const char *s = arg(a, name);

    *out = def;
    if (s == NULL)
        return 1;
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
        *out = 1;
    else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
        *out = 0;
    else {
        fail(r, 400, ZHS_EUSAGE, "parameter '%s' must be true, false, 1 "
             "or 0", name);
        return 0;
    }
    return 1;
}

#define MAX_FILTER_BYTES 512u

/* Checks the filter parameters source, author (any text without a double
 * quote, which could not be written in the query language) and date
 * (digits, '-' and '.' only, so that it stays one field). */
static int filter_args(const struct args *a, struct api_response *r)
{
    static const char *const names[] = {"source", "author", "date"};
    size_t k;

    for (k = 0; k < 3; k++) {
        const char *v = arg(a, names[k]);
        size_t i;
        if (v == NULL)
            continue;
        if (v[0] == '\0' || strlen(v) > MAX_FILTER_BYTES) {
            fail(r, 400, ZHS_EUSAGE, "parameter '%s' must be 1 to %u bytes",
                 names[k], MAX_FILTER_BYTES);
            return 0;
        }
        if (k < 2 && (strchr(v, '"') || strstr(v, "\xef\xbc\x82"))) {
            fail(r, 400, ZHS_EUSAGE, "parameter '%s' must not hold a double "
                 "quote", names[k]);
            return 0;
        }
        for (i = 0; k == 2 && v[i]; i++)
            if (!((v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '.'))
                break;
        if (k == 2 && v[i] != '\0') {
            fail(r, 400, ZHS_EUSAGE, "parameter 'date' must be YYYY, YYYY-MM "
                 "or YYYY-MM-DD, or a range A..B of those");
            return 0;
        }
    }
    return 1;
}

/* The query to run: q alone, or with filter parameters the query
 * language's fields, "(q) source:\"S\" date:D author:\"A\"", so that a
 * parameter filters exactly as the field does (and the answer's "query"
 * says what ran).  NULL when out of memory. */
static char *full_query(const struct args *a, const char *q)
{
    const char *src = arg(a, "source"), *date = arg(a, "date"),
               *author = arg(a, "author");
    size_t n;
    char *s;

    if (!src && !date && !author)
        return strdup(q);
    n = strlen(q) + 3 * MAX_FILTER_BYTES + 64;
    if ((s = malloc(n)) == NULL)
        return NULL;
    snprintf(s, n, "(%s)%s%s%s%s%s%s%s%s", q, src ? " source:\"" : "",
             src ? src : "", src ? "\"" : "", date ? " date:" : "",
             date ? date : "", author ? " author:\"" : "",
             author ? author : "", author ? "\"" : "");
    return s;
}

/* After a malformed query with filters: the error as the client would
 * see it for what it sent, q's own message (positions in q) or the filter
 * parameter at fault. */
static void fail_query(zhs_db *db, const struct args *a, const char *q,
                       const char *msg, struct api_response *r)
{
    zhs_search_opts o = {0};
    zhs_results *res = NULL;
    char *qmsg = NULL, *dq;
    zhs_status st = zhs_search(db, q, &o, &res, &qmsg);

    zhs_results_free(res);
    if (st != ZHS_OK) {
        api_fail_status(r, db, st, qmsg);
        free(qmsg);
        return;
    }
    free(qmsg);
    qmsg = NULL;
    if (arg(a, "date") && (dq = malloc(strlen(arg(a, "date")) + 8))) {
        sprintf(dq, "date:%s", arg(a, "date"));
        res = NULL;
        st = zhs_search(db, dq, &o, &res, &qmsg);
        zhs_results_free(res);
        free(qmsg);
        free(dq);
        if (st == ZHS_EQUERY) {
            fail(r, 400, ZHS_EQUERY, "parameter 'date' must be YYYY, "
                 "YYYY-MM or YYYY-MM-DD, or a range A..B of those");
            return;
        }
    }
    api_fail_status(r, db, ZHS_EQUERY, msg);
}

/* The shards a partial answer left out, as the client may see them: a
 * local shard by its directory's name ("shard-1"), a remote one as
 * "remote shard K" — never a path or an address of the server.  NULL when
 * out of memory. */
static char *public_missing(const char *lines)
{
    char *out = malloc(strlen(lines) + 64 * (strlen(lines) / 2 + 1)), *q;
    const char *p = lines, *nl, *sp, *name;
    unsigned remote = 0;

    if ((q = out) == NULL)
        return NULL;
    while (*p) {
        nl = strchr(p, '\n');
        if (nl == NULL)
            nl = p + strlen(p);
        sp = memchr(p, ' ', (size_t)(nl - p));
        if (sp != NULL && strncmp(p, "remote ", 7) != 0) {
            const char *e = nl;
            while (e > sp + 1 && e[-1] == '/')
                e--;
            for (name = e; name > sp + 1 && name[-1] != '/'; name--)
                ;
            q += sprintf(q, "%s%.*s", q > out ? "\n" : "", (int)(e - name),
                         name);
        } else {
            q += sprintf(q, "%sremote shard %u", q > out ? "\n" : "",
                         ++remote);
        }
        p = *nl ? nl + 1 : nl;
    }
    *q = '\0';
    return out;
}

/* The search object as a client sees it: paths relative to the indexed
 * root (a file's id; null for a record) unless show_paths, the missing
 * shards by name only (public_missing). */
static char *public_results_json(zhs_results *res, int show_paths)
{
    char **paths = NULL, *saved = res->missing_shards, *json;
    size_t i;

    if (!show_paths && res->nhits > 0) {
        if ((paths = malloc(res->nhits * sizeof *paths)) == NULL)
            return NULL;
        for (i = 0; i < res->nhits; i++) {
            paths[i] = res->hits[i].path;
            if (paths[i] != NULL)
                res->hits[i].path = res->hits[i].id;
        }
    }
    if (saved != NULL && (res->missing_shards = public_missing(saved)) == NULL)
        json = NULL;
    else
        json = zhs_results_json(res);
    if (saved != NULL) {
        free(res->missing_shards);
        res->missing_shards = saved;
    }
    for (i = 0; paths && i < res->nhits; i++)
        res->hits[i].path = paths[i];
    free(paths);
    return json;
}

static void do_search(zhs_db *db, const struct args *a, int show_paths,
                      struct api_response *r)
{
    zhs_search_opts o = {0};
    zhs_results *res = NULL;
    int collapse, strict;
    const char *q;
    char *msg = NULL, *query;
    zhs_status st;

    if ((q = q_arg(a, 0, r)) == NULL
        || !num_arg(a, "limit", 0, API_MAX_LIMIT, 10, &o.limit, r)
        || !num_arg(a, "offset", 0, API_MAX_OFFSET, 0, &o.offset, r)
        || !num_arg(a, "snippets", 1, 3, 3, &o.max_snippets, r)
        || !bool_arg(a, "collapse", 1, &collapse, r)
        || !bool_arg(a, "strict", 0, &strict, r)
        || !filter_args(a, r))
        return;
    o.no_collapse = !collapse;
    o.no_relax = strict;
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
    if ((query = full_query(a, q)) == NULL) {
        set_body(r, 503, NULL);
        return;
    }
    st = zhs_search(db, query, &o, &res, &msg);  /* reopens and retries */
    if (st == ZHS_OK)
        set_body(r, 200, public_results_json(res, show_paths));
    else if (st == ZHS_EQUERY && strcmp(query, q) != 0)
        fail_query(db, a, q, msg, r);
    else
        api_fail_status(r, db, st, msg);
    zhs_results_free(res);
    free(query);
    free(msg);
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
    st = zhs_db_retry(db, suggest_op, &c, 0, &msg);
    if (st == ZHS_OK)
        set_body(r, 200, zhs_suggestions_json(c.out));
    else
        api_fail_status(r, db, st, msg);
    zhs_suggestions_free(c.out);
    free(msg);
}

static void do_doc(zhs_db *db, const char *id, size_t len, int show_paths,
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
    /* an id another thread's newer handle just returned may not be in
     * this one's revision yet */
    st = zhs_db_retry(db, get_op, &c, ZHS_RETRY_NOTFOUND, &msg);
    if (st == ZHS_OK) {
        zhs_doc d = c.out->doc;         /* the path as public_results_json */
        if (!show_paths && d.path != NULL)
            d.path = d.id;
        set_body(r, 200, zhs_doc_json(&d));
    }
    else
        api_fail_status(r, db, st, msg);
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
        api_fail_status(r, db, st, msg);
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

void api_handle(zhs_db *db, const struct api_opts *opts, const char *method,
                const char *path, size_t len,
                const struct api_param *params, size_t nparams,
                struct api_response *r)
{
    int show_paths = opts != NULL && opts->show_paths;
    struct args a;
    size_t i;

    memset(r, 0, sizeof *r);
    memset(&a, 0, sizeof a);
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
    if (path_is(path, len, "/api/search")) {
        if (get_args(params, nparams, SEARCH_PARAMS, &a, r))
            do_search(db, &a, show_paths, r);
    } else if (path_is(path, len, "/api/suggest")) {
        if (get_args(params, nparams, SUGGEST_PARAMS, &a, r))
            do_suggest(db, &a, r);
    } else if (path_is(path, len, "/api/health")) {
        if (get_args(params, nparams, NO_PARAMS, &a, r))
            do_health(db, r);
    } else if (len >= 9 && memcmp(path, "/api/doc/", 9) == 0) {
        if (get_args(params, nparams, NO_PARAMS, &a, r))
            do_doc(db, path + 9, len - 9, show_paths, r);
    } else {
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
