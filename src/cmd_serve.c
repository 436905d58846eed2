/* cmd_serve.c: `zhsearch serve`, the HTTP JSON API and the search page.
 *
 * libmicrohttpd gives each connection a thread of its own.  A request
 * that reads the index takes one of --threads readers (a zhs_db each,
 * which is not shared between threads), waiting while all are busy, and
 * gives it back when answered: so --threads searches run at once however
 * the connections arrive.  (With libmicrohttpd's pool of threads, each
 * polling the connections it accepted, wrk's 4 keep-alive connections
 * all landed on one thread: one core searched, the other idled, 348
 * req/s at 100,000 documents.)  A reader is opened on first use and
 * reopened at most every REOPEN_MS, so commits by an indexer show within
 * a second; a search that meets a database changed underneath it reopens
 * and retries in the library.  api.c decides every answer; this
 * file moves bytes, and stops cleanly on SIGTERM or SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "cache.h"
#include "cli.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define REOPEN_MS 200.0
#define MAX_PARAMS 64
#define DEFAULT_TIME_LIMIT_MS 2000u
#define DEFAULT_CACHE_MB 64u
#define MAX_CORS 16
#define DEFAULT_MAX_CONN 512u
#define DEFAULT_PER_ADDRESS 64u  /* a client's share of DEFAULT_MAX_CONN */
#define CONNECTION_TIMEOUT_S 15u

/* One reader, used by one request at a time. */
struct tstate {
    zhs_db *db;
    double last_reopen;
    unsigned long long rev;      /* the handle's index revision */
    int rev_known;               /* 0 for a stub of shards: no caching */
    char *uuid;                  /* the handle's database, as rev was read */
    struct tstate *next;
    struct tstate *next_idle;
};

struct server {
    struct cli_db db;            /* --db, --timeout, --allow-partial */
    const char *dict;
    unsigned time_limit_ms;
    int access_log;
    struct api_opts api;         /* --show-paths */
    cache *cache;                /* answers by request, or NULL */
    const char *cors[MAX_CORS];  /* --cors origins ("*": any) */
    size_t ncors;
    pthread_mutex_t mu;          /* guards all, idle and nreaders */
    pthread_cond_t freed;        /* a reader went back to idle */
    struct tstate *all;          /* every reader, to close */
    struct tstate *idle;         /* readers no request holds (via next_idle) */
    unsigned nreaders, max_readers;
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: zhsearch serve [--db DIR] [--listen ADDR:PORT] "
            "[--threads N]\n"
            "                      [--cors ORIGIN]... [OPTION]...\n"
            "Serve the index over HTTP: a JSON API and a search page at /.\n"
            "\n"
            "Endpoints (GET or HEAD; any parameter not listed is a 400 "
            "naming it):\n"
            "  /api/search   q=QUERY      the query (required; zhsearch(1), "
            "QUERY SYNTAX)\n"
            "                limit=N      hits, 0..%u (default 10)\n"
            "                offset=N     hits to skip, 0..%u (default 0)\n"
            "                snippets=N   snippets per hit, 1..3 (default "
            "3)\n"
            "                sort=relevance|newest|oldest\n"
            "                facets=source,year,month  counts over all "
            "matches\n"
            "                collapse=true|false|1|0  near-duplicates as "
            "one hit\n"
            "                             (default true; false: "
            "--no-collapse)\n"
            "                strict=true|false|1|0  no relaxed matches "
            "(default\n"
            "                             false; true: search --strict)\n"
            "                source=NAME  only this source, as source:\"NAME\""
            "\n"
            "                author=NAME  only this author, as author:\"NAME\""
            "\n"
            "                date=RANGE   only these dates, as date:RANGE "
            "(2024,\n"
            "                             2024-03..2025, ..2024-06-30)\n"
            "  /api/suggest  q=TEXT       completions of its last word\n"
            "                limit=N      1..%u (default 8)\n"
            "  /api/doc/ID   one stored document (no parameters)\n"
            "  /api/health   status, documents, revision (no "
            "parameters)\n\n"
            "  --db DIR          index directory or stub file (default "
            "'%s')\n"
            "  --listen ADDR:PORT  address to listen on (default %s; "
            "[::1]:8080\n"
            "                    for IPv6; port 0 picks a free port)\n"
            "  --threads N       searches at once (index readers), 1..64 "
            "(default: the\n"
            "                    number of CPUs); each connection has a "
            "thread\n"
            "  --time-limit MS   stop matching after MS milliseconds per "
            "search,\n"
            "                    returning the best hits found so far "
            "(default %u)\n"
            "  --max-connections N  open connections at most (default "
            "%u)\n"
            "  --max-per-address N  open connections from one client "
            "address at most\n"
            "                    (default %u; 0: no limit), so that one "
            "client holding\n"
            "                    connections open cannot lock out the "
            "others.  Behind\n"
            "                    a proxy every client has the proxy's "
            "address: raise\n"
            "                    it to the proxy's connections, or 0.\n"
            "                    A connection idle for %u s is closed.\n"
            "  --dict FILE       segment queries with this user "
            "dictionary\n"
            "  --timeout MS      remote shards: answer within MS "
            "milliseconds\n"
            "  --allow-partial   serve the shards that answer\n"
            "  --cache-mb N      keep up to N MB of answers to repeated "
            "requests,\n"
            "                    dropped when the index changes (default "
            "%u; 0: off)\n"
            "  --cors ORIGIN     let pages from ORIGIN (scheme://host[:port]"
            ", or *\n"
            "                    for any) read the API: CORS headers for "
            "it only;\n"
            "                    repeat for more origins (at most %d)\n"
            "  --access-log      one line per request on standard error\n"
            "  --show-paths      hits and /api/doc give each file's path "
            "as the\n"
            "                    indexer was given it (default: relative "
            "to the\n"
            "                    indexed root, the file's id; no answer "
            "otherwise\n"
            "                    names a file of the server)\n"
            "  --help            this text\n"
            "It prints the address it listens on to standard error and "
            "runs until\nSIGTERM or SIGINT.\n\n%s",
            API_MAX_LIMIT, API_MAX_OFFSET, ZHS_MAX_SUGGEST, ZHS_DEFAULT_DB,
            DEFAULT_LISTEN, DEFAULT_TIME_LIMIT_MS, DEFAULT_MAX_CONN,
            DEFAULT_PER_ADDRESS, CONNECTION_TIMEOUT_S, DEFAULT_CACHE_MB,
            MAX_CORS, ZHS_EXIT_HELP);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A reader as the options say; *warning (if non-NULL) receives what
 * the dictionary check has to say, which start-up prints once. */
static zhs_status open_db(const struct server *srv, zhs_db **out,
                          char **msg, char **warning)
{
    zhs_status st = zhs_db_open_ex(srv->db.path, &srv->db.opts, out, msg);

    if (st == ZHS_OK && srv->dict
        && (st = zhs_db_set_dict(*out, srv->dict, warning, msg)) != ZHS_OK) {
        zhs_db_close(*out);
        *out = NULL;
    }
    if (st == ZHS_OK)
        zhs_db_set_time_limit(*out, srv->time_limit_ms);
    return st;
}

/* A reader for this request: an idle one, a new one while there are
 * fewer than max_readers, else the first to be given back.  NULL when out
 * of memory. */
static struct tstate *take_reader(struct server *srv)
{
    struct tstate *ts;

    pthread_mutex_lock(&srv->mu);
    while (srv->idle == NULL && srv->nreaders >= srv->max_readers)
        pthread_cond_wait(&srv->freed, &srv->mu);
    if ((ts = srv->idle) != NULL) {
        srv->idle = ts->next_idle;
    } else if ((ts = calloc(1, sizeof *ts)) != NULL) {
        ts->next = srv->all;
        srv->all = ts;
        srv->nreaders++;
    }
    pthread_mutex_unlock(&srv->mu);
    return ts;
}

static void give_back(struct server *srv, struct tstate *ts)
{
    pthread_mutex_lock(&srv->mu);
    ts->next_idle = srv->idle;
    srv->idle = ts;
    pthread_cond_signal(&srv->freed);
    pthread_mutex_unlock(&srv->mu);
}

/* Reader ts's database, opened or refreshed as needed; NULL with *st and
 * *msg set if the index cannot be opened. */
static zhs_db *reader_db(struct server *srv, struct tstate *ts,
                         zhs_status *st, char **msg)
{
    double now = now_ms();

    if (ts->db == NULL) {
        if ((*st = open_db(srv, &ts->db, msg, NULL)) != ZHS_OK)
            return NULL;
    } else if (now - ts->last_reopen >= REOPEN_MS) {
        if ((*st = zhs_db_reopen(ts->db, msg)) != ZHS_OK) {
            zhs_db_close(ts->db);       /* try afresh next time */
            ts->db = NULL;
            return NULL;
        }
    } else {
        return ts->db;
    }
    ts->last_reopen = now;
    if (zhs_db_revision(ts->db, &ts->rev, &ts->rev_known, NULL) != ZHS_OK)
        ts->rev_known = 0;
    if (ts->uuid == NULL || strcmp(ts->uuid, zhs_db_uuid(ts->db)) != 0) {
        /* Another database at the path: what the cache holds is void
         * (its keys name the database too, so an answer another thread
         * computes from the old one meanwhile is never served as new). */
        if (ts->uuid != NULL && srv->cache)
            cache_clear(srv->cache);
        free(ts->uuid);
        if ((ts->uuid = strdup(zhs_db_uuid(ts->db))) == NULL
            || ts->uuid[0] == '\0')
            ts->rev_known = 0;          /* no identity: no caching */
    }
    return ts->db;
}

struct plist {
    struct api_param p[MAX_PARAMS];
    size_t n;
    int overflow;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind,
                               const char *key, size_t key_size,
                               const char *value, size_t value_size)
{
    struct plist *pl = cls;
    (void)kind;
    if (pl->n == MAX_PARAMS) {
        pl->overflow = 1;
        return MHD_NO;
    }
    pl->p[pl->n++] = (struct api_param){key, key_size, value, value_size};
    return MHD_YES;
}

/* The cache key of a request: the database's UUID, its path and its
 * parameters, in order, each length-prefixed (values may hold any byte).
 * 0 if it is too long to bother. */
static size_t cache_key(const char *uuid, const char *url,
                        const struct plist *pl, char *buf, size_t size)
{
    size_t u = strlen(uuid) + 1, n = u + strlen(url) + 1, i;

    if (n > size)
        return 0;
    memcpy(buf, uuid, u);
    memcpy(buf + u, url, n - u);
    for (i = 0; i < pl->n; i++) {
        const struct api_param *p = &pl->p[i];
        size_t need = 2 * sizeof(size_t) + p->name_len + p->value_len;
        size_t vl = p->value ? p->value_len : (size_t)-1;
        if (n + need > size)
            return 0;
        memcpy(buf + n, &p->name_len, sizeof p->name_len);
        memcpy(buf + n + sizeof(size_t), &vl, sizeof vl);
        n += 2 * sizeof(size_t);
        memcpy(buf + n, p->name, p->name_len);
        n += p->name_len;
        if (p->value)
            memcpy(buf + n, p->value, p->value_len);
        n += p->value ? p->value_len : 0;
    }
    return n;
}

static int cacheable_path(const char *url)
{
    return strcmp(url, "/api/search") == 0 || strcmp(url, "/api/suggest") == 0
           || strncmp(url, "/api/doc/", 9) == 0;
}

/* The origin to allow for this request (its Origin header, or "*"), or
 * NULL when --cors does not name it. */
static const char *cors_origin(const struct server *srv,
                               struct MHD_Connection *c)
{
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     "Origin");
    size_t i;

    for (i = 0; i < srv->ncors; i++)
        if (strcmp(srv->cors[i], "*") == 0)
            return "*";
    for (i = 0; origin && i < srv->ncors; i++)
        if (strcmp(srv->cors[i], origin) == 0)
            return origin;
    return NULL;
}

static void add_cors_headers(const struct server *srv,
                             struct MHD_Connection *c,
                             struct MHD_Response *resp, int preflight)
{
    const char *allow = cors_origin(srv, c);

    if (srv->ncors > 0)                 /* the answer depends on Origin */
        MHD_add_response_header(resp, "Vary", "Origin");
    if (allow == NULL)
        return;
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", allow);
    if (preflight) {
        MHD_add_response_header(resp, "Access-Control-Allow-Methods",
                                "GET, HEAD, OPTIONS");
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Accept, Content-Type");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    } else {
        MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                                "X-Cache");
    }
}

/* OPTIONS, a CORS preflight or not: 204 with what is allowed. */
static enum MHD_Result answer_options(struct server *srv,
                                      struct MHD_Connection *c)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Allow", "GET, HEAD, OPTIONS");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    add_cors_headers(srv, c, resp, 1);
    ret = MHD_queue_response(c, 204, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* The path with control bytes shown as '?', for the access log. */
static void log_line(const char *method, const char *url, unsigned status,
                     double ms)
{
    char safe[200];
    size_t i;

    for (i = 0; url[i] && i + 1 < sizeof safe; i++)
        safe[i] = (unsigned char)url[i] < 0x20 || url[i] == 0x7f ? '?'
                                                                 : url[i];
    safe[i] = '\0';
    fprintf(stderr, "%s %s %u %.2fms\n", method, safe, status, ms);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct server *srv = cls;
    struct api_response r;
    struct MHD_Response *resp;
    struct plist pl;
    size_t len = strlen(url);
    zhs_db *db = NULL;
    zhs_status st = ZHS_OK;
    char *msg = NULL;
    double t0 = now_ms();
    enum MHD_Result ret;
    int hit = 0;
    struct tstate *ts = NULL;

    (void)version;
    (void)upload;
    if (*con_cls == NULL) {             /* headers only: answer next call */
        *con_cls = srv;
        return MHD_YES;
    }
    if (*upload_size != 0) {            /* bodies are read and ignored */
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "OPTIONS") == 0) {
        ret = answer_options(srv, c);
        if (srv->access_log)
            log_line(method, url, 204, now_ms() - t0);
        return ret;
    }
    pl.n = 0;
    pl.overflow = 0;
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect, &pl);
    memset(&r, 0, sizeof r);
    if (pl.overflow) {
        r.status = 400;
        r.body = zhs_error_json(ZHS_EUSAGE, "too many parameters");
    } else if (api_needs_db(url, len)
               && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
               && ((ts = take_reader(srv)) == NULL
                   || (db = reader_db(srv, ts, &st, &msg)) == NULL)) {
        if (ts == NULL)
            st = ZHS_ENOMEM;
        api_fail_status(&r, NULL, st, msg);     /* no paths, no stub lines */
    } else {
        int use_cache = srv->cache && db && ts && ts->rev_known
                        && cacheable_path(url);
        char key[4096];
        size_t klen = use_cache ? cache_key(ts->uuid, url, &pl, key,
                                            sizeof key)
                                : 0;

        if (klen > 0 && cache_get(srv->cache, key, klen, ts->rev, &r.body,
                                  &r.len)) {
            r.status = 200;
            r.type = "application/json; charset=utf-8";
            hit = 1;
        } else {
            api_handle(db, &srv->api, method, url, len, pl.p, pl.n, &r);
            if (klen > 0 && r.status == 200)
                cache_put(srv->cache, key, klen, ts->rev, r.body, r.len);
            /* A reader that met damage (500) is not used again: after
             * Xapian reported a damaged block, the next read through the
             * same handle was seen to loop in Xapian's B-tree code
             * (damage.test, block:docdata.glass:1); the next request
             * opens the index afresh. */
            if (r.status == 500 && ts && ts->db == db && db) {
                zhs_db_close(ts->db);
                ts->db = NULL;
            }
        }
    }
    if (ts != NULL)
        give_back(srv, ts);
    free(msg);
    if (r.type == NULL) {               /* an error made here */
        r.type = "application/json; charset=utf-8";
        if (r.body == NULL) {
            r.body = (char *)"{}";
            r.is_static = 1;
        }
        r.len = strlen(r.body);
    }
    resp = MHD_create_response_from_buffer(
        r.len, r.body,
        r.is_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        api_response_clear(&r);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", r.type);
    MHD_add_response_header(resp, "Cache-Control",
                            r.cacheable ? "no-cache" : "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; "
                            "style-src 'self'; img-src 'self' data:; "
                            "object-src 'none'; base-uri 'none'; "
                            "frame-ancestors 'none'; form-action 'self'");
    if (r.status == 405)
        MHD_add_response_header(resp, "Allow", "GET, HEAD, OPTIONS");
    add_cors_headers(srv, c, resp, 0);
    if (srv->cache && cacheable_path(url))
        MHD_add_response_header(resp, "X-Cache", hit ? "hit" : "miss");
    ret = MHD_queue_response(c, r.status, resp);
    MHD_destroy_response(resp);
    if (srv->access_log)
        log_line(method, url, r.status, now_ms() - t0);
    return ret;
}

/* "*", or "http(s)://host[:port]" as a browser sends it in Origin: no
 * path, no white space or control characters. */
static int valid_origin(const char *s)
{
    const char *h;
    size_t i;

    if (strcmp(s, "*") == 0)
        return 1;
    if (strncmp(s, "http://", 7) == 0)
        h = s + 7;
    else if (strncmp(s, "https://", 8) == 0)
        h = s + 8;
    else
        return 0;
    if (h[0] == '\0' || strlen(s) > 255)
        return 0;
    for (i = 0; h[i]; i++)
        if ((unsigned char)h[i] <= 0x20 || h[i] == 0x7f || h[i] == '/'
            || h[i] == '?' || h[i] == '#' || h[i] == ',')
            return 0;
    return 1;
}

/* A listening socket on ai, or -1 after saying why, naming the address
 * as it was asked for (libmicrohttpd's own message names only a port). */
static int listen_on(const struct addrinfo *ai, const char *asked)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol), one = 1, err;

    if (fd < 0) {
        cli_error("cannot listen on %s: %s", asked, strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0
        || listen(fd, 128) != 0) {
        err = errno;
        close(fd);
        cli_error("cannot listen on %s: %s", asked, strerror(err));
        return -1;
    }
    return fd;
}

/* libmicrohttpd's messages, as ours. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("zhsearch: HTTP: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* Parses "HOST:PORT" or "[V6]:PORT" into an address. */
static int parse_listen(const char *s, struct addrinfo **out)
{
    char host[256];
    const char *colon, *port;
    size_t hl;
    struct addrinfo hints;

    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (end == NULL || end[1] != ':')
            return -1;
        hl = (size_t)(end - s - 1);
        if (hl >= sizeof host)
            return -1;
        memcpy(host, s + 1, hl);
        port = end + 2;
    } else {
        if ((colon = strrchr(s, ':')) == NULL)
            return -1;
        hl = (size_t)(colon - s);
        if (hl == 0 || hl >= sizeof host)
            return -1;
        memcpy(host, s, hl);
        port = colon + 1;
    }
    host[hl] = '\0';
    {
        unsigned p;
        if (cli_parse_uint(port, 65535, &p) != 0)
            return -1;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    return getaddrinfo(host, port, &hints, out) == 0 ? 0 : -1;
}

/* Warns when each thread's reader of a sharded index and the connections
 * may need more open files than the process may have: requests would then
 * fail with "too many open files" (503). */
static void warn_open_files(const char *db, unsigned threads,
                            unsigned max_conn)
{
    char **dirs = NULL;
    unsigned n = 0;
    long lim = cli_open_files_limit();
    unsigned long need;

    if (lim < 0 || !zhs_is_sharded(db)
        || zhs_shards_local(db, &dirs, &n, NULL) != ZHS_OK)
        return;
    zhs_shards_free(dirs, n);
    need = CLI_FDS_BASE + max_conn
           + (unsigned long)threads * n * CLI_FDS_PER_SHARD_READ;
    if (need > (unsigned long)lim)
        cli_error("warning: %u threads reading %u shards, and up to %u "
                  "connections, need about %lu open files, more than this "
                  "process may open (%ld, ulimit -n): give fewer --threads "
                  "or --max-connections, or raise the limit", threads, n,
                  max_conn, need, lim);
}

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_DB_LONGOPTS,
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"time-limit", required_argument, NULL, 'T'},
        {"max-connections", required_argument, NULL, 'm'},
        {"dict", required_argument, NULL, 'D'},
        {"access-log", no_argument, NULL, 'a'},
        {"max-per-address", required_argument, NULL, 'P'},
        {"show-paths", no_argument, NULL, 'S'},
        {"cache-mb", required_argument, NULL, 'c'},
        {"cors", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct server srv;
    const char *listen_at = DEFAULT_LISTEN;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = ncpu > 0 && ncpu < 64 ? (unsigned)ncpu : 2;
    unsigned max_conn = DEFAULT_MAX_CONN, port, cache_mb = DEFAULT_CACHE_MB;
    unsigned per_address = DEFAULT_PER_ADDRESS;
    struct addrinfo *ai = NULL;
    struct MHD_Daemon *d;
    zhs_db *db = NULL;
    char *msg = NULL, *warning = NULL, host[128];
    sigset_t sigs;
    zhs_status st;
    int c, sig, rc, taken, lfd;

    memset(&srv, 0, sizeof srv);
    srv.db = (struct cli_db)CLI_DB_INIT;
    srv.time_limit_ms = DEFAULT_TIME_LIMIT_MS;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        if ((taken = cli_db_option(&srv.db, c, optarg, 0, &rc)) != 0) {
            if (taken < 0)
                return rc;
            continue;
        }
        switch (c) {
        case 'l': listen_at = optarg; break;
        case 't':
            if (cli_parse_uint(optarg, 64, &threads) != 0 || threads == 0) {
                cli_error("--threads must be 1..64, not '%s'", optarg);
                return 2;
            }
            break;
        case 'T':
            if (cli_parse_uint(optarg, 600000, &srv.time_limit_ms) != 0) {
                cli_error("--time-limit must be 0..600000 ms, not '%s'",
                          optarg);
                return 2;
            }
            break;
        case 'm':
            if (cli_parse_uint(optarg, 100000, &max_conn) != 0
                || max_conn == 0) {
                cli_error("--max-connections must be 1..100000, not '%s'",
                          optarg);
                return 2;
            }
            break;
        case 'P':
            if (cli_parse_uint(optarg, 100000, &per_address) != 0) {
                cli_error("--max-per-address must be 0..100000, not '%s'",
                          optarg);
                return 2;
            }
            break;
        case 'S': srv.api.show_paths = 1; break;
        case 'D': srv.dict = optarg; break;
        case 'a': srv.access_log = 1; break;
        case 'c':
            if (cli_parse_uint(optarg, 65536, &cache_mb) != 0) {
                cli_error("--cache-mb must be 0..65536, not '%s'", optarg);
                return 2;
            }
            break;
        case 'C':
            if (!valid_origin(optarg)) {
                cli_error("--cors wants an origin, scheme://host[:port] with "
                          "no path (https://example.org), or *, not '%s'",
                          optarg);
                return 2;
            }
            if (srv.ncors == MAX_CORS) {
                cli_error("--cors given more than %d times", MAX_CORS);
                return 2;
            }
            srv.cors[srv.ncors++] = optarg;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (parse_listen(listen_at, &ai) != 0) {
        cli_error("--listen wants HOST:PORT or [IPV6]:PORT, not '%s'",
                  listen_at);
        return 2;
    }
    /* Open once now, so that a missing index fails here and not per
     * request. */
    st = open_db(&srv, &db, &msg, &warning);
    if (warning)
        cli_error("%s", warning);
    free(warning);
    if (st != ZHS_OK) {
        cli_error("%s", msg ? msg : zhs_strerror(st));
        free(msg);
        freeaddrinfo(ai);
        return zhs_status_exit_code(st);
    }
    if (zhs_db_missing_shards(db))
        cli_error("serving without shards:\n%s", zhs_db_missing_shards(db));
    warn_open_files(srv.db.path, threads, max_conn);

    /* The connections' threads inherit this mask: only sigwait below
     * sees them. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (cache_mb > 0 && (srv.cache = cache_new((size_t)cache_mb << 20)) == NULL) {
        cli_error("out of memory");
        zhs_db_close(db);
        freeaddrinfo(ai);
        return zhs_status_exit_code(ZHS_ENOMEM);
    }
    pthread_mutex_init(&srv.mu, NULL);
    pthread_cond_init(&srv.freed, NULL);
    srv.max_readers = threads;

    d = NULL;
    if ((lfd = listen_on(ai, listen_at)) >= 0) {
        d = MHD_start_daemon(
            MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
                | MHD_USE_ERROR_LOG
                | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
            0, NULL, NULL, handle, &srv,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
            MHD_OPTION_LISTEN_SOCKET, lfd,
            MHD_OPTION_CONNECTION_LIMIT, max_conn,
            /* one address cannot take every connection (slow headers) */
            MHD_OPTION_PER_IP_CONNECTION_LIMIT,
            per_address < max_conn ? per_address : 0u,
            MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
            MHD_OPTION_END);
        if (d == NULL) {
            cli_error("cannot serve HTTP on %s", listen_at);
            close(lfd);
        }
    }
    if (d == NULL) {
        cache_free(srv.cache);
        pthread_cond_destroy(&srv.freed);
        pthread_mutex_destroy(&srv.mu);
        zhs_db_close(db);
        freeaddrinfo(ai);
        return zhs_status_exit_code(ZHS_EIO);
    }
    {
        struct sockaddr_storage sa;
        socklen_t sl = sizeof sa;
        port = 0;
        if (getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0)
            port = ntohs(sa.ss_family == AF_INET6
                             ? ((struct sockaddr_in6 *)&sa)->sin6_port
                             : ((struct sockaddr_in *)&sa)->sin_port);
    }
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0,
                    NI_NUMERICHOST) != 0)
        strcpy(host, "?");
    fprintf(stderr, "zhsearch: serving %s (%u documents) on http://%s%s%s:%u/"
            " with %u threads\n", srv.db.path, zhs_db_doc_count(db),
            ai->ai_family == AF_INET6 ? "[" : "", host,
            ai->ai_family == AF_INET6 ? "]" : "", port, threads);
    fflush(stderr);
    zhs_db_close(db);
    freeaddrinfo(ai);

    sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    fprintf(stderr, "zhsearch: %s: stopping\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    MHD_stop_daemon(d);               /* finishes requests, joins threads */
    while (srv.all) {
        struct tstate *ts = srv.all;
        srv.all = ts->next;
        zhs_db_close(ts->db);
        free(ts->uuid);
        free(ts);
    }
    if (srv.cache) {
        unsigned long long hits, misses;
        size_t bytes;
        cache_stats(srv.cache, &hits, &misses, &bytes);
        fprintf(stderr, "zhsearch: answer cache: %llu hits, %llu misses, "
                "%zu bytes\n", hits, misses, bytes);
        cache_free(srv.cache);
    }
    pthread_cond_destroy(&srv.freed);
    pthread_mutex_destroy(&srv.mu);
    return 0;
}
