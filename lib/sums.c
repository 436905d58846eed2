/* sums.c: block checksums of an index's files, taken by zhsearch's
 * writers when they commit for the last time and checked by readers.
 *
 * Xapian's glass tables carry no checksums: random bytes in a block can
 * change what a search answers (a term's statistics, its postings) with no
 * error from Xapian.  So a writer that has committed, still holding the
 * write lock, records a CRC-32 of every 8 KB of every table file and of
 * the version file in DIR/zhsearch.sums, with the database's UUID and
 * revision and each file's size, inode and times.  A reader checks the
 * files against it before Xapian reads any of them (Xapian 1.4 reads
 * past a buffer on some damaged blocks already while opening): unless
 * every file's size, inode and modification time are as recorded
 * (nothing has written a byte since), it reads them all and compares.
 * The version file (iamglass) comes first and names the revision: if it
 * is not the recorded one, a later commit made the sums stale.  A difference is
 * damage (ZHS_ECORRUPT), never a guess.
 *
 * Glass never rewrites the blocks of the last committed revision, but a
 * writer at work writes into its free blocks (and one that was killed
 * leaves them written).  So a zhsearch writer removes zhsearch.sums before
 * it changes anything, and a difference only counts while the same sums
 * file is still in place and no writer holds the lock; an index written by
 * another program (xapian-compact, xapian-metadata) has another revision
 * or no sums, and goes unchecked until zhsearch next writes it.
 *
 * File format (text lines, then raw checksums):
 *   zhsearch-sums 1
 *   uuid UUID
 *   revision N
 *   file NAME SIZE INO MTIME_S MTIME_NS CTIME_S CTIME_NS
 *   <4 bytes big-endian CRC-32 for each 8 KB of the file, then "\n">
 *   ... one "file" entry per file ...
 *   end CRC32-OF-ALL-ABOVE-IN-HEX
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "zhs-int.h"

#define SUMS_FILE "zhsearch.sums"
#define SUMS_BLOCK 8192

/* The files a glass database consists of, those absent skipped. */
static const char *const sum_files[] = {
    "iamglass", "postlist.glass", "termlist.glass", "docdata.glass",
    "position.glass", "spelling.glass", "synonym.glass",
};
#define NFILES (sizeof sum_files / sizeof sum_files[0])

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_ino == b->st_ino
           && a->st_dev == b->st_dev
           && a->st_mtim.tv_sec == b->st_mtim.tv_sec
           && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
           && a->st_ctim.tv_sec == b->st_ctim.tv_sec
           && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;   /* the sums file */
}

/* CRC-32 of each SUMS_BLOCK of the open file fd of size bytes into
 * crcs[] (ceil(size / SUMS_BLOCK) entries); -1 with errno on a read
 * error, or EIO when the file is shorter than size. */
static int block_crcs(int fd, off_t size, uint32_t *crcs)
{
    unsigned char *buf = malloc(SUMS_BLOCK * 16);
    off_t off = 0;
    size_t k = 0;

    if (buf == NULL)
        return -1;
    while (off < size) {
        size_t want = SUMS_BLOCK * 16, got = 0;
        if ((off_t)want > size - off)
            want = (size_t)(size - off);
        while (got < want) {
            ssize_t r = pread(fd, buf + got, want - got, off + (off_t)got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                if (r == 0)
                    errno = EIO;
                free(buf);
                return -1;
            }
            got += (size_t)r;
        }
        for (size_t i = 0; i < got; i += SUMS_BLOCK) {
            size_t len = got - i < SUMS_BLOCK ? got - i : SUMS_BLOCK;
            crcs[k++] = (uint32_t)crc32(0L, buf + i, (uInt)len);
        }
        off += (off_t)got;
    }
    free(buf);
    return 0;
}

static size_t nblocks(off_t size)
{
    return (size_t)((size + SUMS_BLOCK - 1) / SUMS_BLOCK);
}

zhs_status zhsi_sums_drop(const char *dir, char **errmsg)
{
    char *p = path_in(dir, SUMS_FILE);
    int fd;

    if (p == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    if (unlink(p) != 0 && errno != ENOENT) {
        zhs_status st = zhsi_fail(errmsg, ZHS_EIO, "%s: cannot remove: %s",
                                  p, strerror(errno));
        free(p);
        return st;
    }
    free(p);
    /* The removal must be on disk before the writer's first block is:
     * after a crash, old sums over new free blocks would read as damage. */
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    return ZHS_OK;
}

/* Appends len bytes to the growing buffer *b (size *n, room *cap). */
static int put(char **b, size_t *n, size_t *cap, const void *s, size_t len)
{
    if (*n + len + 1 > *cap) {
        size_t c = (*cap ? *cap * 2 : 4096) + len;
        char *nb = realloc(*b, c);
        if (nb == NULL)
            return -1;
        *b = nb;
        *cap = c;
    }
    memcpy(*b + *n, s, len);
    *n += len;
    return 0;
}

zhs_status zhsi_sums_write(const char *dir, const char *uuid,
                           unsigned long revision, char **errmsg)
{
    char *buf = NULL, line[512], *tmp = NULL, *final = NULL;
    size_t n = 0, cap = 0;
    zhs_status st = ZHS_OK;
    int fd = -1, len;

    len = snprintf(line, sizeof line, "zhsearch-sums 1\nuuid %s\n"
                   "revision %lu\n", uuid, revision);
    if (len < 0 || (size_t)len >= sizeof line
        || put(&buf, &n, &cap, line, (size_t)len) != 0)
        goto nomem;
    for (size_t i = 0; i < NFILES; i++) {
        char *p = path_in(dir, sum_files[i]);
        struct stat sb;
        uint32_t *crcs;
        size_t nb;
        int tf;

        if (p == NULL)
            goto nomem;
        if ((tf = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
            int e = errno;
            free(p);
            if (e == ENOENT)
                continue;
            st = zhsi_fail(errmsg, ZHS_EIO, "%s/%s: %s", dir, sum_files[i],
                           strerror(e));
            goto out;
        }
        free(p);
        if (fstat(tf, &sb) != 0) {
            st = zhsi_fail(errmsg, ZHS_EIO, "%s/%s: %s", dir, sum_files[i],
                           strerror(errno));
            close(tf);
            goto out;
        }
        nb = nblocks(sb.st_size);
        crcs = malloc(nb ? nb * sizeof *crcs : 1);
        if (crcs == NULL) {
            close(tf);
            goto nomem;
        }
        if (block_crcs(tf, sb.st_size, crcs) != 0) {
            st = zhsi_fail(errmsg, ZHS_EIO, "%s/%s: %s", dir, sum_files[i],
                           strerror(errno));
            free(crcs);
            close(tf);
            goto out;
        }
        close(tf);
        len = snprintf(line, sizeof line, "file %s %jd %ju %jd %ld %jd %ld\n",
                       sum_files[i], (intmax_t)sb.st_size,
                       (uintmax_t)sb.st_ino, (intmax_t)sb.st_mtim.tv_sec,
                       sb.st_mtim.tv_nsec, (intmax_t)sb.st_ctim.tv_sec,
                       sb.st_ctim.tv_nsec);
        if (put(&buf, &n, &cap, line, (size_t)len) != 0) {
            free(crcs);
            goto nomem;
        }
        for (size_t k = 0; k < nb; k++) {
            unsigned char be[4] = {(unsigned char)(crcs[k] >> 24),
                                   (unsigned char)(crcs[k] >> 16),
                                   (unsigned char)(crcs[k] >> 8),
                                   (unsigned char)crcs[k]};
            if (put(&buf, &n, &cap, be, 4) != 0) {
                free(crcs);
                goto nomem;
            }
        }
        free(crcs);
        if (put(&buf, &n, &cap, "\n", 1) != 0)
            goto nomem;
    }
    len = snprintf(line, sizeof line, "end %08lx\n",
                   crc32(0L, (const Bytef *)buf, (uInt)n));
    if (put(&buf, &n, &cap, line, (size_t)len) != 0)
        goto nomem;

    if ((tmp = path_in(dir, SUMS_FILE ".tmp")) == NULL
        || (final = path_in(dir, SUMS_FILE)) == NULL)
        goto nomem;
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        st = zhsi_fail(errmsg, ZHS_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            st = zhsi_fail(errmsg, ZHS_EIO, "%s: %s", tmp,
                           w < 0 ? strerror(errno) : "short write");
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        st = zhsi_fail(errmsg, ZHS_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, final) != 0) {
        st = zhsi_fail(errmsg, ZHS_EIO, "%s: %s", final, strerror(errno));
        goto out;
    }
    goto out;
nomem:
    st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
out:
    if (fd >= 0)
        close(fd);
    if (st != ZHS_OK && tmp)
        unlink(tmp);
    free(buf);
    free(tmp);
    free(final);
    return st;
}

/* 1 if a process holds a lock on DIR/flintlock (a writer at work). */
static int writer_active(const char *dir)
{
    char *p = path_in(dir, "flintlock");
    struct flock fl;
    int fd, held = 0;

    if (p == NULL)
        return 1;
    fd = open(p, O_RDONLY | O_CLOEXEC);
    free(p);
    if (fd < 0)
        return 0;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    /* Xapian takes an OFD lock where it can, else a process lock: F_GETLK
     * sees either. */
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
        held = 1;
    close(fd);
    return held;
}

/* The sums file as read: its identity and contents. */
struct sums {
    struct stat sb;
    char *data;
    size_t len;
};

/* Reads DIR/zhsearch.sums into *s: 1 read, 0 absent, -1 error (errno). */
static int read_sums(const char *dir, struct sums *s)
{
    char *p = path_in(dir, SUMS_FILE);
    int fd;

    memset(s, 0, sizeof *s);
    if (p == NULL)
        return -1;
    fd = open(p, O_RDONLY | O_CLOEXEC);
    free(p);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    if (fstat(fd, &s->sb) != 0 || s->sb.st_size > (off_t)1 << 34
        || (s->data = malloc((size_t)s->sb.st_size + 1)) == NULL) {
        close(fd);
        return -1;
    }
    while (s->len < (size_t)s->sb.st_size) {
        ssize_t r = read(fd, s->data + s->len, (size_t)s->sb.st_size - s->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        s->len += (size_t)r;
    }
    close(fd);
    s->data[s->len] = '\0';
    return 1;
}

/* 1 if DIR/zhsearch.sums is still the file s was read from. */
static int sums_unchanged(const char *dir, const struct sums *s)
{
    char *p = path_in(dir, SUMS_FILE);
    struct stat sb;
    int same;

    if (p == NULL)
        return 0;
    same = stat(p, &sb) == 0 && same_stat(&sb, &s->sb);
    free(p);
    return same;
}

/* Reads one "\n"-ended line at *pos of s into line (NUL-terminated); 0 at
 * the end or when the line is too long. */
static int get_line(const struct sums *s, size_t *pos, char *line,
                    size_t size)
{
    const char *nl;
    size_t n;

    if (*pos >= s->len)
        return 0;
    nl = memchr(s->data + *pos, '\n', s->len - *pos);
    if (nl == NULL)
        return 0;
    n = (size_t)(nl - (s->data + *pos));
    if (n >= size)
        return 0;
    memcpy(line, s->data + *pos, n);
    line[n] = '\0';
    *pos += n + 1;
    return 1;
}

/* What checking found, before it is known whether it counts. */
enum found { FOUND_SAME, FOUND_DIFF, FOUND_MALFORMED, FOUND_OTHER };

/* Compares dir's files with the sums in s; on a difference, *what says
 * where (malloc'd). */
static enum found compare(const char *dir, const struct sums *s,
                          char **what)
{
    char line[512], name[64];
    size_t pos = 0, body_end;
    const char *endp;
    unsigned long want;
    int seen[NFILES] = {0};

    /* the trailer first: a cut or scribbled sums file is malformed */
    if (s->len < 2 || s->data[s->len - 1] != '\n')
        return FOUND_MALFORMED;
    endp = s->data + s->len - 1;
    while (endp > s->data && endp[-1] != '\n')
        endp--;
    body_end = (size_t)(endp - s->data);
    if (sscanf(endp, "end %8lx\n", &want) != 1
        || want != crc32(0L, (const Bytef *)s->data, (uInt)body_end))
        return FOUND_MALFORMED;

    /* header lines: checked by the caller */
    for (int i = 0; i < 3; i++)
        if (!get_line(s, &pos, line, sizeof line))
            return FOUND_MALFORMED;
    while (pos < body_end) {
        intmax_t size, ms, cs;
        uintmax_t ino;
        long mns, cns;
        size_t i, nb;
        struct stat sb;
        char *p;
        int fd;

        if (!get_line(s, &pos, line, sizeof line)
            || sscanf(line, "file %63s %jd %ju %jd %ld %jd %ld", name, &size,
                      &ino, &ms, &mns, &cs, &cns) != 7 || size < 0)
            return FOUND_MALFORMED;
        for (i = 0; i < NFILES && strcmp(name, sum_files[i]) != 0; i++)
            ;
        if (i == NFILES || seen[i])
            return FOUND_MALFORMED;
        seen[i] = 1;
        nb = nblocks((off_t)size);
        if (pos + nb * 4 + 1 > body_end || s->data[pos + nb * 4] != '\n')
            return FOUND_MALFORMED;
        if ((p = path_in(dir, name)) == NULL)
            return FOUND_MALFORMED;
        fd = open(p, O_RDONLY | O_CLOEXEC);
        free(p);
        if (fd < 0 || fstat(fd, &sb) != 0) {
            if (fd >= 0)
                close(fd);
            zhsi_fail(what, ZHS_ECORRUPT, "%s is missing", name);
            return FOUND_DIFF;
        }
        /* Size, inode and modification time as recorded: nothing wrote
         * a byte since (a rename into place, as the swap of a new build
         * does, changes only the change time). */
        (void)cs;
        (void)cns;
        if (sb.st_size == size && (uintmax_t)sb.st_ino == ino
            && sb.st_mtim.tv_sec == ms && sb.st_mtim.tv_nsec == mns) {
            close(fd);
            pos += nb * 4 + 1;
            continue;
        }
        /* The version file names the revision (and the database): when
         * it is not the one recorded, a commit came after the sums (by
         * another program), and they say nothing about this revision. */
        if (i == 0 && sb.st_size != size) {
            close(fd);
            return FOUND_OTHER;
        }
        if (sb.st_size < size) {
            close(fd);
            zhsi_fail(what, ZHS_ECORRUPT, "%s is %jd bytes, %jd when "
                      "written", name, (intmax_t)sb.st_size, size);
            return FOUND_DIFF;
        }
        {
            uint32_t *crcs = malloc(nb ? nb * sizeof *crcs : 1);
            size_t k;
            if (crcs == NULL || block_crcs(fd, (off_t)size, crcs) != 0) {
                int e = errno;
                free(crcs);
                close(fd);
                zhsi_fail(what, ZHS_ECORRUPT, "%s cannot be read: %s",
                          name, strerror(e));
                return FOUND_DIFF;
            }
            close(fd);
            for (k = 0; k < nb; k++) {
                const unsigned char *b =
                    (const unsigned char *)s->data + pos + k * 4;
                uint32_t c = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16
                             | (uint32_t)b[2] << 8 | b[3];
                if (c != crcs[k])
                    break;
            }
            free(crcs);
            if (k < nb && i == 0)
                return FOUND_OTHER;
            if (k < nb) {
                zhsi_fail(what, ZHS_ECORRUPT,
                    "bytes %zu-%zu of %s differ from what zhsearch wrote "
                    "(checksums in %s)", k * (size_t)SUMS_BLOCK,
                    (k + 1) * (size_t)SUMS_BLOCK - 1, name, SUMS_FILE);
                return FOUND_DIFF;
            }
        }
        pos += nb * 4 + 1;
    }
    /* a table they do not name (created since by another program) is
     * not theirs to judge */
    return FOUND_SAME;
}

zhs_status zhsi_sums_check(const char *dir, char **errmsg)
{
    struct sums s;
    char line[512], uuid[256];
    unsigned long rev;
    size_t pos = 0;
    char *what = NULL;
    int r;
    enum found f;

    r = read_sums(dir, &s);
    if (r == 0)
        return ZHS_OK;          /* no sums: written by something else */
    if (r < 0) {
        free(s.data);
        return zhsi_fail(errmsg, ZHS_EIO, "%s/%s: %s", dir, SUMS_FILE,
                         strerror(errno));
    }
    if (!get_line(&s, &pos, line, sizeof line)
        || strcmp(line, "zhsearch-sums 1") != 0
        || !get_line(&s, &pos, line, sizeof line)
        || sscanf(line, "uuid %255s", uuid) != 1
        || !get_line(&s, &pos, line, sizeof line)
        || sscanf(line, "revision %lu", &rev) != 1) {
        f = FOUND_MALFORMED;
    } else {
        f = compare(dir, &s, &what);
    }
    if (f == FOUND_OTHER) {
        free(s.data);
        free(what);
        return ZHS_OK;          /* another revision: not what they cover */
    }
    if (f == FOUND_SAME) {
        free(s.data);
        return ZHS_OK;
    }
    /* A writer that started meanwhile removed or replaced the sums, or
     * holds the lock (another program's writer): nothing is known. */
    if (!sums_unchanged(dir, &s) || writer_active(dir)) {
        free(s.data);
        free(what);
        return ZHS_OK;
    }
    free(s.data);
    if (f == FOUND_MALFORMED)
        zhsi_fail(errmsg, ZHS_ECORRUPT, "index is damaged: its checksums "
                  "(%s) are malformed (remove that file if another "
                  "program wrote it)", SUMS_FILE);
    else
        zhsi_fail(errmsg, ZHS_ECORRUPT, "index is damaged: %s",
                  what ? what : "a file differs from what zhsearch wrote");
    free(what);
    return ZHS_ECORRUPT;
}

char *zhsi_sums_signature(const char *dir)
{
    char *out = NULL;
    size_t n = 0, cap = 0;

    for (size_t i = 0; i <= NFILES; i++) {
        const char *name = i < NFILES ? sum_files[i] : SUMS_FILE;
        char *p = path_in(dir, name), part[160];
        struct stat sb;
        int len;
        if (p == NULL)
            break;
        if (stat(p, &sb) != 0)
            memset(&sb, 0, sizeof sb);
        free(p);
        len = snprintf(part, sizeof part, "%jd:%ju:%jd.%ld:%jd.%ld;",
                       (intmax_t)sb.st_size, (uintmax_t)sb.st_ino,
                       (intmax_t)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
                       (intmax_t)sb.st_ctim.tv_sec, sb.st_ctim.tv_nsec);
        if (put(&out, &n, &cap, part, (size_t)len) != 0) {
            free(out);
            return NULL;
        }
    }
    if (out)
        out[n] = '\0';
    return out;
}
