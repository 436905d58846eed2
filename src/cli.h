/* cli.h: what the zhsearch program's files share.
 *
 * The program is a thin layer over the public header: main.c dispatches
 * to one cmd_*.c file per subcommand, registered in its commands[] table.
 */
#ifndef ZHS_CLI_H
#define ZHS_CLI_H

#include "zhsearch.h"

#define ZHS_DEFAULT_DB "index"
#define ZHS_DEFAULT_CORPUS "corpus"

/* The exit statuses, as printed in every --help. */
#define ZHS_EXIT_HELP                                                        \
    "Exit status:\n"                                                         \
    "  0   success (a search with no hits is a success)\n"                   \
    "  1   the batch finished but some inputs were rejected\n"               \
    "  2   usage or query syntax error\n"                                    \
    "  65  corrupt index, or data that cannot be read (EX_DATAERR)\n"        \
    "  66  no index at the given location (EX_NOINPUT)\n"    \
    "  69  a shard of a sharded index did not answer (EX_UNAVAILABLE)\n" \
    "  70  internal error (EX_SOFTWARE)\n"                                   \
    "  71  out of memory (EX_OSERR)\n"                                       \
    "  74  input/output error (EX_IOERR)\n"                                  \
    "  75  index locked by another writer (EX_TEMPFAIL)\n"

int cmd_index(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* Prints "zhsearch: message" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a whole decimal number in [0, max]; -1 if it is not one. */
int cli_parse_uint(const char *s, unsigned max, unsigned *out);

#endif /* ZHS_CLI_H */
