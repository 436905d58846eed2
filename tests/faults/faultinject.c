/* faultinject.c: an LD_PRELOAD shim that makes system and library calls
 * fail on demand, for tests/e2e/faults.test.
 *
 * Environment (all optional; nothing set, nothing fails):
 *   FI_PROGRAM           act only in a process whose name contains this
 *                        (so that the shell of libtool's wrapper script,
 *                        which the variables also reach, is left alone)
 *   FI_WRITE_AFTER=N     let N calls of the write family succeed, then
 *                        fail every later one
 *   FI_WRITE_CALLS=LIST  which calls count and fail, comma-separated, of
 *                        write,pwrite,fsync,fdatasync (default: all)
 *   FI_WRITE_PATH=GLOB   count and fail only calls on files whose path
 *                        matches GLOB (fnmatch; default: every file
 *                        except standard input, output and error)
 *   FI_ERRNO=NAME        ENOSPC (default) or EIO
 *   FI_MALLOC_AFTER=N    let N calls of malloc, calloc and realloc
 *                        succeed, then fail every later one with ENOMEM
 *   FI_MALLOC_MIN=BYTES  count and fail only requests of at least BYTES
 *                        (default 0: all).  ICU does not survive every
 *                        failed allocation (its word break iterator has
 *                        no error path: it crashes or spins), so tests
 *                        aim at large buffers: texts, Xapian's blocks
 *   FI_REPORT=FILE       at exit, append the counts of calls seen to FILE
 *                        (to choose N)
 *
 * malloc is found with dlsym, which may itself allocate: allocations made
 * while it runs come from a small static arena that free() recognizes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { W_WRITE = 1, W_PWRITE = 2, W_FSYNC = 4, W_FDATASYNC = 8 };

static int configured;          /* 1 once the environment is read */
static int active;              /* this process is the one to fail */
static long write_after = -1, malloc_after = -1, malloc_min = 0;
static unsigned write_calls = W_WRITE | W_PWRITE | W_FSYNC | W_FDATASYNC;
static const char *write_path;
static int fail_errno = ENOSPC;
static const char *report;
static long n_write, n_malloc;  /* calls counted (atomically) */
static long n_write_failed, n_malloc_failed;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

/* ---- the bootstrap arena, for dlsym's own allocations ------------- */

static _Alignas(16) char arena[64 * 1024];
static size_t arena_used;
static int resolving;

static void *arena_alloc(size_t n)
{
    void *p;
    n = (n + 15) & ~(size_t)15;
    if (n > sizeof arena - arena_used)
        return NULL;
    p = arena + arena_used;
    arena_used += n;
    return p;
}

static int in_arena(const void *p)
{
    return (const char *)p >= arena && (const char *)p < arena + sizeof arena;
}

static void resolve_malloc(void)
{
    if (real_malloc != NULL || resolving)
        return;
    resolving = 1;
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    resolving = 0;
}

/* ---- configuration ------------------------------------------------ */

static long env_long(const char *name)
{
    const char *v = getenv(name);
    char *end;
    long n;

    if (v == NULL || *v == '\0')
        return -1;
    n = strtol(v, &end, 10);
    return *end == '\0' && n >= 0 ? n : -1;
}

static void configure(void)
{
    const char *prog = getenv("FI_PROGRAM"), *calls, *e;

    if (configured)
        return;
    configured = 1;
    active = prog == NULL || strstr(program_invocation_short_name, prog);
    write_after = env_long("FI_WRITE_AFTER");
    malloc_after = env_long("FI_MALLOC_AFTER");
    if ((malloc_min = env_long("FI_MALLOC_MIN")) < 0)
        malloc_min = 0;
    write_path = getenv("FI_WRITE_PATH");
    report = getenv("FI_REPORT");
    if ((e = getenv("FI_ERRNO")) != NULL && strcmp(e, "EIO") == 0)
        fail_errno = EIO;
    if ((calls = getenv("FI_WRITE_CALLS")) != NULL && *calls != '\0') {
        write_calls = 0;
        if (strstr(calls, "pwrite"))
            write_calls |= W_PWRITE;
        if (strstr(calls, "fdatasync"))
            write_calls |= W_FDATASYNC;
        if (strstr(calls, "fsync"))
            write_calls |= W_FSYNC;
        /* "write" alone, not only inside "pwrite" */
        if (strncmp(calls, "write", 5) == 0 || strstr(calls, ",write"))
            write_calls |= W_WRITE;
    }
}

__attribute__((constructor)) static void fi_init(void)
{
    resolve_malloc();
    configure();
}

__attribute__((destructor)) static void fi_report(void)
{
    FILE *f;
    if (!active || report == NULL || (f = fopen(report, "a")) == NULL)
        return;
    fprintf(f, "%s write-calls %ld failed %ld malloc-calls %ld failed %ld\n",
            program_invocation_short_name, n_write, n_write_failed, n_malloc,
            n_malloc_failed);
    fclose(f);
}

/* ---- the write family --------------------------------------------- */

/* Whether fd's file matches FI_WRITE_PATH (or is not stdio without it). */
static int path_matches(int fd)
{
    char link[64], path[PATH_MAX];
    ssize_t n;

    if (write_path == NULL)
        return fd > 2;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n < 0)
        return 0;
    path[n] = '\0';
    return fnmatch(write_path, path, 0) == 0;
}

/* 1 if this call must fail (errno is then set). */
static int write_fails(int fd, unsigned kind)
{
    configure();
    if (!active || write_after < 0 || !(write_calls & kind)
        || !path_matches(fd))
        return 0;
    if (__atomic_add_fetch(&n_write, 1, __ATOMIC_SEQ_CST) <= write_after)
        return 0;
    __atomic_add_fetch(&n_write_failed, 1, __ATOMIC_SEQ_CST);
    errno = fail_errno;
    return 1;
}

#define RESOLVE(var, name)                                                  \
    do {                                                                    \
        if (var == NULL)                                                    \
            *(void **)&var = dlsym(RTLD_NEXT, name);                        \
    } while (0)

ssize_t write(int fd, const void *buf, size_t n)
{
    RESOLVE(real_write, "write");
    return write_fails(fd, W_WRITE) ? -1 : real_write(fd, buf, n);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    RESOLVE(real_writev, "writev");
    return write_fails(fd, W_WRITE) ? -1 : real_writev(fd, iov, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    RESOLVE(real_pwrite, "pwrite");
    return write_fails(fd, W_PWRITE) ? -1 : real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    RESOLVE(real_pwrite64, "pwrite64");
    return write_fails(fd, W_PWRITE) ? -1 : real_pwrite64(fd, buf, n, off);
}

int fsync(int fd)
{
    RESOLVE(real_fsync, "fsync");
    return write_fails(fd, W_FSYNC) ? -1 : real_fsync(fd);
}

int fdatasync(int fd)
{
    RESOLVE(real_fdatasync, "fdatasync");
    return write_fails(fd, W_FDATASYNC) ? -1 : real_fdatasync(fd);
}

/* ---- allocation --------------------------------------------------- */

static int malloc_fails(size_t n)
{
    if (!configured || !active || malloc_after < 0 || n < (size_t)malloc_min)
        return 0;
    if (__atomic_add_fetch(&n_malloc, 1, __ATOMIC_SEQ_CST) <= malloc_after)
        return 0;
    __atomic_add_fetch(&n_malloc_failed, 1, __ATOMIC_SEQ_CST);
    errno = ENOMEM;
    return 1;
}

void *malloc(size_t n)
{
    if (real_malloc == NULL) {
        resolve_malloc();
        if (real_malloc == NULL)
            return arena_alloc(n);
    }
    return malloc_fails(n) ? NULL : real_malloc(n);
}

void *calloc(size_t k, size_t n)
{
    if (real_calloc == NULL) {
        resolve_malloc();
        if (real_calloc == NULL) {
            /* the arena is zeroed static storage, never reused */
            return n && k > SIZE_MAX / n ? NULL : arena_alloc(k * n);
        }
    }
    return malloc_fails(n && k > SIZE_MAX / n ? SIZE_MAX : k * n)
        ? NULL : real_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
    if (in_arena(p)) {
        /* (only during start-up; sizes are unknown: copy what fits) */
        void *q = malloc(n);
        if (q != NULL)
            memcpy(q, p, n < (size_t)(arena + sizeof arena - (char *)p)
                             ? n : (size_t)(arena + sizeof arena - (char *)p));
        return q;
    }
    if (real_realloc == NULL)
        resolve_malloc();
    return malloc_fails(n) ? NULL : real_realloc(p, n);
}

void free(void *p)
{
    if (p == NULL || in_arena(p))
        return;
    if (real_free == NULL)
        resolve_malloc();
    real_free(p);
}
