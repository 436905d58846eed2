/* api.h: the HTTP API of `zhsearch serve`, apart from the HTTP server.
 *
 * api_handle maps one request (method, decoded path, decoded query
 * parameters) to a status, a content type and a body.  It does all the
 * checking of what a client sends, so that it can be tested and fuzzed
 * without a socket; cmd_serve.c only moves bytes.
 */
#ifndef ZHS_API_H
#define ZHS_API_H

#include <stddef.h>

#include "zhsearch.h"

/* Bounds on what a client may ask. */
#define API_MAX_LIMIT 100u
#define API_MAX_OFFSET 10000u
#define API_MAX_Q_BYTES 4096u
#define API_MAX_ID_BYTES 1024u

/* One query parameter, percent-decoded (may hold NUL bytes). */
struct api_param {
    const char *name;
    size_t name_len;
    const char *value;    /* NULL for a name without '=' */
    size_t value_len;
};

struct api_response {
    unsigned status;      /* HTTP status */
    const char *type;     /* Content-Type */
    char *body;           /* malloc'd, or static when is_static */
    size_t len;           /* bytes of body */
    int is_static;        /* body is not to be freed */
    int cacheable;        /* a static file (else: no-store) */
};

/* A page of the search front end, compiled in (web-assets.c). */
struct api_asset {
    const char *path;     /* "/", "/app.js", ... */
    const char *type;
    const unsigned char *data;
    size_t len;
};
extern const struct api_asset api_assets[];
extern const size_t api_nassets;

/* How the server answers (serve's options). */
struct api_opts {
    int show_paths;       /* hits and /api/doc carry "path" as the indexer
                             was given it (else relative to the indexed
                             root: the id of a file, null for a record) */
};

/* Answers a request.  db may be NULL for requests that need no index (the
 * static files).  path is the decoded path (len bytes, may hold NUL);
 * params the query parameters in order.  Always fills *out, with an error
 * object for every failure: 400 bad parameters (invalid UTF-8, NUL, out
 * of range, repeated, one the endpoint does not take, a malformed query),
 * 404 unknown paths and ids, 405 methods other than GET and HEAD (the
 * server answers OPTIONS itself), 500/503 index trouble (api_fail_status).
 * opts may be NULL (the defaults).  /api/search's
 * source=, author= and date= are written into the query as its fields
 * (the answer's "query" is what ran). */
void api_handle(zhs_db *db, const struct api_opts *opts, const char *method,
                const char *path, size_t len,
                const struct api_param *params, size_t nparams,
                struct api_response *out);

/* Fills *out with the error answer for library status st and its
 * message msg.  No answer names a file of the server: a 5xx answer (the
 * index cannot be read) says only what kind of failure it was, and msg
 * goes to standard error for the operator; a 4xx answer (what the client
 * sent) keeps msg without db's path.  db may be NULL. */
void api_fail_status(struct api_response *out, zhs_db *db, zhs_status st,
                     const char *msg);

/* The HTTP status for a library status: 400 for what the client sent,
 * 404 for what is not there, 503 for what may pass, else 500. */
unsigned api_http_status(zhs_status st);

/* Whether the request needs the index (to open a handle lazily). */
int api_needs_db(const char *path, size_t len);

void api_response_clear(struct api_response *r);

#endif /* ZHS_API_H */
