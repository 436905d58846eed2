/* reader.c: reading plain-text and Markdown articles from disk.
 *
 * A file becomes a document whose id is its path relative to the indexed
 * root and whose title is its first Markdown heading, or else its first
 * non-empty line.  Files must be UTF-8; a problem is reported with the path
 * and the byte offset so that a batch can skip the file and go on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zhs-int.h"

#define MAX_FILE_BYTES ((size_t)1 << 30)
#define MAX_TITLE_BYTES 400
#define MAX_WALK_DEPTH 64

static zhs_status read_all(const char *path, char **buf, size_t *len,
                           char **errmsg)
{
    struct stat sb;
    char *b = NULL;
    size_t cap, n = 0;
    ssize_t r;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return zhsi_fail(errmsg, errno == ENOENT ? ZHS_ENOTFOUND : ZHS_EIO,
                         "%s: %s", path, strerror(errno));
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        int e = errno;
        close(fd);
        return zhsi_fail(errmsg, ZHS_EIO, "%s: %s", path,
                         S_ISREG(sb.st_mode) ? strerror(e)
                                             : "not a regular file");
    }
    if ((size_t)sb.st_size > MAX_FILE_BYTES) {
        close(fd);
        return zhsi_fail(errmsg, ZHS_EIO, "%s: larger than %zu bytes", path,
                         MAX_FILE_BYTES);
    }
    cap = (size_t)sb.st_size + 1;
    b = malloc(cap);
    if (b == NULL) {
        close(fd);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (n + 1 >= cap) {             /* the file grew while we read */
            char *nb;
            if (cap > MAX_FILE_BYTES) {
                free(b);
                close(fd);
                return zhsi_fail(errmsg, ZHS_EIO, "%s: larger than %zu bytes",
                                 path, MAX_FILE_BYTES);
            }
            nb = realloc(b, cap * 2);
            if (nb == NULL) {
                free(b);
                close(fd);
                return zhsi_fail(errmsg, ZHS_ENOMEM, "%s: out of memory",
                                 path);
            }
            b = nb;
            cap *= 2;
        }
        r = read(fd, b + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            close(fd);
            return zhsi_fail(errmsg, ZHS_EIO, "%s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    b[n] = '\0';
    *buf = b;
    *len = n;
    return ZHS_OK;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Copies line [s, e) trimmed, at most MAX_TITLE_BYTES cut on a character
 * boundary; NULL if the trimmed line is empty or out of memory. */
static char *trimmed_copy(const char *s, const char *e)
{
    char *t;
    size_t n;

    while (s < e && is_blank(*s))
        s++;
    while (e > s && is_blank(e[-1]))
        e--;
    /* ideographic spaces (U+3000, e3 80 80) at either end */
    while (e - s >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0)
        s += 3;
    while (e - s >= 3 && memcmp(e - 3, "\xe3\x80\x80", 3) == 0)
        e -= 3;
    if (s == e)
        return NULL;
    n = (size_t)(e - s);
    if (n > MAX_TITLE_BYTES) {
        n = MAX_TITLE_BYTES;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    t = malloc(n + 1);
    if (t) {
        memcpy(t, s, n);
        t[n] = '\0';
    }
    return t;
}

/* The first Markdown ATX heading's text, or else the first non-empty
 * line; NULL when the text has no non-blank line. */
static char *derive_title(const char *text, size_t len)
{
    const char *p = text, *end = text + len, *first = NULL, *first_end = NULL;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *q = p, *h;
        if (eol == NULL)
            eol = end;
        while (q < eol && is_blank(*q) && q - p < 4)
            q++;
        h = q;
        while (h < eol && *h == '#')
            h++;
        if (h > q && h - q <= 6 && (h == eol || is_blank(*h))) {
            const char *e = eol;
            while (e > h && (is_blank(e[-1]) || e[-1] == '#'))
                e--;
            char *t = trimmed_copy(h, e);
            if (t != NULL)
                return t;
        } else if (first == NULL) {
            const char *s = p;
            while (s < eol && (is_blank(*s)))
                s++;
            if (s < eol && !(eol - s == 3 && memcmp(s, "\xe3\x80\x80", 3) == 0)) {
                first = p;
                first_end = eol;
            }
        }
        p = eol + 1;
    }
    return first ? trimmed_copy(first, first_end) : NULL;
}

zhs_status zhs_doc_read_file(const char *path, const char *id,
                             zhs_file_doc **out, char **errmsg)
{
    zhs_file_doc *fd;
    char *buf = NULL;
    size_t len = 0, skip = 0, bad;
    zhs_status st;

    st = read_all(path, &buf, &len, errmsg);
    if (st != ZHS_OK)
        return st;
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        skip = 3;
    bad = zhsi_utf8_invalid_at(buf + skip, len - skip);
    if (bad != (size_t)-1) {
        free(buf);
        return zhsi_fail(errmsg, ZHS_EENCODING,
                         "%s: invalid UTF-8 at byte offset %zu", path,
                         bad + skip);
    }
    fd = calloc(1, sizeof *fd);
    if (fd == NULL) {
        free(buf);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    if (skip)
        memmove(buf, buf + skip, len - skip + 1);
    len -= skip;
    fd->text_buf = buf;
    fd->id_buf = strdup(id);
    fd->path_buf = strdup(path);
    fd->title_buf = derive_title(buf, len);
    if (fd->id_buf == NULL || fd->path_buf == NULL) {
        zhs_file_doc_free(fd);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    fd->doc.id = fd->id_buf;
    fd->doc.title = fd->title_buf;
    fd->doc.path = fd->path_buf;
    fd->doc.text = fd->text_buf;
    fd->doc.text_len = len;
    *out = fd;
    return ZHS_OK;
}

void zhs_file_doc_free(zhs_file_doc *fd)
{
    if (fd == NULL)
        return;
    free(fd->id_buf);
    free(fd->title_buf);
    free(fd->path_buf);
    free(fd->text_buf);
    free(fd);
}

/* ---- walking ----------------------------------------------------- */

static int wanted_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcasecmp(name + n - 4, ".txt") == 0)
        || (n > 3 && strcasecmp(name + n - 3, ".md") == 0);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s;

    while (la > 1 && a[la - 1] == '/')
        la--;
    s = malloc(la + lb + 2);
    if (s == NULL)
        return NULL;
    memcpy(s, a, la);
    if (la == 0 || a[la - 1] != '/')
        s[la++] = '/';
    memcpy(s + la, b, lb + 1);
    return s;
}

/* Walks directory `dir` whose id prefix is `rel` ("" at the root). */
static zhs_status walk_dir(const char *dir, const char *rel, int depth,
                           zhs_walk_fn fn, void *arg)
{
    DIR *d;
    struct dirent *de;
    char **names = NULL, *msg = NULL;
    size_t n = 0, cap = 0, i;
    zhs_status st = ZHS_OK;

    if (depth > MAX_WALK_DEPTH) {
        zhsi_fail(&msg, ZHS_EIO, "%s: directories nested too deeply", dir);
        return fn(dir, NULL, ZHS_EIO, msg, arg) ? (free(msg), ZHS_EREJECTED)
                                                : (free(msg), ZHS_OK);
    }
    d = opendir(dir);
    if (d == NULL) {
        int stop;
        zhsi_fail(&msg, ZHS_EIO, "%s: %s", dir, strerror(errno));
        stop = fn(dir, NULL, ZHS_EIO, msg, arg);
        free(msg);
        return stop ? ZHS_EREJECTED : ZHS_OK;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;                   /* ., .., and hidden files */
        if (n == cap) {
            char **nn = realloc(names, (cap ? cap * 2 : 64) * sizeof *nn);
            if (nn == NULL) {
                st = ZHS_ENOMEM;
                goto out;
            }
            names = nn;
            cap = cap ? cap * 2 : 64;
        }
        names[n] = strdup(de->d_name);
        if (names[n] == NULL) {
            st = ZHS_ENOMEM;
            goto out;
        }
        n++;
    }
    qsort(names, n, sizeof *names, by_name);
    for (i = 0; i < n && st == ZHS_OK; i++) {
        struct stat sb;
        char *path = join(dir, names[i]);
        char *id = rel[0] ? join(rel, names[i]) : strdup(names[i]);

        if (path == NULL || id == NULL) {
            st = ZHS_ENOMEM;
        } else if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            st = walk_dir(path, id, depth + 1, fn, arg);
        } else if (wanted_name(names[i])) {
            /* stat follows a link to a file; a dangling link is reported */
            if (stat(path, &sb) != 0) {
                zhsi_fail(&msg, ZHS_EIO, "%s: %s", path, strerror(errno));
                if (fn(path, id, ZHS_EIO, msg, arg))
                    st = ZHS_EREJECTED;
                free(msg);
                msg = NULL;
            } else if (S_ISREG(sb.st_mode) && fn(path, id, ZHS_OK, NULL, arg)) {
                st = ZHS_EREJECTED;
            }
        }
        free(path);
        free(id);
    }
out:
    closedir(d);
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

zhs_status zhs_walk(const char *root, zhs_walk_fn fn, void *arg)
{
    struct stat sb;
    char *msg = NULL;
    const char *base;
    int stop;

    if (stat(root, &sb) != 0) {
        zhsi_fail(&msg, errno == ENOENT ? ZHS_ENOTFOUND : ZHS_EIO, "%s: %s",
                  root, strerror(errno));
        stop = fn(root, NULL, errno == ENOENT ? ZHS_ENOTFOUND : ZHS_EIO, msg,
                  arg);
        free(msg);
        return stop ? ZHS_EREJECTED : ZHS_OK;
    }
    if (S_ISDIR(sb.st_mode))
        return walk_dir(root, "", 0, fn, arg);
    base = strrchr(root, '/');
    base = base ? base + 1 : root;
    return fn(root, base, ZHS_OK, NULL, arg) ? ZHS_EREJECTED : ZHS_OK;
}
