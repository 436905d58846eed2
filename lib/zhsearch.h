/* zhsearch.h: the public interface of libzhsearch.
 *
 * libzhsearch indexes Chinese text into a Xapian database and searches it,
 * returning ranked hits with passage snippets.  Everything a program needs
 * (the zhsearch command, the HTTP server, a test) goes through this header.
 *
 * Conventions, for every function below:
 *  - Functions that can fail return a zhs_status; ZHS_OK (0) is success.
 *  - Where a function takes `char **errmsg`, a failure stores there a
 *    malloc'd, NUL-terminated, human-readable message naming what failed and
 *    where (a path, a byte offset, a query position).  The caller frees it
 *    with free().  On success *errmsg is left untouched.  errmsg may be NULL
 *    when the caller does not want the detail.
 *  - All text is UTF-8.  Offsets called "byte" count bytes of UTF-8; offsets
 *    called "cp" count Unicode code points.
 *  - Handles (zhs_db, zhs_writer) are not thread-safe: use one per thread.
 *    Distinct handles may be used concurrently on the same index.
 *  - No C++ exception ever crosses this interface.
 *  - Each function's comment lists the statuses it returns besides
 *    ZHS_OK.  "Index errors" there stands for the statuses with which the
 *    Xapian layer reports a failure of the index itself: ZHS_EIO (the
 *    system failed a read or write, or too many files are open),
 *    ZHS_ECORRUPT (the index is damaged or is not a zhsearch index),
 *    ZHS_ELOCKED (writers: another writer holds it), ZHS_EMODIFIED
 *    (readers: the index changed twice underneath; reopen and retry, see
 *    zhs_db_retry), ZHS_EUNAVAILABLE (a remote shard did not answer),
 *    ZHS_ENOMEM and ZHS_EINTERNAL (a Xapian error with no status of its
 *    own).  Functions returning no zhs_status cannot fail, or say what
 *    their NULL or -1 means.
 *  - The design notes behind the library are in doc/DESIGN.md.
 */
#ifndef ZHSEARCH_H
#define ZHSEARCH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The status list: X(NAME, exit status for the CLI, message).  Codes are
 * the position in this list and are never renumbered: append only.  Exit
 * statuses follow sysexits.h (64 usage, 65 data, 66 no input, 70 software,
 * 71 OS error, 74 I/O error, 75 temporary failure), except 2 for usage and
 * query syntax errors as documented in zhsearch(1). */
#define ZHS_STATUS_MAP(X)                                                    \
    X(OK, 0, "success")                                                      \
    X(ENOMEM, 71, "out of memory")                                           \
    X(EUSAGE, 2, "invalid argument")                                         \
    X(EQUERY, 2, "query syntax error")                                       \
    X(ENOINDEX, 66, "no index at this location")                             \
    X(ECORRUPT, 65, "index is corrupt or not a zhsearch index")              \
    X(ELOCKED, 75, "index is locked by another writer")                      \
    X(EIO, 74, "input/output error")                                         \
    X(EENCODING, 65, "invalid text encoding")                                \
    X(ENOTFOUND, 66, "no such file or directory")                            \
    X(EMODIFIED, 75, "index changed while it was being read")                \
    X(EINTERNAL, 70, "internal error")                                       \
    X(EREJECTED, 1, "some inputs were rejected")                            \
    X(EUNAVAILABLE, 69, "a shard did not answer")                          \
    X(ENODOC, 67, "no such document")

#define ZHS_STATUS_ENUM_(name, exit, msg) ZHS_##name,
typedef enum zhs_status {
    ZHS_STATUS_MAP(ZHS_STATUS_ENUM_)
    ZHS_STATUS_COUNT_
} zhs_status;
#undef ZHS_STATUS_ENUM_

/* A static English message for a status; never NULL. */
const char *zhs_strerror(zhs_status st);
/* The zhsearch command's exit status for a status (see the map above). */
int zhs_status_exit_code(zhs_status st);
/* The status's name without prefix ("ENOINDEX"), used as the JSON error
 * "code"; never NULL. */
const char *zhs_status_name(zhs_status st);

/* The 64-bit FNV-1a hash of data[0..len), continued from h (start with
 * ZHS_FNV1A_INIT): what the library hashes ids, origins, dictionaries
 * and contents with (stable across versions: indexes store some), and a
 * program may use for its own tables. */
#define ZHS_FNV1A_INIT 1469598103934665603ull
unsigned long long zhs_fnv1a(unsigned long long h, const void *data,
                             size_t len);

/* The byte offset of the first invalid UTF-8 sequence in s[0..len) (strict:
 * no overlongs, surrogates or values past U+10FFFF), or (size_t)-1 if it
 * is all valid.  NUL bytes are valid UTF-8. */
size_t zhs_utf8_invalid_at(const char *s, size_t len);

/* ------------------------------------------------------------------ */
/* Documents                                                           */

/* One document to index.  The writer copies what it needs; the caller keeps
 * ownership of every pointer. */
typedef struct zhs_doc {
    const char *id;      /* stable identifier, required, 1..240 bytes */
    const char *title;   /* display title, or NULL */
    const char *path;    /* source path as given to the indexer, or NULL */
    const char *date;    /* YYYY-MM-DD, YYYY-MM or YYYY (a time after 'T'
                            is ignored), or NULL */
    const char *source;  /* publishing outlet, or NULL */
    const char *url;     /* original address, or NULL */
    const char *author;  /* author(s), or NULL */
    const char *origin;  /* the file it was read from (a text file or a
                            JSON Lines file), absolute, or "-" for
                            standard input; or NULL.  Pruning by a
                            directory finds it too (zhs_writer_prune) */
    const char *text;    /* body, valid UTF-8 without BOM, text_len bytes */
    size_t text_len;     /* length of text in bytes */
} zhs_doc;

/* A document that owns its strings (read from a file or a JSON Lines
 * record); free with zhs_file_doc_free. */
typedef struct zhs_file_doc {
    zhs_doc doc;         /* fields point into bufs */
    char *bufs[9];       /* owned storage: every non-NULL field of doc */
} zhs_file_doc;

/* Converts input bytes to UTF-8 (NUL-terminated, malloc'd in *out, length
 * in *outlen).  encoding: an ICU converter name to force ("GB18030",
 * "Big5", "UTF-16LE", ...), or NULL to detect: a byte order mark, else
 * UTF-16 without a BOM (by where its NUL bytes fall), else valid UTF-8,
 * else GB18030 or Big5 as ICU's detector judges.  *used (if non-NULL)
 * receives the encoding's name.  Returns ZHS_EENCODING naming the byte
 * offset of the first invalid sequence or of a NUL character (U+0000 is
 * refused in any encoding: binary data or a wrong guess), ZHS_EUSAGE for
 * an unknown encoding name, ZHS_ENOMEM. */
zhs_status zhs_decode(const char *in, size_t len, const char *encoding,
                      char **out, size_t *outlen, const char **used,
                      char **errmsg);

/* Reads a .txt or .md file (decoded as by zhs_decode) and derives its
 * title: the first Markdown heading, or else the first non-empty line.
 * An .html, .htm or .xhtml file is decoded likewise and then read as HTML
 * (libxml2's parser): its text as a browser shows it, its title the
 * <title> or else the first <h1>.  `id` is stored as the document id.
 * Returns ZHS_ENOTFOUND if the file does not exist, ZHS_EIO if it cannot
 * be read, ZHS_EENCODING with the byte offset if it cannot be decoded (or
 * holds a NUL character) and for an empty file or an HTML page without
 * text, ZHS_EUSAGE for HTML when built without libxml2, ZHS_ENOMEM.
 * Messages name the path.  On success *out is a new document the caller
 * frees. */
zhs_status zhs_doc_read_file(const char *path, const char *id,
                             const char *encoding, zhs_file_doc **out,
                             char **errmsg);
void zhs_file_doc_free(zhs_file_doc *fd);
/* Sets *field (one of fd->doc's string fields) to a copy of v owned by fd
 * (NULL: no value).  ZHS_ENOMEM. */
zhs_status zhs_file_doc_set_field(zhs_file_doc *fd, const char **field,
                                  const char *v);

/* A JSON Lines reader: one JSON object a line with fields id, title, text
 * (or content, body), date (or time, pubdate: ISO dates with or without a
 * time and zone, Chinese forms such as 2017 年 9 月 21 日星期四 or
 * 2020年三月, English month names as in RFC 2822, date(1) or "20 Mar
 * 1993"), source, url, author.  A record without an id gets "auto-" and a
 * hash of its content. */
typedef struct zhs_jsonl zhs_jsonl;

/* Opens path ("-" for standard input).  The encoding is detected from the
 * first 64 KiB (or forced); UTF-8 input is streamed, other encodings are
 * converted whole.  Returns ZHS_ENOTFOUND, ZHS_EIO, ZHS_EENCODING,
 * ZHS_ENOMEM, with messages naming the path. */
zhs_status zhs_jsonl_open(const char *path, const char *encoding,
                          zhs_jsonl **out, char **errmsg);

/* Reads the next record into *out (NULL at the end of input).  A record
 * that cannot be used (not JSON, not an object, no text, over 64 MiB, an
 * invalid date) returns ZHS_EREJECTED with "path:line: why" in *errmsg;
 * call again for the next one.  Other statuses end the file: ZHS_EIO (a
 * read failed), ZHS_ENOMEM. */
zhs_status zhs_jsonl_next(zhs_jsonl *j, zhs_file_doc **out, char **errmsg);

/* With strict non-zero, a record whose metadata cannot be used (a date
 * that is not one, or has text that is not a date; a field that is not a
 * string) is rejected as ZHS_EREJECTED.  By default such metadata is
 * dropped from the record (a partial date is kept with the precision it
 * has) and zhs_jsonl_warning says so. */
void zhs_jsonl_set_strict(zhs_jsonl *j, int strict);

/* Warnings about the record last returned by zhs_jsonl_next ("path:line:
 * what", one a line), or NULL if none; owned by j and valid until the
 * next call. */
const char *zhs_jsonl_warning(const zhs_jsonl *j);

/* 1-based line number of the record last returned (or refused). */
unsigned long zhs_jsonl_line(const zhs_jsonl *j);

/* A reader without input, for records the caller hands over one at a
 * time (zhs_jsonl_record); name stands for the path in messages.
 * ZHS_ENOMEM. */
zhs_status zhs_jsonl_new(const char *name, zhs_jsonl **out, char **errmsg);

/* Reads one record, the JSON object line[0..len) (no newline), exactly as
 * zhs_jsonl_next reads a line of a file (the fields, dates, ids, strict
 * mode and warnings alike); the line number counts the calls.  Returns
 * ZHS_EREJECTED with "name:record: why" for a record that cannot be
 * used, ZHS_ENOMEM. */
zhs_status zhs_jsonl_record(zhs_jsonl *j, const char *line, size_t len,
                            zhs_file_doc **out, char **errmsg);

/* NULL is allowed. */
void zhs_jsonl_close(zhs_jsonl *j);

/* Called by zhs_walk for each file found.  On success st is ZHS_OK and path
 * and id are set; on a problem with one entry (unreadable directory, a
 * missing argument) st says what and err names the path.  Return non-zero
 * to stop the walk. */
typedef int (*zhs_walk_fn)(const char *path, const char *id, zhs_status st,
                           const char *err, void *arg);

/* Walks `root` (a file or a directory) and calls fn for every regular file
 * ending in .txt, .md, .jsonl or .ndjson (and .html, .htm, .xhtml when
 * built with libxml2), in byte order of path, not following symbolic
 * links to directories.  ids are paths relative to root (for a file given
 * directly, its base name).  Returns ZHS_OK when the walk completed (entry
 * problems, ZHS_ENOTFOUND or ZHS_EIO, are reported through fn, not
 * here), ZHS_EREJECTED when fn stopped it, ZHS_ENOMEM. */
zhs_status zhs_walk(const char *root, zhs_walk_fn fn, void *arg);

/* Called by zhs_walk_ex for each regular file (or link to one) in a
 * walked directory that zhs_walk leaves out because of its name (not a
 * hidden one).  Return non-zero to stop the walk. */
typedef int (*zhs_skip_fn)(const char *path, void *arg);

/* zhs_walk, also calling skipped (if non-NULL) for each file left out
 * because of its name, so that nothing is skipped without a word.
 * Statuses as for zhs_walk (ZHS_EREJECTED also when skipped stopped it). */
zhs_status zhs_walk_ex(const char *root, zhs_walk_fn fn, zhs_skip_fn skipped,
                       void *arg);

/* ------------------------------------------------------------------ */
/* Writing an index                                                    */

typedef struct zhs_writer zhs_writer;

/* Opens the index in directory `dir` for writing, creating it if needed.
 * Changes become visible to readers only at zhs_writer_commit, all at once.
 * Returns ZHS_ELOCKED if another writer holds the index, ZHS_ECORRUPT if
 * `dir` holds something that is not a zhsearch index, ZHS_EIO, ZHS_ENOMEM. */
zhs_status zhs_writer_open(const char *dir, zhs_writer **out, char **errmsg);

/* Makes the writer segment with the user dictionary in file `path` (one
 * word a line, UTF-8; '#' starts a comment line) and records it in the
 * index at the next commit, so that searches segment queries the same way.
 * Without this call a writer uses the dictionary the index recorded, if
 * any.  If the index already holds documents segmented with another
 * dictionary, *warning (if warning is non-NULL) receives a malloc'd
 * message saying so.  Returns ZHS_ENOTFOUND / ZHS_EIO / ZHS_EENCODING for
 * an unreadable file, ZHS_ENOMEM. */
zhs_status zhs_writer_set_dict(zhs_writer *w, const char *path,
                               char **warning, char **errmsg);

/* What zhs_writer_put did with a document. */
typedef enum zhs_outcome {
    ZHS_ADDED,           /* a new id */
    ZHS_UPDATED,         /* replaced a document whose content differed */
    ZHS_UNCHANGED        /* the same content was already indexed */
} zhs_outcome;

/* Adds a document, replacing any document with the same id, unless the
 * index already holds the same content (same fields, text, term scheme
 * and dictionary), which is left alone.  *outcome (if non-NULL) says
 * which.  Returns ZHS_EUSAGE for a missing or over-long id or an invalid
 * date (see zhs_doc), ZHS_EENCODING if a field is not valid UTF-8,
 * ZHS_EIO / ZHS_ENOMEM / ZHS_EINTERNAL on index errors. */
zhs_status zhs_writer_put(zhs_writer *w, const zhs_doc *doc,
                          zhs_outcome *outcome, char **errmsg);

/* Documents in the index when the writer was opened (committed ones). */
unsigned zhs_writer_doc_count(zhs_writer *w);

/* A document turned into terms, ready for zhs_writer_put_prepared.
 * Preparing is the expensive part of indexing (normalization and word
 * segmentation) and may run in other threads, each with its own
 * zhs_preparer; putting must happen in the writer's thread. */
typedef struct zhs_preparer zhs_preparer;
typedef struct zhs_prepared zhs_prepared;

/* A preparer that segments as w does (same dictionary).  Use it from one
 * thread at a time; free it before closing w.  Returns ZHS_ENOMEM, or
 * ZHS_EINTERNAL when ICU cannot make a word-break iterator. */
zhs_status zhs_writer_preparer(zhs_writer *w, zhs_preparer **out,
                               char **errmsg);
void zhs_preparer_free(zhs_preparer *p);

/* Prepares doc (the preparer copies what it needs).  Returns ZHS_EUSAGE
 * for a missing or over-long id or an invalid date, ZHS_EENCODING if a
 * field is not valid UTF-8 (zhs_writer_put's document checks),
 * ZHS_ENOMEM, ZHS_EINTERNAL (ICU). */
zhs_status zhs_prepare(zhs_preparer *p, const zhs_doc *doc,
                       zhs_prepared **out, char **errmsg);

/* Puts a prepared document (consumed, also on failure).  *outcome as for
 * zhs_writer_put except that the content is not compared: use
 * zhs_doc_hash and zhs_db_doc_hash to skip unchanged documents before
 * preparing them.  Returns ZHS_EUSAGE if w shares clusters (use
 * zhs_writer_put_in_turn), index errors. */
zhs_status zhs_writer_put_prepared(zhs_writer *w, zhs_prepared *p,
                                   zhs_outcome *outcome, char **errmsg);
void zhs_prepared_free(zhs_prepared *p);

/* Near-duplicate clusters shared by the writers of a sharded index, one
 * writer per shard in threads of its own, so that the clusters are those
 * one index would get from the same run: each document is probed, in the
 * run's order (its `seq`, 0, 1, 2, ... over all the shards), against the
 * committed documents of every shard and the run's documents before it.
 * Writers that share one must put with zhs_writer_put_in_turn; each seq
 * of the run must be put or passed exactly once.
 *
 * zhs_clusters_new opens `db` (a sharded index's directory) to read its
 * committed documents when `committed` is non-zero; ZHS_ENOMEM, or the
 * statuses of zhs_db_open. */
typedef struct zhs_clusters zhs_clusters;
zhs_status zhs_clusters_new(const char *db, int committed,
                            zhs_clusters **out, char **errmsg);
/* w assigns its documents' clusters through c (which must outlive w's
 * puts). */
void zhs_writer_share_clusters(zhs_writer *w, zhs_clusters *c);
/* zhs_writer_put_prepared for the document with run order seq: waits
 * until every document before it took its turn (or passed).  After
 * zhs_clusters_cancel it fails with ZHS_EIO ("cancelled"); else index
 * errors (of w's index and, for the probes, of the others). */
zhs_status zhs_writer_put_in_turn(zhs_writer *w, zhs_prepared *p,
                                  unsigned long seq, zhs_outcome *outcome,
                                  char **errmsg);
/* The document with run order seq will not be put (it failed): its turn
 * passes. */
void zhs_clusters_pass(zhs_clusters *c, unsigned long seq);
/* Wakes every writer waiting for a turn, failing its put: the run is
 * stopping. */
void zhs_clusters_cancel(zhs_clusters *c);
void zhs_clusters_free(zhs_clusters *c);

/* Deletes the documents indexed from `origin` (zhs_doc.origin: that file,
 * or any file under that directory, as a path prefix ending at a '/') for
 * which keep(id, arg) returns 0; *deleted (if non-NULL) counts them.  Part
 * of the uncommitted batch like any change.  Returns ZHS_ENOMEM, index
 * errors. */
zhs_status zhs_writer_prune(zhs_writer *w, const char *origin,
                            int (*keep)(const char *id, void *arg),
                            void *arg, unsigned *deleted, char **errmsg);

/* Deletes the document `id`, as part of the uncommitted batch; *found
 * (if non-NULL) is 1 if there was one, 0 if not (which is no error).
 * Returns ZHS_EUSAGE for an empty or over-long id, index errors. */
zhs_status zhs_writer_delete(zhs_writer *w, const char *id, int *found,
                             char **errmsg);

/* The index's root directory, which file ids are relative to (see
 * zhsearch(1), INPUT FORMATS), in *root (malloc'd; "" if none is recorded
 * yet).  Index errors, ZHS_ENOMEM. */
zhs_status zhs_writer_root(zhs_writer *w, char **root, char **errmsg);
/* Records the root, at the next commit.  Index errors. */
zhs_status zhs_writer_set_root(zhs_writer *w, const char *root,
                               char **errmsg);

/* The content hash zhs_writer_put compares: 16 hex digits and a NUL.  It
 * covers every field but path (which depends on the directory the
 * indexer ran in), the text, the term scheme and the writer's
 * dictionary. */
void zhs_writer_doc_hash(zhs_writer *w, const zhs_doc *doc, char out[17]);

/* For a first build: when the index holds no documents, writes the
 * documents put from now on with `parts` writers in parallel (at most 8;
 * 0: one per CPU), merged into the index at zhs_writer_commit.  Only
 * zhs_writer_put, zhs_writer_put_prepared, zhs_writer_prune and
 * zhs_writer_commit may follow; the commit is still atomic.  *engaged (if
 * non-NULL) is 1 if it did, 0 if the index has documents (the call then
 * changes nothing).  Returns ZHS_EIO / ZHS_ENOMEM / ZHS_EINTERNAL. */
zhs_status zhs_writer_parallel(zhs_writer *w, unsigned parts, int *engaged,
                               char **errmsg);

/* Makes every change since open (or the last commit) durable and visible.
 * Returns ZHS_EIO when the commit could not be written (the index then
 * stays as the last commit left it), ZHS_ENOMEM, index errors. */
zhs_status zhs_writer_commit(zhs_writer *w, char **errmsg);

/* Closes the writer, discarding uncommitted changes.  NULL is allowed. */
void zhs_writer_close(zhs_writer *w);

/* Called by zhs_rebuild for a stored document that today's rules refuse
 * (it is left out), with its id and why. */
typedef void (*zhs_rebuild_fn)(const char *id, const char *why, void *arg);

/* Rebuilds the plain index in dir (of any term scheme this zhsearch can
 * read the stored documents of) with the current term scheme, from its
 * own stored documents: no source file is read.  The old index stays in
 * place, and searchable, until the new one replaces it atomically; other
 * writers wait on its lock.  *count (if non-NULL) gets the documents
 * indexed.  Returns ZHS_ELOCKED if a writer holds dir, ZHS_ENOINDEX,
 * ZHS_ECORRUPT, ZHS_EIO, ZHS_ENOMEM. */
zhs_status zhs_rebuild(const char *dir, zhs_rebuild_fn rejected, void *arg,
                       unsigned long *count, char **errmsg);

/* ------------------------------------------------------------------ */
/* Sharded indexes                                                     */

/* The shard (0..nshards-1) a document with this id belongs to: a stable
 * hash, so indexing it again finds it. */
unsigned zhs_shard_of(const char *id, unsigned nshards);

/* 1 if dir holds a stub file XAPIANDB, i.e. is a sharded index. */
int zhs_is_sharded(const char *dir);

/* Whether dir is one shard of a sharded index: the directory above it
 * is a sharded index whose stub lists dir (the same directory, however
 * it is named).  Writing into a shard directly would put documents in a
 * shard their ids do not hash to, so that an id could be in two shards;
 * writers check this first.  Returns 1 and the index's directory in
 * *parent (malloc'd, the caller frees it) and dir's place in its stub
 * (0-based) in *k; 0 if dir is no shard (or cannot be resolved); -1 when
 * out of memory. */
int zhs_shard_parent(const char *dir, char **parent, unsigned *k);

/* Makes dir a sharded index of n (2..256) shards: writes dir/XAPIANDB
 * listing shard-0 .. shard-(n-1) (created by the writers).  Returns
 * ZHS_EUSAGE for another n, ZHS_EIO. */
zhs_status zhs_shards_create(const char *dir, unsigned n, char **errmsg);

/* The local shard paths of the sharded index dir, in stub order (malloc'd
 * array of malloc'd strings; free with zhs_shards_free).  ZHS_EUSAGE if a
 * shard is remote, ZHS_ENOINDEX if there is no stub. */
zhs_status zhs_shards_local(const char *dir, char ***paths, unsigned *n,
                            char **errmsg);
void zhs_shards_free(char **paths, unsigned n);

/* ------------------------------------------------------------------ */
/* Searching                                                           */

typedef struct zhs_db zhs_db;

/* Opens an index for reading: a directory, or a Xapian stub file listing
 * shards.  Returns ZHS_ENOINDEX if there is no index at `path` (missing or
 * empty directory), ZHS_ECORRUPT if it cannot be read as a zhsearch index,
 * ZHS_ENOMEM. */
zhs_status zhs_db_open(const char *path, zhs_db **out, char **errmsg);

/* How to open an index that is a stub of shards (a stub file, or a
 * directory holding one named XAPIANDB, as `zhsearch index --shards`
 * writes): local shards ("auto PATH", "glass PATH") and remote ones
 * served by xapian-tcpsrv ("remote HOST:PORT", "remote tcp HOST PORT"). */
typedef struct zhs_open_opts {
    unsigned timeout_ms; /* connect and operation timeout for remote
                            shards; 0 means 5000 */
    int allow_partial;   /* leave out shards that cannot be opened (see
                            zhs_db_missing_shards) instead of failing */
} zhs_open_opts;

/* zhs_db_open with options (NULL: the defaults).  A shard that cannot be
 * opened is ZHS_ECORRUPT / ZHS_ENOINDEX / ZHS_EIO with a message naming
 * its stub line, unless allow_partial. */
zhs_status zhs_db_open_ex(const char *path, const zhs_open_opts *opts,
                          zhs_db **out, char **errmsg);

/* The stub lines of the shards left out by allow_partial, one a line, or
 * NULL if none; owned by db. */
const char *zhs_db_missing_shards(const zhs_db *db);

/* Segments queries with the user dictionary in file `path` instead of the
 * one the index recorded.  If they differ, *warning (if non-NULL) receives
 * a malloc'd message: words the two segment differently rank differently
 * (recall is unaffected).  Errors as for zhs_writer_set_dict. */
zhs_status zhs_db_set_dict(zhs_db *db, const char *path, char **warning,
                           char **errmsg);

/* Picks up the latest commit, or another database that now stands at the
 * path (a compaction swap, a delete and rebuild, a rewritten stub: told
 * apart by Xapian's database UUIDs, not only the revision), which it
 * then opens afresh, letting go of the old files.  Returns ZHS_ENOINDEX
 * while nothing is at the path, the errors of zhs_db_open_ex for what is
 * there now; the handle then still reads what it read before, and the
 * caller should close it rather than answer from it. */
zhs_status zhs_db_reopen(zhs_db *db, char **errmsg);

/* One read of db for zhs_db_retry: a status, and a message in *errmsg
 * (which may be NULL) on failure. */
typedef zhs_status (*zhs_db_op)(zhs_db *db, void *arg, char **errmsg);

/* Also retry once after ZHS_ENOTFOUND: what another handle just saw
 * committed (an id a search returned) may be newer than db's revision. */
#define ZHS_RETRY_NOTFOUND 1u
/* Tries after the first that zhs_db_retry makes at the most. */
#define ZHS_MAX_RETRIES 3u

/* Runs op(db, arg, errmsg) and, while it returns ZHS_EMODIFIED (the index
 * changed so much underneath that db cannot read on: two commits or
 * more), reopens db (zhs_db_reopen) and runs it again, at most
 * ZHS_MAX_RETRIES times more; with ZHS_RETRY_NOTFOUND in flags, also once
 * after ZHS_ENOTFOUND.  Each try's message is dropped before the next, so
 * on success *errmsg is untouched (as everywhere in this interface) and
 * on failure it holds the last try's message only.  Returns op's status
 * (ZHS_EMODIFIED when the tries ran out), or the status of a reopen that
 * failed (ZHS_ENOINDEX when the index is gone, the errors of
 * zhs_db_open_ex) with its message. */
zhs_status zhs_db_retry(zhs_db *db, zhs_db_op op, void *arg, unsigned flags,
                        char **errmsg);

/* The identity of the database db reads, as of the last open or reopen:
 * Xapian's UUID (a stub's shards': theirs joined by ':'; "" if one has
 * none), owned by db.  Answers computed from a handle are void once its
 * identity changes, even where the revision number repeats. */
const char *zhs_db_uuid(const zhs_db *db);

/* Number of documents in the index as of the last open/reopen. */
unsigned zhs_db_doc_count(zhs_db *db);

/* The stored document `id`, with every field and its text as indexed (a
 * new document the caller frees).  Returns ZHS_ENOTFOUND naming the id if
 * there is none, ZHS_ECORRUPT if its stored form cannot be read, index
 * errors. */
zhs_status zhs_db_get(zhs_db *db, const char *id, zhs_file_doc **out,
                      char **errmsg);

/* The stored content hash of document `id` (see zhs_writer_doc_hash) in
 * out; *found is 0 if there is no such document.  Returns ZHS_EMODIFIED
 * if the index changed underneath (reopen), other index errors. */
zhs_status zhs_db_doc_hash(zhs_db *db, const char *id, char out[17],
                           int *found, char **errmsg);

/* NULL is allowed. */
void zhs_db_close(zhs_db *db);

/* A half-open range [start, end) of code points. */
typedef struct zhs_span {
    unsigned start;      /* first code point */
    unsigned end;        /* one past the last code point */
} zhs_span;

typedef struct zhs_snippet {
    char *text;          /* the passage as displayed, UTF-8 */
    unsigned line;       /* 1-based source line where it starts, 0 unknown */
    zhs_span *highlights;/* matches in text, cp offsets, ascending */
    size_t nhighlights;  /* number of highlights */
} zhs_snippet;

typedef struct zhs_hit {
    unsigned rank;       /* 1-based rank over all hits (offset included) */
    char *id;            /* document id */
    double score;        /* relevance, higher is better */
    char *title;         /* title, or NULL */
    char *date;          /* date, or NULL */
    char *source;        /* source, or NULL */
    char *path;          /* source path, or NULL */
    zhs_snippet *snippets; /* 1..max_snippets passages, best first */
    size_t nsnippets;    /* number of snippets */
    char *url;           /* original address, or NULL */
    char *author;        /* author(s), or NULL */
    char *origin;        /* the root it was indexed from, or NULL */
    char *text;          /* the stored text, only with
                            zhs_search_opts.with_text; else NULL */
    unsigned duplicates; /* near-duplicates of this hit that also match
                            and were collapsed into it (0 with
                            no_collapse) */
    char **duplicate_ids;/* their ids, in rank order (at most
                            ZHS_MAX_DUPLICATE_IDS) */
    size_t nduplicate_ids; /* number of duplicate_ids */
    int relaxed;         /* 1: a relaxed match (see zhs_results.relaxed),
                            ranked after every strict match */
    unsigned words_matched; /* relaxed: how many of the relaxed words it
                            has (0 for a strict match) */
} zhs_hit;

/* One value of a facet and the number of matching documents having it. */
typedef struct zhs_facet_count {
    char *value;         /* a source, a year "2025", a month "2025-12" */
    unsigned count;      /* matching documents with that value */
} zhs_facet_count;

/* The counts of one facet kind over all matching documents. */
typedef struct zhs_facet {
    const char *name;    /* "source", "year" or "month" (static) */
    zhs_facet_count *values; /* most frequent first, equal counts by value
                            (byte order); at most ZHS_MAX_FACET_VALUES */
    size_t nvalues;      /* number of values */
} zhs_facet;

typedef struct zhs_results {
    char *query;         /* the query as given */
    unsigned total;      /* number of matching documents (a cluster
                            once unless no_collapse): exact when
                            total_exact (always when at most 1,000, but
                            for the limits the README gives), else
                            Xapian's estimate */
    int total_exact;     /* 1 if total is exact, 0 if an estimate */
    unsigned offset;     /* hits skipped before the first one returned */
    unsigned limit;      /* the most hits asked for */
    double took_ms;      /* wall time of the search, snippets included */
    zhs_hit *hits;       /* the hits, best first */
    size_t nhits;        /* number of hits */
    char *missing_shards;/* shards left out (allow_partial), one a line,
                            or NULL: the results are then partial */
    zhs_facet *facets;   /* the facets asked for (zhs_search_opts.facets),
                            in the order source, year, month; or NULL */
    size_t nfacets;      /* number of facets */
    int relaxed;         /* 1: the strict query matched fewer documents
                            than the page asked for, and relaxed matches
                            follow the strict ones on the page (total
                            still counts the strict matches only) */
    unsigned strict_total; /* the strict matches (= total: relaxing
                            happens only when it is exact) */
    unsigned relaxed_total;/* relaxed: the relaxed matches; a page's hits
                            are at ranks 1 .. total + relaxed_total */
    int relaxed_total_exact; /* 1 if relaxed_total is exact */
    char **relaxed_words;/* relaxed: the words a relaxed match has at
                            least relaxed_min of (the query's strings,
                            split where they join least often) */
    size_t nrelaxed_words; /* number of relaxed_words */
    unsigned relaxed_min;/* fewest of them a relaxed match has */
    int relaxed_split;   /* 1: a string of the query was split */
    char *relaxed_message; /* "no exact match for Q; showing ..." (or "only
                            N exact matches for Q; then ..."), for people */
} zhs_results;

/* The order of hits.  Date orders use the document's date (YYYY-MM-DD;
 * a date with only a year or month sorts before the days of it); hits
 * without a date come last in both; equal dates rank by relevance, then
 * (within the page) by id. */
typedef enum zhs_sort {
    ZHS_SORT_RELEVANCE = 0,
    ZHS_SORT_NEWEST,
    ZHS_SORT_OLDEST
} zhs_sort;

#define ZHS_FACET_SOURCE 1u
#define ZHS_FACET_YEAR   2u
#define ZHS_FACET_MONTH  4u

/* "relevance", "newest" or "oldest" into *out; -1 for anything else. */
int zhs_parse_sort(const char *s, zhs_sort *out);
/* A comma-separated list of "source", "year", "month" into ZHS_FACET_*
 * bits; -1 for an empty list or another word. */
int zhs_parse_facets(const char *s, unsigned *out);

/* Zero-initialised options are the defaults (but give a limit). */
typedef struct zhs_search_opts {
    unsigned offset;     /* hits to skip; at most ZHS_MAX_OFFSET */
    unsigned limit;      /* hits to return; 0..ZHS_MAX_LIMIT */
    unsigned max_snippets; /* snippets per hit, 1..3; 0 means 3 */
    zhs_sort sort;       /* order of hits */
    unsigned facets;     /* ZHS_FACET_* bits: counts over all matches
                            (the search then examines every match, so
                            the total is exact) */
    int no_collapse;     /* 1: show near-duplicates as separate hits */
    int with_text;       /* 1: fill zhs_hit.text with the stored text */
    int no_relax;        /* 1: never relax (see zhs_search): only the
                            strict matches, as exports and scripts want */
} zhs_search_opts;

#define ZHS_MAX_DUPLICATE_IDS 1000u
#define ZHS_MAX_FACET_VALUES 1000u

#define ZHS_MAX_LIMIT 10000u
#define ZHS_MAX_OFFSET 1000000u
#define ZHS_MAX_QUERY_CP 1000u

/* Runs a query (see zhsearch(1) for the syntax: words are ANDed and ranked,
 * "quoted text" matches exactly, on normalized text).  When the strict
 * matches are fewer than offset + limit and the query has two or more
 * unquoted words (after splitting), relaxed matches follow them unless
 * opts->no_relax: documents with at least half the words (more words
 * first), every quoted phrase, filter and NOT holding (see
 * zhs_results.relaxed; facets count the strict matches only).  Unless
 * opts->no_collapse, the matching documents of one near-duplicate cluster
 * (zhsearch(1), NEAR-DUPLICATES) are one hit, the first in the order
 * asked for, with the others in zhs_hit.duplicates and duplicate_ids;
 * total then counts a cluster once, facets count every document.  Returns ZHS_EQUERY
 * with the position (in code points, 1-based) for malformed queries,
 * ZHS_EUSAGE for bad options, ZHS_ECORRUPT / ZHS_EIO / ZHS_ENOMEM on index
 * errors.  A stale handle is reopened and the search retried.  On success
 * *out holds results the caller frees with zhs_results_free. */
zhs_status zhs_search(zhs_db *db, const char *query,
                      const zhs_search_opts *opts, zhs_results **out,
                      char **errmsg);

/* NULL is allowed. */
void zhs_results_free(zhs_results *r);

/* The search JSON object (see doc/DESIGN.md), compact, NUL-terminated and
 * malloc'd; NULL when out of memory.  Each hit also has "duplicates" and
 * "duplicate_ids"; "facets" is present when facets were asked for (see
 * zhsearch(1), JSON OUTPUT). */
char *zhs_results_json(const zhs_results *r);

/* Rewrites JSON text json (malloc'd, as cJSON prints it) so that the C1
 * controls U+0080..U+009F and the bidi embeddings, overrides and isolates
 * (U+202A..U+202E, U+2066..U+2069) in its strings are \u escapes, as the
 * encoder already writes C0 controls: the same JSON value, which a
 * terminal showing it cannot take for control sequences.  Returns the
 * rewritten text (json itself or a new buffer; json is then freed), or
 * NULL when out of memory (json freed) or if json is NULL.  Every JSON
 * printer of the library and the program goes through it. */
char *zhs_json_escape_controls(char *json);

/* The JSON error object {"error": {"code": ..., "message": ...}};
 * malloc'd, NULL when out of memory. */
char *zhs_error_json(zhs_status st, const char *message);

/* ------------------------------------------------------------------ */
/* Serving                                                             */

/* The revision of the index as of the last open/reopen in *rev; *known is
 * 0 (and *rev 0) for a stub of several shards, which has no single
 * revision.  Index errors. */
zhs_status zhs_db_revision(zhs_db *db, unsigned long long *rev, int *known,
                           char **errmsg);

/* The path db was opened with (for messages); owned by db. */
const char *zhs_db_path(const zhs_db *db);

/* Bounds the time the matcher may spend on each search of db to ms
 * milliseconds (0: no bound).  A search that runs out returns the best
 * hits found so far and an estimated total. */
void zhs_db_set_time_limit(zhs_db *db, unsigned ms);

/* The stored document as one JSON object with every field and the text
 * (as `zhsearch show --json` prints it); malloc'd, NULL when out of
 * memory. */
char *zhs_doc_json(const zhs_doc *doc);

typedef struct zhs_suggestion {
    char *text;          /* what the search box would hold */
    const char *kind;    /* "word" (an indexed word) or "title" */
    unsigned docs;       /* documents holding the word (words) */
    char *id;            /* the document (titles), else NULL */
    char *reading;       /* the pinyin the input matched ("yuan jiang",
                            toneless syllables) for a word found by its
                            reading, else NULL */
} zhs_suggestion;

typedef struct zhs_suggestions {
    char *query;         /* the input as given */
    zhs_suggestion *items; /* most useful first */
    size_t n;            /* number of items */
    double took_ms;      /* wall time */
} zhs_suggestions;

#define ZHS_MAX_SUGGEST 20u

/* Where the pinyin readings of this build come from (the dictionary and
 * its version, or that ICU's character readings are all there is); a
 * static string. */
const char *zhs_pinyin_source(void);

/* Completions for what a user has typed so far: the last word of input
 * (after the last space) is completed to indexed words that start with it
 * after normalization, the most frequent first, each with the rest of the
 * input in front; then words whose pinyin reading the input matches (full
 * pinyin "yuanjiang" or "yuan jiang", a prefix "yuanj", initials "yj",
 * mixed "援j", "yuan疆"; letters typed before the last space count when
 * they are all letters), the most frequent first; then titles of
 * documents whose title contains the last word (or, when only pinyin
 * matched, the first pinyin match).  At most `limit` (1..ZHS_MAX_SUGGEST)
 * items.  ZHS_EUSAGE for a bad limit or input over 4096 bytes,
 * ZHS_EENCODING for invalid UTF-8, index errors. */
zhs_status zhs_suggest(zhs_db *db, const char *input, unsigned limit,
                       zhs_suggestions **out, char **errmsg);
void zhs_suggestions_free(zhs_suggestions *s);
/* {"query": ..., "suggestions": [{"text", "kind", "docs"|"id", and
 * "reading" for pinyin matches}], "took_ms"}
 * malloc'd, NULL when out of memory. */
char *zhs_suggestions_json(const zhs_suggestions *s);

/* ------------------------------------------------------------------ */
/* Every match: concordances and counts                                */

/* One matching document as zhs_scan delivers it.  Every pointer is owned
 * by the scan and valid only during the callback. */
typedef struct zhs_match_doc {
    unsigned rank;       /* 1-based rank among all matching documents, in
                            zhs_search's order */
    const char *id;      /* document id */
    const char *title;   /* title, or NULL */
    const char *text;    /* the displayed text (the text snippets are cut
                            from), UTF-8 */
    size_t text_cp;      /* length of text in code points */
    const zhs_span *matches; /* every occurrence in text of the strings
                            the query highlights, cp offsets, ascending;
                            overlapping occurrences are merged into one */
    const unsigned *lines; /* lines[i]: 1-based source line where
                            matches[i] starts, 0 if unknown */
    size_t nmatches;     /* number of matches (0 for a document that
                            matches through its title or filters only) */
    const char *year;    /* "2025", or NULL if the date is unknown */
    const char *month;   /* "2025-12", or NULL if the month is unknown */
    const char *source;  /* the normalized source (what source: matches),
                            or NULL */
} zhs_match_doc;

/* Called for each matching document; return non-zero to stop the scan. */
typedef int (*zhs_match_fn)(const zhs_match_doc *doc, void *arg);

/* Runs query (the language of zhs_search) and calls fn for every matching
 * document, not just a page, in rank order.  Errors as for zhs_search;
 * ZHS_EMODIFIED if the index changed so much during the scan that it
 * cannot go on (documents already delivered stay delivered: run it
 * again).  Stopping through fn is a success. */
zhs_status zhs_scan(zhs_db *db, const char *query, zhs_match_fn fn,
                    void *arg, char **errmsg);

/* Columns a code point takes on a terminal: 2 for East Asian Wide and
 * Fullwidth characters, 0 for combining marks and format characters, 1
 * otherwise. */
int zhs_cp_width(unsigned long cp);

/* What documents are grouped by. */
typedef enum zhs_group {
    ZHS_BY_YEAR,         /* "2025" (the date's year) */
    ZHS_BY_MONTH,        /* "2025-12" (documents dated to the month) */
    ZHS_BY_SOURCE        /* the normalized source */
} zhs_group;

/* A group and its number of documents. */
typedef struct zhs_bucket {
    char *key;           /* year, month or source as in zhs_match_doc */
    unsigned docs;       /* documents in it */
} zhs_bucket;

/* Every year, month or source the index's documents have, in ascending
 * (byte) order, with document counts (malloc'd array; free with
 * zhs_buckets_free); *unknown receives the number of documents without
 * one.  Index errors; ZHS_ENOMEM. */
zhs_status zhs_db_groups(zhs_db *db, zhs_group by, zhs_bucket **out,
                         size_t *n, unsigned *unknown, char **errmsg);
void zhs_buckets_free(zhs_bucket *b, size_t n);

/* Figures on an index. */
typedef struct zhs_db_info {
    unsigned docs;       /* documents */
    unsigned long long terms; /* distinct terms of every kind */
    unsigned long long words; /* distinct unprefixed terms (words) */
    unsigned dated;      /* documents with a date */
    char date_min[11];   /* earliest date, YYYY-MM-DD (or YYYY-MM, YYYY
                            for dates known to the month or year), "" if
                            no document has a date */
    char date_max[11];   /* latest date, likewise */
} zhs_db_info;

/* Fills *out (the date range is the bounds Xapian records: after
 * deletions they may be wider than the remaining documents).  Index
 * errors. */
zhs_status zhs_db_info_get(zhs_db *db, zhs_db_info *out, char **errmsg);

/* Bytes on disk of the index at path (a directory, a stub file, or a
 * directory holding a stub): the sum of the files of the index directory
 * or of each local shard; *remote receives the number of remote shards,
 * whose size is unknown.  ZHS_ENOINDEX if path does not exist, ZHS_EIO. */
zhs_status zhs_index_disk_size(const char *path, unsigned long long *bytes,
                               unsigned *remote, char **errmsg);

/* ------------------------------------------------------------------ */
/* Concordances and counts as the zhsearch command prints them         */

/* The order of concordance lines. */
typedef enum zhs_kwic_sort {
    ZHS_KWIC_DOC = 0,    /* documents in rank order, matches in text order */
    ZHS_KWIC_LEFT,       /* by the left context read backwards, then the
                            match (ties: document order) */
    ZHS_KWIC_RIGHT       /* by the right context, then the match */
} zhs_kwic_sort;

/* "doc", "left" or "right" into *out; -1 for anything else. */
int zhs_parse_kwic_sort(const char *s, zhs_kwic_sort *out);

#define ZHS_KWIC_DEFAULT_WIDTH 30u
#define ZHS_KWIC_MAX_WIDTH 500u
#define ZHS_KWIC_ALL ((size_t)-1)

typedef struct zhs_kwic_opts {
    unsigned width;      /* code points of context each side,
                            0..ZHS_KWIC_MAX_WIDTH */
    zhs_kwic_sort sort;  /* order of lines */
    size_t limit;        /* lines to return at most; ZHS_KWIC_ALL: every
                            one (0 returns none but still counts them) */
} zhs_kwic_opts;

/* One concordance line.  left, match and right are cut from the
 * displayed text (zhs_match_doc.text), with newlines, tabs, carriage
 * returns, form and vertical feeds as spaces. */
typedef struct zhs_kwic_line {
    const char *id;      /* the document's id (owned by the result) */
    unsigned rank;       /* the document's rank among all matches, from 1 */
    unsigned line;       /* 1-based source line of the match, 0 unknown */
    unsigned offset;     /* cp offset of the match in the displayed text */
    char *left;          /* up to width code points before the match */
    char *match;         /* the occurrence */
    char *right;         /* up to width code points after it */
} zhs_kwic_line;

typedef struct zhs_kwic_lines {
    zhs_kwic_line *lines;/* the lines, in the order asked for */
    size_t n;            /* number of lines (at most the limit) */
    size_t total;        /* occurrences in all matching documents (also
                            those past the limit) */
    char **ids;          /* storage of the lines' ids */
    size_t nids;
} zhs_kwic_lines;

/* Every occurrence of the strings query highlights (see zhs_scan) in
 * every matching document, as `zhsearch kwic` prints them; opts NULL:
 * the defaults (width 30, document order, every line).  Returns
 * ZHS_EUSAGE for a bad width or sort, the statuses of zhs_scan
 * (ZHS_EQUERY with the position, ZHS_EMODIFIED, index errors),
 * ZHS_ENOMEM.  On success *out is freed with zhs_kwic_free. */
zhs_status zhs_kwic(zhs_db *db, const char *query, const zhs_kwic_opts *opts,
                    zhs_kwic_lines **out, char **errmsg);
/* NULL is allowed. */
void zhs_kwic_free(zhs_kwic_lines *k);
/* One line as `zhsearch kwic --json` prints it: {"id", "rank", "line"
 * (null when unknown), "offset", "left", "match", "right"}; malloc'd,
 * NULL when out of memory. */
char *zhs_kwic_line_json(const zhs_kwic_line *l);

/* "year", "month" or "source"; "?" for another value. */
const char *zhs_group_name(zhs_group by);
/* The reverse: 0 and *out set, or -1 for another word. */
int zhs_parse_group(const char *s, zhs_group *out);

/* Matching documents and occurrences of one term in one group. */
typedef struct zhs_count {
    unsigned docs;       /* matching documents */
    unsigned long occurrences; /* occurrences of its strings in them */
} zhs_count;

/* The counts of `zhsearch stats TERM...`: rows are every group the index
 * has (zhs_db_groups), then one for documents without one when there
 * are such; cells[row * nterms + term]. */
typedef struct zhs_counts {
    zhs_group by;        /* what rows are */
    char **terms;        /* the terms (queries), copies */
    size_t nterms;       /* number of terms */
    zhs_bucket *rows;    /* the index's groups, ascending */
    size_t nbuckets;     /* number of rows[] */
    size_t nrows;        /* nbuckets, plus one "unknown" row when
                            nunknown > 0 */
    unsigned nunknown;   /* documents of the index without a group */
    zhs_count *cells;    /* nrows x nterms, row-major */
} zhs_counts;

/* Counts each of terms[0..nterms) (each a query) over every matching
 * document, grouped by `by`.  Returns ZHS_EUSAGE for no terms or an
 * unknown grouping, the statuses of zhs_scan (messages name the term),
 * the statuses of zhs_db_groups, ZHS_ENOMEM.  On success *out is freed
 * with zhs_counts_free. */
zhs_status zhs_count_terms(zhs_db *db, zhs_group by,
                           const char *const *terms, size_t nterms,
                           zhs_counts **out, char **errmsg);
/* The group of a row, or NULL for the unknown row. */
const char *zhs_counts_period(const zhs_counts *c, size_t row);
/* NULL is allowed. */
void zhs_counts_free(zhs_counts *c);
/* `zhsearch stats --format json TERM...`'s object: {"by", "terms",
 * "rows": [{"period" (null: unknown), "counts": [{"term", "docs",
 * "occurrences"}]}]}; malloc'd, NULL when out of memory. */
char *zhs_counts_json(const zhs_counts *c);

/* Figures on an index, as `zhsearch stats` without terms prints them. */
typedef struct zhs_index_stats {
    zhs_db_info info;    /* documents, terms, date range */
    zhs_bucket *sources; /* every source with its documents, ascending */
    size_t nsources;     /* number of sources */
    unsigned no_source;  /* documents without a source */
    unsigned long long size_bytes; /* bytes on disk (local shards) */
    unsigned remote_shards; /* shards whose size is unknown */
} zhs_index_stats;

/* Fills *out for db; path is the index's location on disk for its size
 * (NULL: zhs_db_path(db)).  Returns the statuses of zhs_db_info_get,
 * zhs_db_groups and zhs_index_disk_size.  Free with
 * zhs_index_stats_clear. */
zhs_status zhs_index_stats_get(zhs_db *db, const char *path,
                               zhs_index_stats *out, char **errmsg);
void zhs_index_stats_clear(zhs_index_stats *s);
/* `zhsearch stats --format json`'s object without terms: {"documents",
 * "terms", "words", "size_bytes", "size_complete", "remote_shards",
 * "dated_documents", "date_min", "date_max", "sources": [{"source",
 * "docs"}], "no_source"}; malloc'd, NULL when out of memory. */
char *zhs_index_stats_json(const zhs_index_stats *s);

#ifdef __cplusplus
}
#endif

#endif /* ZHSEARCH_H */
