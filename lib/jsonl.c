/* jsonl.c: reading JSON Lines exports from crawlers.
 *
 * One JSON object a line.  UTF-8 input is streamed through a buffer that
 * holds one line at a time (at most MAX_LINE bytes), so a file of any size
 * is read in bounded memory; other encodings (GB18030, Big5, UTF-16) are
 * converted whole first.  A bad record is reported with the path and the
 * line and skipped; the file goes on.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "zhs-int.h"

#define MAX_LINE ((size_t)64 << 20)
#define CHUNK ((size_t)64 << 10)

struct zhs_jsonl {
    char *path;          /* for messages */
    int fd;              /* input; -1 once converted whole */
    int own_fd;          /* close fd at the end */
    char *buf;           /* the current chunk(s) of input */
    size_t cap, start, end;
    int eof;             /* no more input to read into buf */
    unsigned long line;  /* line number of the last line taken */
    int strict;          /* a bad date rejects its record */
    char *warning;       /* about the record last returned, or NULL */
};

static zhs_status fill(zhs_jsonl *j, char **errmsg)
{
    ssize_t r;

    if (j->start > 0) {                 /* keep only the unread part */
        memmove(j->buf, j->buf + j->start, j->end - j->start);
        j->end -= j->start;
        j->start = 0;
    }
    if (j->cap - j->end < CHUNK) {
        size_t ncap = j->cap ? j->cap * 2 : 4 * CHUNK;
        char *nb;
        if (ncap > MAX_LINE + 2 * CHUNK)
            ncap = MAX_LINE + 2 * CHUNK;
        if (ncap <= j->cap)
            return ZHS_OK;              /* full: the caller sees a long line */
        nb = realloc(j->buf, ncap);
        if (nb == NULL)
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        j->buf = nb;
        j->cap = ncap;
    }
    do
        r = read(j->fd, j->buf + j->end, j->cap - j->end - 1);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return zhsi_fail(errmsg, ZHS_EIO, "%s: %s", j->path, strerror(errno));
    if (r == 0)
        j->eof = 1;
    j->end += (size_t)r;
    return ZHS_OK;
}

zhs_status zhs_jsonl_open(const char *path, const char *encoding,
                          zhs_jsonl **out, char **errmsg)
{
    zhs_jsonl *j = calloc(1, sizeof *j);
    const unsigned char *b;
    zhs_status st = ZHS_OK;
    size_t avail, valid;
    int utf8;

    if (j == NULL || (j->path = strdup(path)) == NULL) {
        free(j);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    if (strcmp(path, "-") == 0) {
        j->fd = 0;
    } else {
        j->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (j->fd < 0) {
            st = zhsi_fail(errmsg, errno == ENOENT ? ZHS_ENOTFOUND : ZHS_EIO,
                           "%s: %s", path, strerror(errno));
            goto fail;
        }
        j->own_fd = 1;
    }
    /* Decide the encoding on the first chunk. */
    while (!j->eof && j->end < CHUNK && st == ZHS_OK)
        st = fill(j, errmsg);
    if (st != ZHS_OK)
        goto fail;
    b = (const unsigned char *)j->buf;
    avail = j->end;
    if (avail >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        j->start = 3;
    /* UTF-8 (a corrupt byte rejects its line only), allowing a character
     * cut at the end of the chunk */
    valid = zhsi_utf8_invalid_at(j->buf + j->start, avail - j->start);
    utf8 = zhsi_looks_utf8(j->buf + j->start, avail - j->start)
        || (!j->eof && avail - j->start - valid < 4);
    if (encoding && strcasecmp(encoding, "utf-8") && strcasecmp(encoding,
                                                               "utf8"))
        utf8 = 0;
    if (avail >= 2 && ((b[0] == 0xFF && b[1] == 0xFE)
                       || (b[0] == 0xFE && b[1] == 0xFF)))
        utf8 = 0;
    /* UTF-16 without a BOM: JSON's ASCII punctuation gives it NUL bytes */
    if (encoding == NULL
        && zhsi_detect_utf16(j->buf + j->start, (avail - j->start) & ~(size_t)1))
        utf8 = 0;
    if (!utf8) {
        /* Convert the whole input now. */
        char *conv = NULL;
        size_t clen = 0;
        j->start = 0;
        while (!j->eof && st == ZHS_OK) {
            if (j->cap - j->end < CHUNK && j->cap >= MAX_LINE) {
                size_t ncap = j->cap * 2;
                char *nb = realloc(j->buf, ncap);
                if (nb == NULL) {
                    st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
                    break;
                }
                j->buf = nb;
                j->cap = ncap;
            }
            st = fill(j, errmsg);
        }
        if (st == ZHS_OK)
            st = zhs_decode(j->buf, j->end, encoding, &conv, &clen, NULL,
                            errmsg);
        if (st != ZHS_OK) {
            if (st != ZHS_ENOMEM)
                zhsi_errmsg_prefix(errmsg, path);
            goto fail;
        }
        free(j->buf);
        j->buf = conv;
        j->cap = clen + 1;
        j->start = 0;
        j->end = clen;
        j->eof = 1;
    }
    *out = j;
    return ZHS_OK;
fail:
    zhs_jsonl_close(j);
    return st;
}

void zhs_jsonl_close(zhs_jsonl *j)
{
    if (j == NULL)
        return;
    if (j->own_fd)
        close(j->fd);
    free(j->buf);
    free(j->path);
    free(j->warning);
    free(j);
}

void zhs_jsonl_set_strict(zhs_jsonl *j, int strict) { j->strict = strict; }

const char *zhs_jsonl_warning(const zhs_jsonl *j) { return j->warning; }

/* Adds a line to j->warning (one warning a line). */
static void warn(zhs_jsonl *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(zhs_jsonl *j, const char *fmt, ...)
{
    char buf[512], *nw;
    size_t old = j->warning ? strlen(j->warning) : 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    nw = realloc(j->warning, old + strlen(buf) + 2);
    if (nw == NULL)
        return;                         /* a warning is not worth failing */
    if (old)
        nw[old++] = '\n';
    strcpy(nw + old, buf);
    j->warning = nw;
}

unsigned long zhs_jsonl_line(const zhs_jsonl *j) { return j->line; }

/* The next line in [*s, *s + *len), without its newline; 0 at the end,
 * -1 for a line over MAX_LINE (skipped), or a status < 0 in *st. */
static int next_line(zhs_jsonl *j, const char **s, size_t *len,
                     zhs_status *st, char **errmsg)
{
    for (;;) {
        char *nl = memchr(j->buf + j->start, '\n', j->end - j->start);
        if (nl != NULL || (j->eof && j->end > j->start)) {
            size_t e = nl ? (size_t)(nl - j->buf) : j->end;
            *s = j->buf + j->start;
            *len = e - j->start;
            j->start = nl ? e + 1 : e;
            j->line++;
            if (*len > MAX_LINE)
                return -1;
            return 1;
        }
        if (j->eof)
            return 0;
        if (j->end - j->start > MAX_LINE) {
            /* A line too long to hold: drop what we have of it and read
             * on to its end. */
            j->start = j->end;
            while (!j->eof) {
                if ((*st = fill(j, errmsg)) != ZHS_OK)
                    return 0;
                nl = memchr(j->buf + j->start, '\n', j->end - j->start);
                if (nl != NULL) {
                    j->start = (size_t)(nl - j->buf) + 1;
                    break;
                }
                j->start = j->end;
            }
            j->line++;
            return -1;
        }
        if ((*st = fill(j, errmsg)) != ZHS_OK)
            return 0;
    }
}

/* A string field: the first of names present; -1 if present but not a
 * string (or null).  *v NULL if absent. */
static int get_string(const cJSON *o, const char *const *names,
                      const char **v, const char **name)
{
    size_t i;

    *v = NULL;
    for (i = 0; names[i]; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, names[i]);
        if (f == NULL || cJSON_IsNull(f))
            continue;
        *name = names[i];
        if (!cJSON_IsString(f))
            return -1;
        *v = f->valuestring;
        return 0;
    }
    return 0;
}

/* Whether a JSON number is an integer that a long long holds exactly.
 * The range test comes first: converting inf (1e400 parses as inf) or
 * anything past 2^63 to an integer is undefined behaviour. */
static int is_integer(double v)
{
    return v >= -9223372036854775808.0 && v < 9223372036854775808.0
        && v == (double)(long long)v;
}

/* Skips a JSON string at s (at its opening quote); NULL if unterminated. */
static const char *skip_string(const char *s, const char *end)
{
    for (s++; s < end; s++) {
        if (*s == '\\')
            s++;
        else if (*s == '"')
            return s + 1;
    }
    return NULL;
}

/* The byte offset in [s, end) of the first \u0000 escape inside a JSON
 * string, or -1.  cJSON decodes it to a NUL byte and every C string of
 * the value then ends there: "第一段\u0000第二段" would be stored as 第一段,
 * and an id "n2\u0000x" as n2 (replacing another record).  A backslash
 * escapes the character after it, so \\u0000 is a backslash and the text
 * u0000, not a NUL. */
static long nul_escape_at(const char *s, const char *end)
{
    const char *p = s;
    int in_string = 0;

    while (p < end) {
        if (!in_string) {
            if (*p == '"')
                in_string = 1;
            p++;
            continue;
        }
        if (*p == '"') {
            in_string = 0;
            p++;
        } else if (*p == '\\') {
            if (end - p >= 6 && memcmp(p + 1, "u0000", 5) == 0)
                return (long)(p - s);
            p += 2;                     /* the escaped character too */
        } else {
            p++;
        }
    }
    return -1;
}

/* The text of the top-level member "id" of the JSON object in [s, end)
 * (which cJSON has parsed, so it is valid JSON) if its value is a
 * number: *len receives its length.  NULL if there is none.  cJSON keeps
 * numbers only as doubles, which round integers past 2^53; ids must be
 * kept as they were written. */
static const char *raw_id_number(const char *s, const char *end,
                                 size_t *len)
{
    int depth = 0;
    const char *key = NULL;

    while (s < end) {
        if (*s == '"') {
            const char *e = skip_string(s, end);
            if (e == NULL)
                return NULL;
            if (depth == 1) {
                const char *p = e;
                while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'
                                   || *p == '\n'))
                    p++;
                if (p < end && *p == ':') {
                    key = e - s == 4 && memcmp(s, "\"id\"", 4) == 0 ? p : NULL;
                    s = p + 1;
                    if (key) {
                        while (s < end && (*s == ' ' || *s == '\t'
                                           || *s == '\r' || *s == '\n'))
                            s++;
                        if (s < end && (*s == '-' || (*s >= '0' && *s <= '9'))) {
                            const char *q = s;
                            while (q < end && (*q == '-' || *q == '+'
                                               || *q == '.' || *q == 'e'
                                               || *q == 'E'
                                               || (*q >= '0' && *q <= '9')))
                                q++;
                            *len = (size_t)(q - s);
                            return s;
                        }
                        return NULL;    /* the first "id" is no number */
                    }
                    continue;
                }
            }
            s = e;
            continue;
        }
        if (*s == '{' || *s == '[')
            depth++;
        else if (*s == '}' || *s == ']')
            depth--;
        s++;
    }
    return NULL;
}

static zhs_status parse_record(zhs_jsonl *j, const char *line, size_t len,
                               zhs_file_doc **out, char **errmsg);

zhs_status zhs_jsonl_next(zhs_jsonl *j, zhs_file_doc **out, char **errmsg)
{
    const char *line;
    size_t len;
    zhs_status st = ZHS_OK;
    int r;

    *out = NULL;
    free(j->warning);
    j->warning = NULL;
    do {
        r = next_line(j, &line, &len, &st, errmsg);
        if (st != ZHS_OK || r == 0)
            return st;
        if (r < 0)
            return zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: record longer "
                             "than %zu bytes", j->path, j->line, MAX_LINE);
        while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '
                           || line[len - 1] == '\t'))
            len--;
        while (len > 0 && (*line == ' ' || *line == '\t')) {
            line++;
            len--;
        }
    } while (len == 0);                 /* blank lines are no records */
    return parse_record(j, line, len, out, errmsg);
}

zhs_status zhs_jsonl_new(const char *name, zhs_jsonl **out, char **errmsg)
{
    zhs_jsonl *j = calloc(1, sizeof *j);

    *out = NULL;
    if (j == NULL || (j->path = strdup(name)) == NULL) {
        free(j);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    j->fd = -1;
    j->eof = 1;
    *out = j;
    return ZHS_OK;
}

zhs_status zhs_jsonl_record(zhs_jsonl *j, const char *line, size_t len,
                            zhs_file_doc **out, char **errmsg)
{
    *out = NULL;
    free(j->warning);
    j->warning = NULL;
    j->line++;
    if (len > MAX_LINE)
        return zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: record longer "
                         "than %zu bytes", j->path, j->line, MAX_LINE);
    return parse_record(j, line, len, out, errmsg);
}

/* One record, line[0..len) without its newline, as zhs_jsonl_next
 * returns it. */
static zhs_status parse_record(zhs_jsonl *j, const char *line, size_t len,
                               zhs_file_doc **out, char **errmsg)
{
    static const char *const text_names[] = {"text", "content", "body", NULL};
    static const char *const date_names[] = {"date", "time", "pubdate", NULL};
    static const char *const title_names[] = {"title", NULL};
    static const char *const source_names[] = {"source", NULL};
    static const char *const url_names[] = {"url", NULL};
    static const char *const author_names[] = {"author", NULL};
    const char *text, *title, *date, *source, *url, *author, *bad;
    const char *nul, *parse_end = NULL;
    const char *name = "";
    long nulat;
    zhs_status st = ZHS_OK;
    zhs_file_doc *fd = NULL;
    cJSON *o = NULL;
    const cJSON *id;
    char idbuf[256], iso[11], *derived = NULL;
    size_t badat;

    badat = zhsi_utf8_invalid_at(line, len);
    if (badat != (size_t)-1)
        return zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: invalid UTF-8 at "
                         "byte %zu of the line", j->path, j->line, badat);
    /* JSON has no raw control characters; cJSON would cut the string */
    if ((nul = memchr(line, '\0', len)) != NULL)
        return zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: NUL byte at byte %zu "
                         "of the line", j->path, j->line,
                         (size_t)(nul - line));
    /* cJSON's own error pointer is a global, shared by every thread: the
     * position comes back through parse_end instead. */
    o = cJSON_ParseWithLengthOpts(line, len, &parse_end, 0);
    if (o == NULL) {
        size_t at = parse_end && parse_end >= line && parse_end <= line + len
                    ? (size_t)(parse_end - line) : 0;
        return zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: not valid JSON "
                         "(near byte %zu of the line)", j->path, j->line, at);
    }
    /* Valid JSON, so the scan below sees its strings as cJSON did. */
    if ((nulat = nul_escape_at(line, line + len)) >= 0) {
        st = zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: \\u0000 (NUL) in a "
                       "string at byte %ld of the line: a string would be "
                       "cut there", j->path, j->line, nulat);
        goto out;
    }
    if (!cJSON_IsObject(o)) {
        st = zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: not a JSON object",
                       j->path, j->line);
        goto out;
    }
    if (get_string(o, text_names, &text, &name) < 0) {
        st = zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: field '%s' is not a "
                       "string", j->path, j->line, name);
        goto out;
    }
    if (text == NULL) {
        st = zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: record has no text "
                       "(text, content or body)", j->path, j->line);
        goto out;
    }
    /* Metadata never costs a document (unless strict): a field that
     * cannot be used is dropped from it, with a warning. */
    {
        static const char *const *const meta[] = {title_names, date_names,
                                                  source_names, url_names,
                                                  author_names};
        const char **vals[] = {&title, &date, &source, &url, &author};
        size_t k;
        for (k = 0; k < sizeof meta / sizeof meta[0]; k++)
            if (get_string(o, meta[k], vals[k], &name) < 0) {
                if (j->strict) {
                    st = zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: field "
                                   "'%s' is not a string", j->path, j->line,
                                   name);
                    goto out;
                }
                warn(j, "%s:%lu: field '%s' is not a string; indexed "
                     "without it", j->path, j->line, name);
                *vals[k] = NULL;
            }
    }
    if (date != NULL && date[0] != '\0') {
        char ign[64];
        int dr = zhsi_parse_date(date, iso, ign, sizeof ign);
        if (dr != 0 && j->strict) {
            st = zhsi_fail(errmsg, ZHS_EREJECTED, dr < 0
                           ? "%s:%lu: invalid date '%.80s'"
                           : "%s:%lu: date '%.80s' has text that is not a "
                             "date", j->path, j->line, date);
            goto out;
        }
        if (dr < 0) {
            warn(j, "%s:%lu: invalid date '%.80s'; indexed without a date",
                 j->path, j->line, date);
            date = NULL;
        } else if (dr > 0) {
            warn(j, "%s:%lu: date '%.80s' stored as %s; ignored '%s'",
                 j->path, j->line, date, iso, ign);
        }
    } else {
        date = NULL;                    /* "" says nothing */
    }
    id = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (id != NULL && cJSON_IsString(id) && id->valuestring[0] != '\0') {
        bad = NULL;
    } else if (id != NULL && cJSON_IsNumber(id)) {
        /* An integer is its decimal digits as written (never through a
         * double: 1234567890123456789 and ...790 are two ids).  A number
         * written with a fraction or exponent that is an integer (1e3,
         * 12.0) is that integer, if a double holds it exactly. */
        size_t rl = 0, k;
        const char *raw = raw_id_number(line, line + len, &rl);
        int digits = raw != NULL && rl > 0;
        for (k = raw && raw[0] == '-' ? 1 : 0; digits && k < rl; k++)
            if (raw[k] < '0' || raw[k] > '9')
                digits = 0;
        bad = NULL;
        if (digits && rl < sizeof idbuf) {
            memcpy(idbuf, raw, rl);
            idbuf[rl] = '\0';
            if (strcmp(idbuf, "-0") == 0)
                strcpy(idbuf, "0");
        } else if (digits) {
            bad = "integer id longer than 240 digits";
        } else if (is_integer(id->valuedouble)
                   && id->valuedouble >= -9007199254740992.0
                   && id->valuedouble <= 9007199254740992.0) {
            snprintf(idbuf, sizeof idbuf, "%lld", (long long)id->valuedouble);
        } else {
            bad = "id must be a non-empty string or an integer";
        }
    } else if (id == NULL || cJSON_IsNull(id)) {
        /* A stable id from the content: the same record gets the same id
         * on every run. */
        uint64_t h = zhs_fnv1a(ZHS_FNV1A_INIT, title ? title : "",
                              title ? strlen(title) : 0);
        h = zhs_fnv1a(h, "\0", 1);
        h = zhs_fnv1a(h, text, strlen(text));
        snprintf(idbuf, sizeof idbuf, "auto-%016llx", (unsigned long long)h);
        bad = NULL;
    } else {
        bad = "id must be a non-empty string or an integer";
    }
    if (bad) {
        st = zhsi_fail(errmsg, ZHS_EREJECTED, "%s:%lu: %s", j->path, j->line,
                       bad);
        goto out;
    }
    if (title == NULL)
        title = derived = zhsi_derive_title(text, strlen(text), 0);
    fd = calloc(1, sizeof *fd);
    if (fd == NULL
        || zhsi_file_doc_set(fd, &fd->doc.id, cJSON_IsString(id)
                                                  ? id->valuestring : idbuf)
        || zhsi_file_doc_set(fd, &fd->doc.title, title)
        || zhsi_file_doc_set(fd, &fd->doc.date, date ? iso : NULL)
        || zhsi_file_doc_set(fd, &fd->doc.source, source)
        || zhsi_file_doc_set(fd, &fd->doc.url, url)
        || zhsi_file_doc_set(fd, &fd->doc.author, author)
        || zhsi_file_doc_set(fd, &fd->doc.text, text)) {
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        goto out;
    }
    fd->doc.text_len = strlen(fd->doc.text);
    *out = fd;
    fd = NULL;
out:
    free(derived);
    zhs_file_doc_free(fd);
    cJSON_Delete(o);
    return st;
}
