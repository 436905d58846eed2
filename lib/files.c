/* files.c: reading plain-text and Markdown articles from disk.
 *
 * A file becomes a document whose id is its path relative to the indexed
 * root and whose title is its first Markdown heading (in plain text only
 * one in the header block at its top), or else its first non-empty line.  Files are decoded by zhs_decode (UTF-8, UTF-16 with a
 * BOM, GB18030, Big5); a problem is reported with the path and the byte
 * offset so that a batch can skip the file and go on.
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

/* One document at most: preparing it takes about 13 times its size in
 * memory (code point arrays, maps, Xapian's postings), measured with a
 * 50 MB file at 660 MB peak RSS.  The same as jsonl.c's record limit. */
#define MAX_FILE_BYTES ((size_t)64 << 20)
#define MAX_TITLE_BYTES 400
#define MAX_WALK_DEPTH 64
/* A plain text's header block: at most this many lines, each this short. */
#define TOP_LINES 5u
#define TOP_LINE_BYTES 120

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

/* The text of an ATX heading line [p, eol) ("## 标题 ##" gives 标题);
 * NULL when the line is not one (*is_heading 0: more than 3 blanks before
 * the marks make it code, as in CommonMark) or has no text. */
static char *heading_text(const char *p, const char *eol, int *is_heading)
{
    const char *q = p, *h, *e;

    *is_heading = 0;
    while (q < eol && is_blank(*q) && q - p < 3)
        q++;
    h = q;
    while (h < eol && *h == '#')
        h++;
    if (!(h > q && h - q <= 6 && (h == eol || is_blank(*h))))
        return NULL;
    *is_heading = 1;
    e = eol;
    while (e > h && (is_blank(e[-1]) || e[-1] == '#'))
        e--;
    return trimmed_copy(h, e);
}

/* Whether line [p, eol) has text: not blank, not one ideographic space. */
static int has_text(const char *p, const char *eol)
{
    while (p < eol && is_blank(*p))
        p++;
    return p < eol && !(eol - p == 3 && memcmp(p, "\xe3\x80\x80", 3) == 0);
}

/* Whether line [p, eol) could be part of a plain text's header block
 * (column name, kicker, headline): short, and not ending a sentence. */
static int header_like(const char *p, const char *eol)
{
    while (eol > p && (is_blank(eol[-1])))
        eol--;
    if (eol - p > TOP_LINE_BYTES)
        return 0;
    return !(eol > p && (eol[-1] == '.' || eol[-1] == '!' || eol[-1] == '?'))
        && !(eol - p >= 3 && (memcmp(eol - 3, "\xe3\x80\x82", 3) == 0  /* 。 */
                              || memcmp(eol - 3, "\xef\xbc\x81", 3) == 0 /* ！ */
                              || memcmp(eol - 3, "\xef\xbc\x9f", 3) == 0)); /* ？ */
}

char *zhsi_derive_title(const char *text, size_t len, int markdown)
{
    const char *p = text, *end = text + len, *first = NULL, *first_end = NULL;
    int is_heading, top = 1;
    unsigned seen = 0;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        char *t;
        if (eol == NULL)
            eol = end;
        /* A Markdown heading is the title anywhere in a Markdown file; in
         * plain text only in its header block, the first few short lines
         * before any sentence: deeper down a "# ..." line is a shell
         * prompt or a comment. */
        is_heading = 0;
        if ((markdown || top) && (t = heading_text(p, eol, &is_heading))
            != NULL)
            return t;
        if (!is_heading && has_text(p, eol)) {
            if (first == NULL) {
                first = p;
                first_end = eol;
            }
            if (++seen >= TOP_LINES || !header_like(p, eol))
                top = 0;
            if (!markdown && !top)
                break;
        }
        p = eol + 1;
    }
    return first ? trimmed_copy(first, first_end) : NULL;
}

/* Whether a file name says Markdown (.md, .markdown). */
static int markdown_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 3 && strcasecmp(name + n - 3, ".md") == 0)
        || (n > 9 && strcasecmp(name + n - 9, ".markdown") == 0);
}

/* Sets field *f of fd to an owned copy of v (NULL stays NULL). */
int zhsi_file_doc_set(zhs_file_doc *fd, const char **f, const char *v)
{
    size_t slot = 0;

    while (slot < sizeof fd->bufs / sizeof fd->bufs[0] && fd->bufs[slot])
        slot++;
    if (v == NULL) {
        *f = NULL;
        return 0;
    }
    if (slot == sizeof fd->bufs / sizeof fd->bufs[0])
        return -1;
    if ((fd->bufs[slot] = strdup(v)) == NULL)
        return -1;
    *f = fd->bufs[slot];
    return 0;
}

/* Takes ownership of the malloc'd text buf (len bytes). */
int zhsi_file_doc_take_text(zhs_file_doc *fd, char *buf, size_t len)
{
    size_t slot = 0;

    while (slot < sizeof fd->bufs / sizeof fd->bufs[0] && fd->bufs[slot])
        slot++;
    if (slot == sizeof fd->bufs / sizeof fd->bufs[0])
        return -1;
    fd->bufs[slot] = buf;
    fd->doc.text = buf;
    fd->doc.text_len = len;
    return 0;
}

static int html_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcasecmp(name + n - 5, ".html") == 0)
        || (n > 4 && strcasecmp(name + n - 4, ".htm") == 0)
        || (n > 6 && strcasecmp(name + n - 6, ".xhtml") == 0);
}

zhs_status zhs_doc_read_file(const char *path, const char *id,
                             const char *encoding, zhs_file_doc **out,
                             char **errmsg)
{
    zhs_file_doc *fd;
    char *raw = NULL, *text = NULL, *title;
    size_t rawlen = 0, len = 0;
    zhs_status st;

    st = read_all(path, &raw, &rawlen, errmsg);
    if (st != ZHS_OK)
        return st;
    if (rawlen == 0) {
        /* most likely a failed download or copy: say so */
        free(raw);
        return zhsi_fail(errmsg, ZHS_EENCODING, "%s: empty file, nothing to "
                         "index", path);
    }
    st = zhs_decode(raw, rawlen, encoding, &text, &len, NULL, errmsg);
    free(raw);
    if (st != ZHS_OK) {
        zhsi_errmsg_prefix(errmsg, path);
        return st;
    }
    title = NULL;
    if (html_name(path)) {
        char *page = text;
        st = zhsi_html_text(page, len, path, &text, &len, &title, errmsg);
        free(page);
        if (st != ZHS_OK)
            return st;
    }
    fd = calloc(1, sizeof *fd);
    if (title == NULL)
        title = zhsi_derive_title(text, len, markdown_name(path));
    if (fd == NULL || zhsi_file_doc_take_text(fd, text, len) < 0
        || zhsi_file_doc_set(fd, &fd->doc.id, id) < 0
        || zhsi_file_doc_set(fd, &fd->doc.path, path) < 0
        || zhsi_file_doc_set(fd, &fd->doc.title, title) < 0) {
        if (fd == NULL || fd->doc.text != text)
            free(text);
        free(title);
        zhs_file_doc_free(fd);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    free(title);
    *out = fd;
    return ZHS_OK;
}

zhs_status zhs_file_doc_set_field(zhs_file_doc *fd, const char **field,
                                  const char *v)
{
    size_t slot = (size_t)-1, i;

    /* a field set before: reuse its buffer's slot */
    for (i = 0; *field && i < sizeof fd->bufs / sizeof fd->bufs[0]; i++)
        if (fd->bufs[i] == *field)
            slot = i;
    if (slot != (size_t)-1) {
        char *c = v ? strdup(v) : NULL;
        if (v && c == NULL)
            return ZHS_ENOMEM;
        free(fd->bufs[slot]);
        fd->bufs[slot] = c;
        *field = c;
        return ZHS_OK;
    }
    return zhsi_file_doc_set(fd, field, v) < 0 ? ZHS_ENOMEM : ZHS_OK;
}

void zhs_file_doc_free(zhs_file_doc *fd)
{
    size_t i;

    if (fd == NULL)
        return;
    for (i = 0; i < sizeof fd->bufs / sizeof fd->bufs[0]; i++)
        free(fd->bufs[i]);
    free(fd);
}

/* ---- walking ----------------------------------------------------- */

static int wanted_name(const char *name)
{
    size_t n = strlen(name);
    return (zhsi_html_supported() && html_name(name))
        || (n > 4 && strcasecmp(name + n - 4, ".txt") == 0)
        || (n > 3 && strcasecmp(name + n - 3, ".md") == 0)
        || (n > 6 && strcasecmp(name + n - 6, ".jsonl") == 0)
        || (n > 7 && strcasecmp(name + n - 7, ".ndjson") == 0);
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
                           zhs_walk_fn fn, zhs_skip_fn skipped, void *arg)
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
            st = walk_dir(path, id, depth + 1, fn, skipped, arg);
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
        } else if (skipped != NULL && stat(path, &sb) == 0
                   && S_ISREG(sb.st_mode) && skipped(path, arg)) {
            st = ZHS_EREJECTED;
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
    return zhs_walk_ex(root, fn, NULL, arg);
}

zhs_status zhs_walk_ex(const char *root, zhs_walk_fn fn, zhs_skip_fn skipped,
                       void *arg)
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
        return walk_dir(root, "", 0, fn, skipped, arg);
    base = strrchr(root, '/');
    base = base ? base + 1 : root;
    return fn(root, base, ZHS_OK, NULL, arg) ? ZHS_EREJECTED : ZHS_OK;
}
