/* shards.c: the layout of a sharded index.
 *
 * `zhsearch index --shards N --db DIR` makes DIR hold N glass databases,
 * shard-0 .. shard-(N-1), and a Xapian stub file DIR/XAPIANDB listing them
 * ("auto shard-K"), which Xapian's own tools and zhs_db_open read as one
 * database.  A document always goes to the shard its id hashes to, so
 * indexing it again finds it.  Shards commit one after another: a reader
 * may see one shard's part of a batch before another's.
 */
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
    return (unsigned)(zhsi_fnv(ZHSI_FNV_INIT, id, strlen(id)) % nshards);
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
