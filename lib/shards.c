/* shards.c: the layout of a sharded index.
 *
 * `zhsearch index --shards N --db DIR` makes DIR hold N glass databases,
 * shard-0 .. shard-(N-1), and a Xapian stub file DIR/XAPIANDB listing them
 * ("auto shard-K"), which Xapian's own tools and zhs_db_open read as one
 * database.  A document always goes to the shard its id hashes to, so
 * indexing it again finds it.  Shards commit one after another: a reader
 * may see one shard's part of a batch before another's.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zhs-int.h"

#define MAX_SHARDS 256

unsigned zhs_shard_of(const char *id, unsigned nshards)
{
    if (nshards <= 1)
        return 0;
    return (unsigned)(zhs_fnv1a(ZHS_FNV1A_INIT, id, strlen(id)) % nshards);
}

static char *stub_path(const char *dir)
{
    char *p = malloc(strlen(dir) + 10);
    if (p)
        sprintf(p, "%s/XAPIANDB", dir);
    return p;
}

int zhs_is_sharded(const char *dir)
{
    struct stat sb;
    char *stub = stub_path(dir);
    int yes = stub && stat(stub, &sb) == 0 && S_ISREG(sb.st_mode);
    free(stub);
    return yes;
}

int zhs_shard_parent(const char *dir, char **parent, unsigned *k)
{
    char *real = realpath(dir, NULL), *up, **paths = NULL;
    unsigned n = 0, i;
    int found = 0;

    *parent = NULL;
    if (real == NULL)
        return errno == ENOMEM ? -1 : 0;   /* nothing there yet: no shard */
    if ((up = malloc(strlen(real) + 4)) == NULL) {
        free(real);
        return -1;
    }
    sprintf(up, "%s/..", real);
    if (zhs_is_sharded(up) && zhs_shards_local(up, &paths, &n, NULL) == ZHS_OK)
        for (i = 0; i < n && !found; i++) {
            char *r = realpath(paths[i], NULL);
            if (r != NULL && strcmp(r, real) == 0) {
                found = 1;
                *k = i;
            }
            free(r);
        }
    zhs_shards_free(paths, n);
    if (found) {
        char *slash = strrchr(real, '/');
        if (slash == real)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        *parent = real;
        real = NULL;
    }
    free(real);
    free(up);
    return found;
}

void zhs_shards_free(char **paths, unsigned n)
{
    unsigned i;
    for (i = 0; paths && i < n; i++)
        free(paths[i]);
    free(paths);
}

zhs_status zhs_shards_local(const char *dir, char ***paths, unsigned *n,
                            char **errmsg)
{
    char *stub = stub_path(dir), line[4096];
    char **v = NULL;
    unsigned k = 0, lineno = 0;
    zhs_status st = ZHS_OK;
    FILE *f;

    if (stub == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    f = fopen(stub, "r");
    if (f == NULL) {
        st = zhsi_fail(errmsg, ZHS_ENOINDEX, "%s: %s", stub, strerror(errno));
        free(stub);
        return st;
    }
    v = calloc(MAX_SHARDS, sizeof *v);
    while (st == ZHS_OK && v && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        const char *path;
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'
                           || line[len - 1] == ' '))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (strncmp(line, "auto ", 5) == 0 || strncmp(line, "glass ", 6) == 0)
            path = strchr(line, ' ') + 1;
        else {
            st = zhsi_fail(errmsg, ZHS_EUSAGE, "%s line %u: '%s' is not a "
                           "local shard; indexing writes only local shards "
                           "(index on the machine that holds it)", stub,
                           lineno, line);
            break;
        }
        if (k == MAX_SHARDS) {
            st = zhsi_fail(errmsg, ZHS_EUSAGE, "%s: more than %d shards",
                           stub, MAX_SHARDS);
            break;
        }
        v[k] = malloc(strlen(dir) + strlen(path) + 2);
        if (v[k] == NULL) {
            st = ZHS_ENOMEM;
            break;
        }
        if (path[0] == '/')
            strcpy(v[k], path);
        else
            sprintf(v[k], "%s/%s", dir, path);
        k++;
    }
    fclose(f);
    if (st == ZHS_OK && (v == NULL))
        st = ZHS_ENOMEM;
    if (st == ZHS_OK && k == 0)
        st = zhsi_fail(errmsg, ZHS_ECORRUPT, "%s lists no shard", stub);
    free(stub);
    if (st != ZHS_OK) {
        if (st == ZHS_ENOMEM)
            zhsi_fail(errmsg, st, "out of memory");
        zhs_shards_free(v, k);
        return st;
    }
    *paths = v;
    *n = k;
    return ZHS_OK;
}

zhs_status zhs_shards_create(const char *dir, unsigned n, char **errmsg)
{
    char *stub = stub_path(dir), *tmp;
    unsigned i;
    FILE *f;

    if (n < 2 || n > MAX_SHARDS) {
        free(stub);
        return zhsi_fail(errmsg, ZHS_EUSAGE, "--shards takes 2 to %d",
                         MAX_SHARDS);
    }
    if (stub == NULL || (tmp = malloc(strlen(stub) + 5)) == NULL) {
        free(stub);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    sprintf(tmp, "%s.tmp", stub);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        zhsi_fail(errmsg, ZHS_EIO, "%s: %s", dir, strerror(errno));
        goto fail;
    }
    /* Written whole, then renamed into place: readers see no stub or a
     * complete one. */
    f = fopen(tmp, "w");
    if (f == NULL) {
        zhsi_fail(errmsg, ZHS_EIO, "%s: %s", tmp, strerror(errno));
        goto fail;
    }
    fprintf(f, "# zhsearch index of %u shards; documents go to the shard "
               "their id hashes to.\n", n);
    for (i = 0; i < n; i++)
        fprintf(f, "auto shard-%u\n", i);
    if (fclose(f) != 0 || rename(tmp, stub) != 0) {
        zhsi_fail(errmsg, ZHS_EIO, "%s: %s", stub, strerror(errno));
        remove(tmp);
        goto fail;
    }
    free(tmp);
    free(stub);
    return ZHS_OK;
fail:
    free(tmp);
    free(stub);
    return ZHS_EIO;
}

/* Adds the sizes of the regular files under path (not following symbolic
 * links) to *bytes. */
static zhs_status add_tree_size(const char *path, unsigned long long *bytes,
                                char **errmsg)
{
    struct stat sb;
    struct dirent *de;
    zhs_status st = ZHS_OK;
    DIR *d;

    if (lstat(path, &sb) != 0)
        return zhsi_fail(errmsg, errno == ENOENT ? ZHS_ENOINDEX : ZHS_EIO,
                         "%s: %s", path, strerror(errno));
    if (S_ISREG(sb.st_mode))
        *bytes += (unsigned long long)sb.st_size;
    if (!S_ISDIR(sb.st_mode))
        return ZHS_OK;
    if ((d = opendir(path)) == NULL)
        return zhsi_fail(errmsg, ZHS_EIO, "%s: %s", path, strerror(errno));
    while (st == ZHS_OK && (de = readdir(d)) != NULL) {
        char *sub;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        sub = malloc(strlen(path) + strlen(de->d_name) + 2);
        if (sub == NULL) {
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
            break;
        }
        sprintf(sub, "%s/%s", path, de->d_name);
        st = add_tree_size(sub, bytes, errmsg);
        free(sub);
    }
    closedir(d);
    return st;
}

/* Sums the local shards of stub file `stub`; counts the remote ones. */
static zhs_status stub_size(const char *stub, unsigned long long *bytes,
                            unsigned *remote, char **errmsg)
{
    char line[4096], *dir = strdup(stub), *slash;
    zhs_status st = ZHS_OK;
    FILE *f;

    if (dir == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    if ((f = fopen(stub, "r")) == NULL) {
        st = zhsi_fail(errmsg, ZHS_EIO, "%s: %s", stub, strerror(errno));
        free(dir);
        return st;
    }
    while (st == ZHS_OK && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        const char *path;
        char *full;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'
                           || line[len - 1] == ' '))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (strncmp(line, "remote ", 7) == 0) {
            (*remote)++;
            continue;
        }
        path = strchr(line, ' ');
        if (path == NULL)
            continue;                   /* opening the index reports it */
        path++;
        full = malloc(strlen(dir) + strlen(path) + 2);
        if (full == NULL) {
            st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
            break;
        }
        if (path[0] == '/')
            strcpy(full, path);
        else
            sprintf(full, "%s/%s", dir, path);
        st = add_tree_size(full, bytes, errmsg);
        free(full);
    }
    fclose(f);
    free(dir);
    return st;
}

zhs_status zhs_index_disk_size(const char *path, unsigned long long *bytes,
                               unsigned *remote, char **errmsg)
{
    struct stat sb;
    char *stub;
    zhs_status st;

    *bytes = 0;
    *remote = 0;
    if (stat(path, &sb) != 0)
        return zhsi_fail(errmsg, errno == ENOENT ? ZHS_ENOINDEX : ZHS_EIO,
                         "%s: %s", path, strerror(errno));
    if (S_ISREG(sb.st_mode))
        return stub_size(path, bytes, remote, errmsg);
    if (!zhs_is_sharded(path))
        return add_tree_size(path, bytes, errmsg);
    if ((stub = stub_path(path)) == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    st = stub_size(stub, bytes, remote, errmsg);
    free(stub);
    return st;
}
