/* cli_db.c: what the commands that read an index share: the --db,
 * --timeout and --allow-partial options, opening the index with them,
 * joining query words, and reporting a failure as text or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_fail(int json, zhs_status st, const char *msg)
{
    if (json) {
        char *s = zhs_error_json(st, msg);
        if (s)
            puts(s);
        free(s);
    } else {
        cli_error("%s", msg ? msg : zhs_strerror(st));
    }
    return zhs_status_exit_code(st);
}

int cli_db_option(struct cli_db *d, int c, const char *arg, int json,
                  int *rc)
{
    switch (c) {
    case CLI_OPT_DB:
        d->path = arg;
        return 1;
    case CLI_OPT_PARTIAL:
        d->opts.allow_partial = 1;
        return 1;
    case CLI_OPT_TIMEOUT:
        if (cli_parse_uint(arg, 3600000, &d->opts.timeout_ms) < 0
            || d->opts.timeout_ms == 0) {
            *rc = cli_fail(json, ZHS_EUSAGE, "--timeout takes milliseconds "
                           "from 1 to 3600000");
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

int cli_refuse_shard(const char *db)
{
    char *parent = NULL;
    unsigned k = 0;
    int r = zhs_shard_parent(db, &parent, &k);

    if (r < 0) {
        cli_error("out of memory");
        return zhs_status_exit_code(ZHS_ENOMEM);
    }
    if (r == 0)
        return 0;
    cli_error("%s is shard %u of the sharded index %s: writing into one "
              "shard would put documents where their ids do not hash to "
              "(an id could then be in two shards); use --db %s", db, k,
              parent, parent);
    free(parent);
    return zhs_status_exit_code(ZHS_EUSAGE);
}

zhs_status cli_db_open(const struct cli_db *d, zhs_db **db, char **msg)
{
    zhs_status st = zhs_db_open_ex(d->path, &d->opts, db, msg);

    if (st == ZHS_OK && zhs_db_missing_shards(*db) != NULL)
        cli_error("warning: partial results: shards left out:\n%s",
                  zhs_db_missing_shards(*db));
    return st;
}

int cli_options_end(int argc, char **argv)
{
    int n;

    /* A negated query term such as -援疆, -"..." or -(...) is no option. */
    for (n = 1; n < argc; n++) {
        const unsigned char *a = (const unsigned char *)argv[n];
        if (a[0] == '-' && (a[1] >= 0x80 || a[1] == '"' || a[1] == '('))
            break;
    }
    return n;
}

char *cli_join(int argc, char **argv, int from)
{
    size_t len = 1;
    char *s;
    int i;

    for (i = from; i < argc; i++)
        len += strlen(argv[i]) + 1;
    if ((s = malloc(len)) == NULL)
        return NULL;
    s[0] = '\0';
    for (i = from; i < argc; i++) {
        if (i > from)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}
