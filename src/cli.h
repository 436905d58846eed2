/* cli.h: what the zhsearch program's files share.
 *
 * The program is a thin layer over the public header: main.c dispatches
 * to one cmd_*.c file per subcommand, registered in its commands[] table.
 */
#ifndef ZHS_CLI_H
#define ZHS_CLI_H

#include <stdio.h>

#include "zhsearch.h"

#define ZHS_DEFAULT_DB "index"
#define ZHS_DEFAULT_CORPUS "corpus"

/* The exit statuses, as printed in every --help. */
#define ZHS_EXIT_HELP                                                        \
    "Exit status:\n"                                                         \
    "  0   success (a search with no hits is a success)\n"                   \
    "  1   the batch finished but some inputs were rejected (stats --svg:\n" \
    "      the chart has nothing on its axis)\n"                             \
    "  2   usage or query syntax error\n"                                    \
    "  65  corrupt index, or data that cannot be read (EX_DATAERR)\n"        \
    "  66  no index at the given location, or none yet: its first\n"      \
    "      build is running or was interrupted; or a PATH to index does\n"   \
    "      not exist (EX_NOINPUT)\n"                                      \
    "  67  no such document: the id is not in the index (show, delete)\n" \
    "  69  a shard of a sharded index did not answer (EX_UNAVAILABLE)\n" \
    "  70  internal error (EX_SOFTWARE)\n"                                   \
    "  71  out of memory (EX_OSERR)\n"                                       \
    "  74  input/output error (EX_IOERR)\n"                                  \
    "  75  index locked by another writer (EX_TEMPFAIL)\n"

int cmd_index(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_rebuild(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_kwic(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_suggest(int argc, char **argv);

/* export.c: search results as rows (zhsearch search --format). */
enum export_format { EXPORT_JSONL, EXPORT_CSV, EXPORT_TSV };
/* Writes the byte order mark if bom, then the header row (CSV, TSV). */
void export_header(FILE *out, enum export_format fmt, int bom);
/* Writes one row per hit of r; -1 when out of memory. */
int export_rows(FILE *out, enum export_format fmt, const zhs_results *r);

/* Prints "zhsearch: message" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open files a sharded index needs, measured (index --shards 50 over
 * 1,500 generated documents: 456 to write, 205 to read): each shard's
 * writer and reader while indexing, each shard's reader per searching
 * thread, and what the program itself holds (ICU data, threads, ...). */
#define CLI_FDS_PER_SHARD_WRITE 10u
#define CLI_FDS_PER_SHARD_READ 4u
#define CLI_FDS_BASE 64u
/* The soft limit on open files (main raises it to the hard limit at
 * start), or -1 if there is none. */
long cli_open_files_limit(void);

/* Parses a whole decimal number in [0, max]; -1 if it is not one. */
int cli_parse_uint(const char *s, unsigned max, unsigned *out);

/* ---- cli_safe.c: indexed content on a terminal ------------------- */

/* Room for the visible form of one character. */
#define CLI_ESC_MAX 12
/* The visible form of code point cp ("\x1b", "\u009b", "\u202e") if it
 * must not reach a terminal as itself: a C0 control, DEL, a C1 control,
 * a bidi embedding, override or isolate; else NULL. */
const char *cli_cp_escape(unsigned cp, char buf[CLI_ESC_MAX]);
/* Writes the character at s to f (f NULL: writes nothing), escaped as
 * cli_cp_escape says unless it is an ASCII character in keep (NULL: none;
 * "\n\t" keeps a text's lines); a byte that is not UTF-8 is written as
 * \xNN.  Adds the columns written to *width if width is non-NULL.
 * Returns the bytes of s taken (at least 1; s must not be at its NUL). */
size_t cli_safe_put_cp(FILE *f, const char *s, const char *keep,
                       size_t *width);
/* Writes s, every control character escaped except those in keep. */
void cli_safe_write(FILE *f, const char *s, const char *keep);
/* Writes s as one line: every control character escaped. */
void cli_safe_puts(FILE *f, const char *s);
/* The columns cli_safe_puts(s) takes on a terminal. */
size_t cli_safe_width(const char *s);

/* ---- cli_db.c: reading commands ------------------------------- */

/* Where to read and how: --db, --timeout, --allow-partial. */
struct cli_db {
    const char *path;    /* --db, default ZHS_DEFAULT_DB */
    zhs_open_opts opts;  /* --timeout, --allow-partial */
};
#define CLI_DB_INIT {ZHS_DEFAULT_DB, {0, 0}}
enum { CLI_OPT_DB = 'd', CLI_OPT_PARTIAL = 0x100, CLI_OPT_TIMEOUT };
/* Entries for a getopt_long table. */
#define CLI_DB_LONGOPTS                                                      \
    {"db", required_argument, NULL, CLI_OPT_DB},                             \
    {"allow-partial", no_argument, NULL, CLI_OPT_PARTIAL},                   \
    {"timeout", required_argument, NULL, CLI_OPT_TIMEOUT}
/* The --help lines of --db and --timeout. */
#define CLI_DB_HELP                                                          \
    "  --db DIR       index directory, or a stub file (or a directory\n"     \
    "                 holding one, XAPIANDB) listing local shards\n"         \
    "                 and remote ones (remote HOST:PORT) served by\n"        \
    "                 xapian-tcpsrv (default '" ZHS_DEFAULT_DB "')\n"          \
    "  --timeout MS   for the remote shards of a stub --db: connect\n"       \
    "                 and answer within MS milliseconds (default\n"          \
    "                 5000), else fail naming the shard\n"

/* Takes option c if it is one of CLI_DB_LONGOPTS: 1 if taken, 0 if not
 * ours, -1 for a bad value (reported, *rc set to the exit status). */
int cli_db_option(struct cli_db *d, int c, const char *arg, int json,
                  int *rc);
/* For the commands that write (index, delete, rebuild): if db is one
 * shard of a sharded index (zhs_shard_parent), says so on stderr and
 * returns the exit status (2); else 0. */
int cli_refuse_shard(const char *db);
/* zhs_db_open_ex, warning on stderr about shards left out. */
zhs_status cli_db_open(const struct cli_db *d, zhs_db **db, char **msg);
/* The argc to give getopt: options end before a negated query term such
 * as -援疆, which getopt would read as options. */
int cli_options_end(int argc, char **argv);
/* argv[from..argc) joined by spaces, malloc'd; NULL when out of memory. */
char *cli_join(int argc, char **argv, int from);
/* Reports st (msg, or the status's message) on stderr, or as the JSON
 * error object on stdout; returns the exit status. */
int cli_fail(int json, zhs_status st, const char *msg);

#endif /* ZHS_CLI_H */
