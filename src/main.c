/* main.c: the zhsearch program: option-less dispatch to subcommands.
 *
 * Each subcommand lives in its own cmd_*.c file and is listed here with a
 * one-line summary, which is also what `zhsearch --help` prints.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"index", cmd_index, "add, update or prune documents from files and "
                         "JSON Lines"},
    {"search", cmd_search, "search the index: ranked hits with snippets"},
    {"show", cmd_show, "print one stored document and its metadata"},
    {"rebuild", cmd_rebuild, "index the stored documents again (a new term "
                             "scheme)"},
    {"serve", cmd_serve, "serve the index over HTTP: JSON API and search "
                         "page"},
    {"kwic", cmd_kwic, "every occurrence of a query in context "
                       "(concordance)"},
    {"stats", cmd_stats, "counts per year, month or source; index "
                         "figures"},
    {"delete", cmd_delete, "delete documents by id"},
    {"suggest", cmd_suggest, "completions for a prefix: words, pinyin, "
                             "titles"},
};

void cli_error(const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;
    int n;

    /* Messages quote file names, ids and field values: their control
     * characters are escaped like indexed content (cli_safe.c). */
    fputs("zhsearch: ", stderr);
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && (msg = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (msg != NULL)
        cli_safe_write(stderr, msg, "\n\t");
    else
        fputs("(out of memory)", stderr);
    free(msg);
    fputc('\n', stderr);
}

int cli_parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static void usage(FILE *f)
{
    size_t i;

    fprintf(f, "Usage: zhsearch COMMAND [OPTIONS] [ARGS]\n"
               "Full-text search for Chinese text.\n\nCommands:\n");
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEvery command takes --db DIR (default '%s') and --help.\n"
               "See zhsearch(1) for the query syntax.\n\n%s",
            ZHS_DEFAULT_DB, ZHS_EXIT_HELP);
}

/* Raises the soft limit on open files to the hard one: each shard of a
 * sharded index holds several files open (cli.h, CLI_FDS_PER_SHARD_*),
 * and the default soft limit (1024) is often far below what the system
 * allows.  An unlimited hard limit is taken as 1<<20 (Linux's default
 * nr_open); failing to raise it leaves the limit as it was. */
static void raise_open_files(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == rl.rlim_max)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20
                                               : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

long cli_open_files_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY
        || rl.rlim_cur > (rlim_t)LONG_MAX)
        return -1;
    return (long)rl.rlim_cur;
}

int main(int argc, char **argv)
{
    size_t i;

    raise_open_files();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
        || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("zhsearch %s\npinyin readings: %s\n", PACKAGE_VERSION,
               zhs_pinyin_source());
        return 0;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    cli_error("unknown command '%s' (try 'zhsearch --help')", argv[1]);
    return 2;
}
