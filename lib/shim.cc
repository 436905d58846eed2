/* shim.cc: the Xapian shim, the only C++ in zhsearch.
 *
 * Opaque handles wrap Xapian objects for the C library.  Every extern "C"
 * body is a single try whose catch turns the exception into a zhs_status
 * and a message (map_exception below): DatabaseLockError is ELOCKED,
 * DatabaseModifiedError is EMODIFIED (the caller reopens and retries),
 * other Xapian errors keep Xapian's description, std::bad_alloc is ENOMEM,
 * anything else EINTERNAL.  No exception crosses into C.
 */
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>
#include <new>
#include <set>
#include <string>
#include <vector>

#include <cerrno>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xapian.h>
#include <zdict.h>
#include <zstd.h>

#include "zhs-int.h"

/* The normalized texts (value ZHSI_SLOT_NORM) that exact-string checks
 * read, least recently used first out, within a byte budget.  Glass keeps
 * no block cache of its own: each check of a candidate otherwise costs a
 * B-tree descent and an 8 KB pread() copy of its value's block (about 60%
 * of a check), and the same documents are candidates of query after query
 * (those with common bigrams).  Keyed by document number, so emptied when
 * the handle moves to another revision (a replaced document keeps its
 * number).  One per handle: serve's threads each have their own. */
class TextCache {
    typedef std::pair<Xapian::docid, std::string> entry;
    std::list<entry> lru_;      /* most recent first */
    std::unordered_map<Xapian::docid, std::list<entry>::iterator> at_;
    size_t bytes_ = 0, budget_;
  public:
    explicit TextCache(size_t budget) : budget_(budget) {}
    const std::string *get(Xapian::docid did)
    {
        auto it = at_.find(did);
        if (it == at_.end())
            return NULL;
        lru_.splice(lru_.begin(), lru_, it->second);
        return &it->second->second;
    }
    /* Keeps text (if it fits) and returns where it is kept: valid until
     * the next put() or clear(). */
    const std::string *put(Xapian::docid did, std::string &&text)
    {
        size_t cost = text.size() + 64;
        if (budget_ == 0 || cost > budget_ / 4) {
            spare_ = std::move(text);
            return &spare_;
        }
        while (bytes_ + cost > budget_ && !lru_.empty()) {
            bytes_ -= lru_.back().second.size() + 64;
            at_.erase(lru_.back().first);
            lru_.pop_back();
        }
        lru_.emplace_front(did, std::move(text));
        at_[did] = lru_.begin();
        bytes_ += cost;
        return &lru_.front().second;
    }
    /* Holds text without caching it, until the next put. */
    const std::string *put_aside(std::string &&text)
    {
        spare_ = std::move(text);
        return &spare_;
    }
    void clear()
    {
        lru_.clear();
        at_.clear();
        bytes_ = 0;
    }
  private:
    std::string spare_;         /* what did not fit */
};

/* Per handle, in MB; ZHSEARCH_TEXT_CACHE_MB sets another (0: none). */
#define TEXT_CACHE_MB 64

static size_t text_cache_budget()
{
    const char *e = getenv("ZHSEARCH_TEXT_CACHE_MB");
    char *end;
    unsigned long mb = TEXT_CACHE_MB;
    if (e && *e) {
        unsigned long v = std::strtoul(e, &end, 10);
        if (*end == '\0' && v <= 65536)
            mb = v;
    }
    return (size_t)mb << 20;
}

struct ddict_free {
    void operator()(ZSTD_DDict *d) const { ZSTD_freeDDict(d); }
};

struct zhsi_xdb {
    Xapian::Database db;
    TextCache texts{text_cache_budget()};
    /* its databases' own handles (each shard has its own metadata: a
     * dictionary); db itself for one database */
    std::vector<Xapian::Database> shards{};
    /* the stored data's zstd dictionaries met so far, by dictionary id */
    std::map<unsigned, std::unique_ptr<ZSTD_DDict, ddict_free>> ddicts{};
    double time_limit = 0;   /* seconds the matcher may take; 0: no limit */
    bool remote = false;     /* has a remote shard: no MatchDecider there */
    std::vector<std::string> dirs{}; /* the local databases' directories */
    std::set<std::string> verified{}; /* tables checked at this revision */
    /* per directory: the files as of its last checksum check (sums.c),
     * and what that check found wrong ("" when nothing) */
    std::vector<std::string> sigs{};
    std::vector<std::string> damage{};
};

/* The zstd dictionary a writer compresses stored data with (see
 * ZHSI_META_ZDICT): the index's, or one trained on the run's first
 * documents; shared by a parallel build's parts, which read it while the
 * main thread may still be training it. */
struct zdict_writer {
    std::atomic<ZSTD_CDict *> cdict{nullptr};
    bool settled = false;        /* loaded, trained, or given up */
    std::string samples{};       /* the run's first records, end to end */
    std::vector<size_t> sizes{};
    zdict_writer() = default;
    zdict_writer(const zdict_writer &) = delete;
    zdict_writer &operator=(const zdict_writer &) = delete;
    ~zdict_writer() { ZSTD_freeCDict(cdict.load()); }
};

struct zhsi_xwdb {
    Xapian::WritableDatabase db;
    bool in_txn;         /* a transaction holds the uncommitted batch */
    bool part = false;   /* a part of a parallel build: no transaction */
    std::string dir{};   /* where it is */
    bool dropped = false;  /* its checksums removed before a first change */
    bool dirty = false;    /* changed since the last commit */
    bool committed = false;
    std::shared_ptr<zdict_writer> zd{};
};

/* A document being built; its stored data (raw, never empty once set: a
 * JSON object) is compressed when it is written (zhsi_xwdb_replace), with
 * the writer's dictionary. */
struct zhsi_xdoc {
    Xapian::Document doc;
    std::string raw{};
};

struct zhsi_xq {
    Xapian::Query q;
};

/* Stored data is compressed with zstd: it inflates about three times
 * faster than the zlib Xapian would otherwise apply to it (which then
 * finds nothing to gain and stores it as it is), for about the same size.
 * Data without zstd's magic number (older indexes) is read as it is. */
#define ZSTD_LEVEL 3
#define MIN_COMPRESS 128

/* One compression and one decompression context per thread, freed when
 * the thread ends. */
struct zstd_contexts {
    ZSTD_CCtx *c = NULL;
    ZSTD_DCtx *d = NULL;
    ~zstd_contexts()
    {
        ZSTD_freeCCtx(c);
        ZSTD_freeDCtx(d);
    }
};
static thread_local zstd_contexts zctx;

/* Data compressed with a dictionary is worth it from this size on. */
#define MIN_COMPRESS_DICT 24

static std::string pack_data(const char *data, size_t len, int level,
                             const ZSTD_CDict *dict = NULL)
{
    if (len < (dict ? MIN_COMPRESS_DICT : MIN_COMPRESS))
        return std::string(data, len);
    if (zctx.c == NULL && (zctx.c = ZSTD_createCCtx()) == NULL)
        throw std::bad_alloc();
    ZSTD_CCtx *cctx = zctx.c;
    std::string out(ZSTD_compressBound(len), '\0');
    size_t n = dict ? ZSTD_compress_usingCDict(cctx, &out[0], out.size(),
                                               data, len, dict)
                    : ZSTD_compressCCtx(cctx, &out[0], out.size(), data, len,
                                        level);
    if (ZSTD_isError(n) || n >= len)
        return std::string(data, len);
    out.resize(n);
    return out;
}

static ZSTD_DDict *data_dict(zhsi_xdb *db, unsigned id);

/* Stored data (or a value) as it was before compression; db gives the
 * dictionaries of data compressed with one (NULL for values, which never
 * are). */
static std::string unpack(zhsi_xdb *db, const std::string &d)
{
    if (d.size() < 4 || (unsigned char)d[0] != 0x28
        || (unsigned char)d[1] != 0xB5 || (unsigned char)d[2] != 0x2F
        || (unsigned char)d[3] != 0xFD)
        return d;
    unsigned long long n = ZSTD_getFrameContentSize(d.data(), d.size());
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN
        || n > (1ull << 31))
        throw Xapian::DatabaseCorruptError("stored data cannot be "
                                           "decompressed");
    if (zctx.d == NULL && (zctx.d = ZSTD_createDCtx()) == NULL)
        throw std::bad_alloc();
    ZSTD_DCtx *dctx = zctx.d;
    std::string out((size_t)n, '\0');
    unsigned id = ZSTD_getDictID_fromFrame(d.data(), d.size());
    size_t got = id == 0
        ? ZSTD_decompressDCtx(dctx, &out[0], out.size(), d.data(), d.size())
        : ZSTD_decompress_usingDDict(dctx, &out[0], out.size(), d.data(),
                                     d.size(), data_dict(db, id));
    if (ZSTD_isError(got) || got != n)
        throw Xapian::DatabaseCorruptError("stored data cannot be "
                                           "decompressed");
    return out;
}

static std::string stored_data(zhsi_xdb *db, const Xapian::Document &doc)
{
    return unpack(db, doc.get_data());
}

/* ---- the stored data's dictionary --------------------------------
 *
 * A record (the metadata and the original text, as JSON) repeats its keys
 * and much of its neighbours' wording, which zstd alone cannot use across
 * records: a dictionary trained on the first ZDICT_SAMPLE_BYTES (or
 * ZDICT_SAMPLE_DOCS records) of an index's first large run makes stored
 * records 36% smaller on generated news (2,090 -> 1,342 bytes) and 57% on
 * real short documents (217 -> 94), at the same speed either way.  It is
 * kept, hex-encoded, in the index's metadata (ZHSI_META_ZDICT), committed
 * with the records that use it, and never replaced: records name it by its
 * id in their zstd frame, so records written before it (or in a run too
 * small to train one) are read as before.  Each shard has its own. */
#define ZDICT_SAMPLE_BYTES (4u << 20)
#define ZDICT_SAMPLE_DOCS 20000u
#define ZDICT_MAX_BYTES 112640u

static std::string hex_of(const std::string &b)
{
    static const char digits[] = "0123456789abcdef";
    std::string h(2 * b.size(), '0');
    for (size_t i = 0; i < b.size(); i++) {
        h[2 * i] = digits[(unsigned char)b[i] >> 4];
        h[2 * i + 1] = digits[(unsigned char)b[i] & 15];
    }
    return h;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The bytes of hex h, or "" if it is not hex. */
static std::string bytes_of_hex(const std::string &h)
{
    std::string b(h.size() / 2, '\0');
    if (h.size() % 2 != 0)
        return "";
    for (size_t i = 0; i < b.size(); i++) {
        int hi = hex_digit(h[2 * i]), lo = hex_digit(h[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return "";
        b[i] = (char)(hi << 4 | lo);
    }
    return b;
}

/* The dictionary with id `id` of db's databases, loaded on first use. */
static ZSTD_DDict *data_dict(zhsi_xdb *db, unsigned id)
{
    if (db == NULL)
        throw Xapian::DatabaseCorruptError("index is damaged: a value is "
                                           "compressed with a dictionary");
    auto it = db->ddicts.find(id);
    if (it != db->ddicts.end())
        return it->second.get();
    for (const Xapian::Database &d : db->shards) {
        std::string dict = bytes_of_hex(d.get_metadata(ZHSI_META_ZDICT));
        if (dict.empty() || ZDICT_getDictID(dict.data(), dict.size()) != id)
            continue;
        ZSTD_DDict *dd = ZSTD_createDDict(dict.data(), dict.size());
        if (dd == NULL)
            throw std::bad_alloc();
        db->ddicts[id].reset(dd);
        return dd;
    }
    throw Xapian::DatabaseCorruptError("index is damaged: stored data "
                                       "needs a dictionary the index does "
                                       "not have");
}

/* The writer's dictionary from its index's metadata, if it has one. */
static void load_writer_dict(zhsi_xwdb *w)
{
    w->zd = std::make_shared<zdict_writer>();
    std::string dict = bytes_of_hex(w->db.get_metadata(ZHSI_META_ZDICT));
    if (dict.empty())
        return;
    ZSTD_CDict *cd = ZSTD_createCDict(dict.data(), dict.size(), ZSTD_LEVEL);
    if (cd == NULL)
        throw std::bad_alloc();
    w->zd->cdict.store(cd);
    w->zd->settled = true;
}

static char *dup_string(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p != NULL) {
        std::memcpy(p, s.data(), s.size());
        p[s.size()] = '\0';
    }
    return p;
}

/* Whether e comes from running out of file descriptors (the errno text
 * is in the description, also after open_shard's rewrapping): that is no
 * damage to the index and must not be reported as such. */
static bool out_of_descriptors(const Xapian::Error &e)
{
    std::string d = e.get_description();
    return d.find(std::strerror(EMFILE)) != std::string::npos
           || d.find(std::strerror(ENFILE)) != std::string::npos;
}

/* Call only inside a catch handler: rethrows the current exception and
 * turns it into a status and message.  Never throws. */
static zhs_status map_exception(char **errmsg)
{
    zhs_status st = ZHS_EINTERNAL;
    try {
        try {
            throw;
        } catch (const Xapian::Error &e) {
            if (out_of_descriptors(e)) {
                zhsi_fail(errmsg, ZHS_EIO, "too many open files: the index "
                          "(each of its shards) needs more file "
                          "descriptors than this process may open "
                          "(ulimit -n): %s", e.get_description().c_str());
                return ZHS_EIO;
            }
        } catch (...) {
        }
    } catch (...) {
        /* building the message failed: the ladder below decides */
    }
    try {
        try {
            throw;
        } catch (const Xapian::DatabaseLockError &e) {
            st = ZHS_ELOCKED;
            zhsi_fail(errmsg, st, "index is locked by another writer (%s)",
                      e.get_msg().c_str());
        } catch (const Xapian::DatabaseModifiedError &e) {
            st = ZHS_EMODIFIED;
            zhsi_fail(errmsg, st, "%s", e.get_description().c_str());
        } catch (const Xapian::DatabaseNotFoundError &e) {
            st = ZHS_ENOINDEX;
            zhsi_fail(errmsg, st, "no index here (%s)", e.get_msg().c_str());
        } catch (const Xapian::DatabaseCorruptError &e) {
            /* ours say "index is damaged: ..." already */
            st = ZHS_ECORRUPT;
            if (e.get_msg().compare(0, 17, "index is damaged:") == 0)
                zhsi_fail(errmsg, st, "%s", e.get_msg().c_str());
            else
                zhsi_fail(errmsg, st, "index is corrupt: %s",
                          e.get_description().c_str());
        } catch (const Xapian::DatabaseOpeningError &e) {
            /* Includes DatabaseVersionError. */
            st = ZHS_ECORRUPT;
            zhsi_fail(errmsg, st, "cannot open as an index: %s",
                      e.get_description().c_str());
        } catch (const Xapian::NetworkError &e) {
            st = ZHS_EUNAVAILABLE;
            zhsi_fail(errmsg, st, "%s", e.get_msg().c_str());
        } catch (const Xapian::DatabaseError &e) {
            /* a failed commit, a write error: the system's, with an errno
             * or saying what failed (a commit) (map_read_exception tells a
             * reader's apart); else what Xapian found in the files, at
             * open or in a writer ("EOF reading block" past a table's
             * end) */
            st = e.get_error_string() != NULL
                 || e.get_msg().find("failed") != std::string::npos
                 ? ZHS_EIO : ZHS_ECORRUPT;
            zhsi_fail(errmsg, st, "%s%s", st == ZHS_ECORRUPT
                      ? "index is damaged: " : "",
                      e.get_description().c_str());
        } catch (const Xapian::FeatureUnavailableError &e) {
            /* A read handle meets it when a table file is missing (the
             * termlist, say): the index is incomplete. */
            st = ZHS_ECORRUPT;
            zhsi_fail(errmsg, st, "index is damaged: %s",
                      e.get_description().c_str());
        } catch (const Xapian::InvalidArgumentError &e) {
            st = ZHS_EUSAGE;
            zhsi_fail(errmsg, st, "%s", e.get_description().c_str());
        } catch (const Xapian::Error &e) {
            st = ZHS_EINTERNAL;
            zhsi_fail(errmsg, st, "%s", e.get_description().c_str());
        } catch (const std::bad_alloc &) {
            st = ZHS_ENOMEM;
            zhsi_fail(errmsg, st, "out of memory");
        } catch (const std::exception &e) {
            st = ZHS_EINTERNAL;
            zhsi_fail(errmsg, st, "internal error: %s", e.what());
        } catch (...) {
            st = ZHS_EINTERNAL;
            zhsi_fail(errmsg, st, "internal error: unknown exception");
        }
    } catch (...) {
        /* Building the message itself failed (std::string allocation). */
    }
    return st;
}

static bool file_exists(const std::string &f)
{
    struct stat sb;
    return stat(f.c_str(), &sb) == 0;
}

/* Like map_exception, for an error met while reading through db.  A
 * reader is told the revision it reads was discarded when a writer
 * committed twice since it opened, and then a newer revision exists; when
 * reopening finds none, a block claims a revision the index never had:
 * the table is damaged, and retrying cannot help. */
static zhs_status map_read_exception(zhsi_xdb *db, char **errmsg)
{
    try {
        throw;
    } catch (const Xapian::DatabaseModifiedError &e) {
        try {
            if (!db->db.reopen()) {
                zhsi_fail(errmsg, ZHS_ECORRUPT, "index is damaged: a block "
                          "claims a revision the index does not have (%s)",
                          e.get_msg().c_str());
                return ZHS_ECORRUPT;
            }
            db->verified.clear();
            db->texts.clear();
        } catch (...) {
            return map_exception(errmsg);
        }
        return map_exception(errmsg);
    } catch (const Xapian::DatabaseCorruptError &) {
        return map_exception(errmsg);
    } catch (const Xapian::DatabaseLockError &) {
        return map_exception(errmsg);
    } catch (const Xapian::DatabaseOpeningError &) {
        return map_exception(errmsg);
    } catch (const Xapian::NetworkError &) {
        return map_exception(errmsg);
    } catch (const Xapian::DatabaseError &e) {
        /* A reader's error with an errno is the system's input/output
         * error; without one it is what Xapian found in the files: a
         * block past the end of a truncated table, data that does not
         * inflate. */
        zhs_status st = e.get_error_string() != NULL ? ZHS_EIO
                                                     : ZHS_ECORRUPT;
        zhsi_fail(errmsg, st, "%s%s", st == ZHS_ECORRUPT
                  ? "index is damaged: " : "", e.get_description().c_str());
        return st;
    } catch (const Xapian::DocNotFoundError &e) {
        /* the document a posting list or the matcher named is not there */
        zhsi_fail(errmsg, ZHS_ECORRUPT, "index is damaged: %s",
                  e.get_description().c_str());
        return ZHS_ECORRUPT;
    } catch (...) {
        return map_exception(errmsg);
    }
}

/* Checks one table file with Xapian's checker; throws
 * DatabaseCorruptError naming the table if it finds errors. */
static void check_table_file(const std::string &file, const char *table)
{
    /* Xapian's checker itself dies of a segmentation fault on some
     * damage (random bytes in a termlist table: tools/xapian-check-crash.cc
     * shows it), so it runs in a child process: a child that does not
     * exit 0 found the table damaged.  The child is xapian-check when it
     * is installed (spawned: a forked child of a threaded server that
     * runs library code may deadlock on a lock another thread held at
     * the fork, which a check under load once did), else a fork. */
    static const char checker[] = "/usr/bin/xapian-check";
    pid_t pid;
    if (access(checker, X_OK) == 0) {
        posix_spawn_file_actions_t fa;
        char *argv[] = {const_cast<char *>("xapian-check"),
                        const_cast<char *>(file.c_str()), NULL};
        char *envp[] = {NULL};
        int rc;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        rc = posix_spawn(&pid, checker, &fa, NULL, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        if (rc != 0)
            throw Xapian::DatabaseError("cannot check the index: "
                                        "posix_spawn failed", rc);
    } else if ((pid = fork()) < 0) {
        throw Xapian::DatabaseError("cannot check the index: fork failed",
                                    errno);
    }
    if (pid == 0) {
        int code = 2;
        try {
            code = Xapian::Database::check(file, 0, NULL) > 0 ? 1 : 0;
        } catch (...) {
            code = 1;
        }
        _exit(code);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            throw Xapian::DatabaseError("cannot check the index: waitpid "
                                        "failed", errno);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    throw Xapian::DatabaseCorruptError(
        std::string("index is damaged: xapian-check finds its ") + table
        + " table damaged"
        + (WIFSIGNALED(status) ? " (and dies of a signal on it)" : ""));
}

static const char *const all_tables[] = {"postlist", "termlist", "docdata",
                                         "position", "spelling", "synonym"};

/* Beyond this many MB of tables a writer does not check them first
 * (about 8 ms per MB: 2 s; 10 s at 100,000 documents would double an
 * incremental run). */
#define WRITER_CHECK_MAX_MB 256

/* Checks every table of the database in dir that exists, unless they
 * are larger than WRITER_CHECK_MAX_MB together. */
static void check_tables(const std::string &dir)
{
    unsigned long long bytes = 0;
    for (const char *t : all_tables) {
        struct stat sb;
        if (stat((dir + "/" + t + ".glass").c_str(), &sb) == 0)
            bytes += (unsigned long long)sb.st_size;
    }
    if (bytes > (unsigned long long)WRITER_CHECK_MAX_MB << 20)
        return;
    for (const char *t : all_tables) {
        std::string file = dir + "/" + t + ".glass";
        if (file_exists(file))
            check_table_file(file, t);
    }
}

/* Checks table (postlist, termlist, docdata, position, spelling,
 * synonym) of every local database of db with Xapian's own checker,
 * once per revision: Xapian 1.4 walks some damaged B-trees into a
 * segmentation fault (TermIterator::operator++ over a postlist table
 * with random bytes in a block: tools/xapian-walk-crash.cc shows it), so
 * a walk over a whole table asks first (and the walk then still checks
 * that terms come in order).  Throws DatabaseCorruptError naming the
 * table when it is damaged.  Costs about 8 ms per MB of table (see the
 * README). */
static void verify_table(zhsi_xdb *db, const char *table)
{
    if (db->verified.count(table))
        return;
    for (size_t i = 0; i < db->dirs.size(); i++) {
        std::string file = db->dirs[i] + "/" + table + ".glass";
        if (file_exists(file))   /* optional tables may be absent */
            check_table_file(file, table);
    }
    db->verified.insert(table);
}

/* The tables every zhsearch index with documents has: glass reads a
 * missing optional table as an empty one, which would answer silently
 * without stored documents, terms of documents or suggestions. */
static const char *const needed_tables[] = {"termlist", "docdata",
                                            "spelling"};

/* Opening dir failed with what the current exception says: a directory
 * with table files but no version file is a damaged index, not none. */
static void rethrow_open_error(const std::string &dir)
{
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &) {
        throw;
    } catch (const Xapian::DatabaseNotFoundError &e) {
        if (file_exists(dir + "/postlist.glass"))
            throw Xapian::DatabaseCorruptError("index is damaged: its "
                                               "version file (iamglass) is "
                                               "missing");
        throw;
    } catch (const Xapian::DatabaseOpeningError &e) {
        if (file_exists(dir + "/postlist.glass")
            && !file_exists(dir + "/iamglass"))
            throw Xapian::DatabaseCorruptError("index is damaged: its "
                                               "version file (iamglass) is "
                                               "missing");
        throw;
    } catch (const Xapian::DatabaseCorruptError &) {
        throw;
    } catch (const Xapian::DatabaseModifiedError &) {
        throw;
    } catch (const Xapian::DatabaseError &e) {
        /* without an errno: a table cut short ("EOF reading block") */
        if (e.get_error_string() == NULL)
            throw Xapian::DatabaseCorruptError("index is damaged: "
                                               + e.get_msg());
        throw;
    }
}

/* Throws DatabaseCorruptError if a database of documents in dir lacks a
 * table zhsearch always writes. */
static void need_tables(const Xapian::Database &db, const std::string &dir)
{
    /* Only for this scheme: another program's database is "not a
     * zhsearch index", an older scheme's is named for rebuilding
     * (search.c); their tables may differ. */
    if (db.get_doccount() == 0
        || db.get_metadata(ZHSI_META_SCHEME) != ZHSI_SCHEME)
        return;
    for (const char *t : needed_tables)
        if (!file_exists(dir + "/" + t + ".glass"))
            throw Xapian::DatabaseCorruptError(std::string("index is "
                                               "damaged: its ") + t
                                               + " table is missing");
}

/* Throws what a checksum call's status st says (sums.c), its message
 * msg freed: corrupt stays corrupt, anything else is an input/output
 * error. */
static void throw_sums_status(zhs_status st, char *msg)
{
    std::string m = msg ? msg : zhs_strerror(st);
    std::free(msg);
    if (st == ZHS_ENOMEM)
        throw std::bad_alloc();
    if (st == ZHS_ECORRUPT)
        throw Xapian::DatabaseCorruptError(m);
    if (st != ZHS_OK)
        throw Xapian::DatabaseError(m, EIO);
}

/* The signature of dir's files (sums.c) as a string. */
static std::string files_signature(const std::string &dir)
{
    char *sig = zhsi_sums_signature(dir.c_str());
    if (sig == NULL)
        throw std::bad_alloc();
    std::string s(sig);
    std::free(sig);
    return s;
}

/* Checks the local database in dir against the checksums its last
 * zhsearch writer recorded (sums.c), before Xapian reads it: throws
 * DatabaseCorruptError naming what differs.  Glass tables have no
 * checksums of their own: random bytes in a block can change an answer
 * with no error from Xapian, or have it read past a buffer. */
static void check_sums(const std::string &dir)
{
    char *msg = NULL;
    zhs_status st = zhsi_sums_check(dir.c_str(), &msg);
    throw_sums_status(st, msg);
}

/* Checks db's local databases whose files changed since their last check
 * (all of them the first time); throws what the check of one found, and
 * again without reading while its files stay as they were. */
static void check_changed_sums(zhsi_xdb *db)
{
    db->sigs.resize(db->dirs.size());
    db->damage.resize(db->dirs.size());
    for (size_t i = 0; i < db->dirs.size(); i++) {
        std::string sig = files_signature(db->dirs[i]);
        if (sig == db->sigs[i]) {
            if (!db->damage[i].empty())
                throw Xapian::DatabaseCorruptError(db->damage[i]);
            continue;
        }
        try {
            check_sums(db->dirs[i]);
            db->damage[i].clear();
        } catch (const Xapian::DatabaseCorruptError &e) {
            db->damage[i] = e.get_msg();
            db->sigs[i] = sig;
            throw;
        }
        db->sigs[i] = sig;
    }
}

/* A writer about to change what it opened: its checksums go first. */
static void before_change(zhsi_xwdb *db)
{
    db->dirty = true;
    if (db->part || db->dropped)
        return;
    char *msg = NULL;
    zhs_status st = zhsi_sums_drop(db->dir.c_str(), &msg);
    throw_sums_status(st, msg);
    db->dropped = true;
}

/* ---- reading ----------------------------------------------------- */

extern "C" int zhsi_xdoc_has_term(const void *xapian_doc, const char *term)
{
    try {
        const Xapian::Document *doc
            = static_cast<const Xapian::Document *>(xapian_doc);
        Xapian::TermIterator t = doc->termlist_begin();
        t.skip_to(term);
        return t != doc->termlist_end() && *t == term;
    } catch (...) {
        return 0;
    }
}

extern "C" char *zhsi_xdoc_value(const void *xapian_doc, unsigned slot)
{
    try {
        const Xapian::Document *doc
            = static_cast<const Xapian::Document *>(xapian_doc);
        return dup_string(doc->get_value(slot));
    } catch (...) {
        return NULL;
    }
}

extern "C" zhs_status zhsi_xdb_open(const char *path, zhsi_xdb **out,
                                    char **errmsg)
{
    try {
        Xapian::Database db;
        std::string sig = files_signature(path);
        check_sums(path);
        try {
            db = Xapian::Database(path);
        } catch (const Xapian::DatabaseError &) {
            rethrow_open_error(path);
        }
        need_tables(db, path);
        zhsi_xdb *x = new zhsi_xdb{db};
        x->shards.push_back(db);
        x->dirs.push_back(path);
        x->sigs.push_back(sig);
        x->damage.push_back("");
        *out = x;
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

/* Opens one shard named by a stub line: "auto PATH", "glass PATH" (PATH
 * relative to the stub's directory), "remote HOST:PORT" or "remote tcp
 * HOST PORT" (TCP, with our timeouts: Xapian's own stub reader has none). */
static Xapian::Database open_shard(const std::string &type,
                                   const std::string &arg,
                                   const std::string &dir,
                                   unsigned timeout_ms, std::string *local,
                                   std::string *sig)
{
    if (type == "auto" || type == "glass") {
        std::string path = !arg.empty() && arg[0] == '/' ? arg
                                                         : dir + "/" + arg;
        *local = path;
        *sig = files_signature(path);
        check_sums(path);
        Xapian::Database db;
        try {
            db = Xapian::Database(path);
        } catch (const Xapian::DatabaseError &) {
            rethrow_open_error(path);
        }
        need_tables(db, path);
        return db;
    }
    if (type == "remote") {
        std::string host, port;
        if (arg.compare(0, 4, "tcp ") == 0) {
            std::string rest = arg.substr(4);
            std::string::size_type sp = rest.find(' ');
            if (sp == std::string::npos)
                throw Xapian::DatabaseOpeningError("remote tcp needs HOST PORT");
            host = rest.substr(0, sp);
            port = rest.substr(sp + 1);
        } else {
            std::string::size_type colon = arg.rfind(':');
            if (colon == std::string::npos || colon == 0)
                throw Xapian::InvalidArgumentError("remote needs HOST:PORT");
            host = arg.substr(0, colon);
            port = arg.substr(colon + 1);
        }
        if (host.size() > 2 && host[0] == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        char *end;
        unsigned long p = std::strtoul(port.c_str(), &end, 10);
        if (*end != '\0' || p == 0 || p > 65535)
            throw Xapian::InvalidArgumentError("bad port '" + port + "'");
        return Xapian::Remote::open(host, (unsigned)p, timeout_ms,
                                    timeout_ms);
    }
    throw Xapian::InvalidArgumentError("unknown shard type '" + type + "'");
}

extern "C" zhs_status zhsi_xdb_open_stub(const char *stub, unsigned timeout_ms,
                                         int allow_partial, zhsi_xdb **out,
                                         char **missing, char **errmsg)
{
    try {
        std::ifstream in(stub);
        if (!in)
            throw Xapian::DatabaseNotFoundError(std::string("cannot read ")
                                                + stub);
        std::string dir(stub), line, lost;
        std::string::size_type slash = dir.rfind('/');
        dir = slash == std::string::npos ? "." : dir.substr(0, slash);
        Xapian::Database all;
        std::vector<Xapian::Database> shards;
        std::vector<std::string> dirs, sigs;
        unsigned n = 0, lineno = 0, unreachable = 0;
        bool remote = false;
        while (std::getline(in, line)) {
            lineno++;
            while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
                line.pop_back();
            if (line.empty() || line[0] == '#')
                continue;
            std::string::size_type sp = line.find(' ');
            std::string type = line.substr(0, sp);
            std::string arg = sp == std::string::npos ? "" : line.substr(sp + 1);
            std::string where = "shard '" + line + "' (" + stub + " line "
                                + std::to_string(lineno) + "): ";
            /* A malformed line is an error even with allow_partial: it is
             * the stub that is wrong, not a shard that is away. */
            try {
                std::string local, sig;
                Xapian::Database one = open_shard(type, arg, dir, timeout_ms,
                                                  &local, &sig);
                all.add_database(one);
                shards.push_back(one);
                if (!local.empty()) {
                    dirs.push_back(local);
                    sigs.push_back(sig);
                }
                n++;
                remote = remote || type == "remote";
            } catch (const Xapian::InvalidArgumentError &e) {
                throw Xapian::DatabaseOpeningError(where + e.get_msg());
            } catch (const Xapian::NetworkError &e) {
                if (!allow_partial)
                    throw Xapian::NetworkError(where + e.get_description());
                lost += (lost.empty() ? "" : "\n") + line;
                unreachable++;
            } catch (const Xapian::DatabaseNotFoundError &e) {
                if (!allow_partial)
                    throw Xapian::DatabaseNotFoundError(where
                                                        + e.get_description());
                lost += (lost.empty() ? "" : "\n") + line;
            } catch (const Xapian::Error &e) {
                if (!allow_partial)
                    throw Xapian::DatabaseOpeningError(where
                                                       + e.get_description());
                lost += (lost.empty() ? "" : "\n") + line;
            }
        }
        if (n == 0 && unreachable > 0)
            throw Xapian::NetworkError(std::string(stub) + ": no shard "
                                       "answered");
        if (n == 0)
            throw Xapian::DatabaseOpeningError(std::string(stub)
                                               + ": no shard could be opened");
        zhsi_xdb *x = new zhsi_xdb{all};
        x->shards = shards;
        x->remote = remote;
        x->dirs = dirs;
        x->sigs = sigs;
        x->damage.assign(dirs.size(), "");
        *missing = lost.empty() ? NULL : dup_string(lost);
        *out = x;
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xdb_reopen(zhsi_xdb *db, int *changed,
                                      char **errmsg)
{
    try {
        bool c = db->db.reopen();
        if (c) {
            db->verified.clear();
            db->texts.clear();
        }
        if (changed)
            *changed = c;
        /* new revisions, and files changed under an old one */
        check_changed_sums(db);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xdb_uuid(zhsi_xdb *db, char **uuid, char **errmsg)
{
    try {
        /* Glass reads the UUID from the version file (iamglass) at each
         * reopen, even when it keeps its tables because the revision is
         * the same: so after a swap it already names the new database. */
        if ((*uuid = dup_string(db->db.get_uuid())) == NULL)
            throw std::bad_alloc();
        return ZHS_OK;
    } catch (...) {
        return map_read_exception(db, errmsg);
    }
}

extern "C" void zhsi_xdb_close(zhsi_xdb *db)
{
    try {
        delete db;
    } catch (...) {
        /* Destructors of read handles release memory only. */
    }
}

/* Read operations shared by read and write handles (a WritableDatabase
 * is a Database). */
/* rdb: the read handle db belongs to, or NULL for a writer's. */
static zhs_status map_any(zhsi_xdb *rdb, char **errmsg)
{
    return rdb ? map_read_exception(rdb, errmsg) : map_exception(errmsg);
}

static zhs_status db_doccount(const Xapian::Database &db, zhsi_xdb *rdb,
                              unsigned *out, char **errmsg)
{
    try {
        *out = db.get_doccount();
        return ZHS_OK;
    } catch (...) {
        return map_any(rdb, errmsg);
    }
}

static zhs_status db_metadata(const Xapian::Database &db, zhsi_xdb *rdb,
                              const char *key, char **value, char **errmsg)
{
    try {
        char *v = dup_string(db.get_metadata(key));
        if (v == NULL)
            throw std::bad_alloc();
        *value = v;
        return ZHS_OK;
    } catch (...) {
        return map_any(rdb, errmsg);
    }
}

/* The document indexed by idterm in doc; false if there is none. */
static bool doc_by_term(const Xapian::Database &db, const char *idterm,
                        Xapian::Document &doc)
{
    Xapian::PostingIterator it = db.postlist_begin(idterm);
    if (it == db.postlist_end(idterm))
        return false;
    doc = db.get_document(*it);
    return true;
}

/* The value in slot of the document indexed by idterm. */
static zhs_status db_value_of(const Xapian::Database &db, zhsi_xdb *rdb,
                              const char *idterm, unsigned slot,
                              char **value, int *found, char **errmsg)
{
    try {
        Xapian::Document doc;
        *found = doc_by_term(db, idterm, doc);
        *value = NULL;
        if (*found && (*value = dup_string(doc.get_value(slot))) == NULL)
            throw std::bad_alloc();
        return ZHS_OK;
    } catch (...) {
        return map_any(rdb, errmsg);
    }
}

extern "C" unsigned zhsi_xdb_termfreq(zhsi_xdb *db, const char *term,
                                      size_t len)
{
    try {
        return db->db.get_termfreq(std::string(term, len));
    } catch (...) {
        return 0;
    }
}

extern "C" zhs_status zhsi_xdb_doccount(zhsi_xdb *db, unsigned *out,
                                        char **errmsg)
{
    return db_doccount(db->db, db, out, errmsg);
}

extern "C" zhs_status zhsi_xdb_data_of(zhsi_xdb *db, const char *idterm,
                                       char **data, int *found, char **errmsg)
{
    try {
        Xapian::Document doc;
        *found = doc_by_term(db->db, idterm, doc);
        *data = NULL;
        if (*found && (*data = dup_string(stored_data(db, doc))) == NULL)
            throw std::bad_alloc();
        return ZHS_OK;
    } catch (...) {
        return map_read_exception(db, errmsg);
    }
}

extern "C" zhs_status zhsi_xdb_metadata(zhsi_xdb *db, const char *key,
                                        char **value, char **errmsg)
{
    return db_metadata(db->db, db, key, value, errmsg);
}

/* The first term of doc starting with prefix, without the prefix ("" if
 * there is none). */
static std::string first_term_with(const Xapian::Document &doc,
                                   const std::string &prefix)
{
    Xapian::TermIterator t = doc.termlist_begin();
    t.skip_to(prefix);
    if (t != doc.termlist_end() && (*t).compare(0, prefix.size(), prefix) == 0)
        return (*t).substr(prefix.size());
    return std::string();
}

/* A query that matches nothing may have lost its terms' entries in a
 * damaged postlist table (random bytes in a block: "term not in
 * database", no error, total 0 where there were hits).  Glass has no
 * block checksums to tell; the table is checked once per revision when
 * an answer is empty, which costs a reader its first empty answer's
 * check (about 8 ms per MB of postlist table: 0.2 s at 27 MB) and
 * nothing after.  Beyond ZERO_CHECK_MAX_MB of postlist tables (0.5 s)
 * an empty answer is not checked: a one-shot `search` would pay it for
 * every query without hits. */
#define ZERO_CHECK_MAX_MB 64

static void no_match_check(zhsi_xdb *db)
{
    unsigned long long bytes = 0;
    if (db->db.get_doccount() == 0 || db->verified.count("postlist"))
        return;
    for (size_t i = 0; i < db->dirs.size(); i++) {
        struct stat sb;
        if (stat((db->dirs[i] + "/postlist.glass").c_str(), &sb) == 0)
            bytes += (unsigned long long)sb.st_size;
    }
    if (bytes <= (unsigned long long)ZERO_CHECK_MAX_MB << 20)
        verify_table(db, "postlist");
}

/* The normalized text of doc, from db's cache or read into it.  Only a
 * handle on one database caches: a document of a sharded one gives its
 * number within its shard, which another shard's documents share. */
static const std::string *norm_text(zhsi_xdb *db, const Xapian::Document &doc)
{
    bool one = db->dirs.size() == 1 && !db->remote;
    Xapian::docid did = doc.get_docid();
    const std::string *t = one ? db->texts.get(did) : NULL;
    if (t != NULL)
        return t;
    std::string v = doc.get_value(ZHSI_SLOT_NORM);
    if (v.size() >= 4 && (unsigned char)v[0] == 0x28)   /* zstd's magic */
        v = unpack(NULL, v);
    return one ? db->texts.put(did, std::move(v))
               : db->texts.put_aside(std::move(v));
}

/* BM25 with the parameters measured on tools/rankbench (zhsi_rank). */
static void set_weighting(Xapian::Enquire &enquire)
{
    const zhsi_rank_params *p = zhsi_rank();
    enquire.set_weighting_scheme(Xapian::BM25Weight(p->k1, 0, 1, p->b, 0.5));
}

/* The C check of candidates (zhsi_xsearch.accept) as Xapian's decider. */
class Checker : public Xapian::MatchDecider {
    zhsi_xdb *db_;
    int (*accept_)(void *, const char *, size_t, const void *);
    void *arg_;
  public:
    Checker(zhsi_xdb *db,
            int (*accept)(void *, const char *, size_t, const void *),
            void *arg)
        : db_(db), accept_(accept), arg_(arg) {}
    bool operator()(const Xapian::Document &doc) const override
    {
        const std::string *norm = norm_text(db_, doc);
        return accept_(arg_, norm->data(), norm->size(), &doc) != 0;
    }
};

/* The check of one candidate, in this process (for remote shards, which
 * cannot run a MatchDecider). */
static bool client_accept(zhsi_xdb *db, const zhsi_xsearch *o,
                          const Xapian::Document &doc)
{
    const std::string *norm = norm_text(db, doc);
    return o->accept(o->accept_arg, norm->data(), norm->size(), &doc) != 0;
}

/* One page of hits in rank order (relevance, then id); with keys, each
 * hit also gets its date value and "B" source term. */
static zhs_status run_mset(zhsi_xdb *db, const zhsi_xq *q, unsigned offset,
                           unsigned limit, unsigned check_at_least,
                           bool keys, const zhsi_xsearch *o,
                           zhsi_xhit **hits, size_t *nhits,
                           unsigned *total, int *exact, char **errmsg)
{
    zhsi_xhit *h = NULL;
    size_t n = 0;
    try {
        Xapian::Enquire enquire(db->db);
        Checker checker(db, o ? o->accept : NULL, o ? o->accept_arg : NULL);
        enquire.set_query(q->q);
        set_weighting(enquire);
        /* equal scores by id, not by document number (see the scheme) */
        enquire.set_sort_by_relevance_then_value(ZHSI_SLOT_ID, false);
        /* a scan must see every match: never cut short by time */
        if (db->time_limit > 0 && !keys)
            enquire.set_time_limit(db->time_limit);
        /* With a remote shard the check runs here: skip `offset` checked
         * matches, then take `limit`. */
        bool client = o && o->accept && db->remote;
        Xapian::MSet ms = client ? enquire.get_mset(0, db->db.get_doccount())
            : enquire.get_mset(offset, limit, check_at_least, NULL,
                               o && o->accept ? &checker : NULL);
        Xapian::doccount skip = client ? offset : 0, taken = 0;
        h = static_cast<zhsi_xhit *>(std::calloc(ms.size() + 1, sizeof *h));
        if (h == NULL)
            throw std::bad_alloc();
        for (Xapian::MSetIterator it = ms.begin(); it != ms.end(); ++it) {
            Xapian::Document doc = it.get_document();
            if (client) {
                if (taken == limit || !client_accept(db, o, doc))
                    continue;
                if (skip > 0) {
                    skip--;
                    continue;
                }
                taken++;
            }
            std::string data = stored_data(db, doc);
            h[n].weight = it.get_weight();
            h[n].data = dup_string(data);
            h[n].len = data.size();
            n++;
            if (h[n - 1].data == NULL)
                throw std::bad_alloc();
            if (keys) {
                h[n - 1].date = dup_string(doc.get_value(ZHSI_SLOT_DATE));
                h[n - 1].source = dup_string(first_term_with(doc, ZHSI_PFX_SOURCE));
                if (h[n - 1].date == NULL || h[n - 1].source == NULL)
                    throw std::bad_alloc();
            }
        }
        if (offset == 0 && ms.get_matches_upper_bound() == 0)
            no_match_check(db);
        *total = ms.get_matches_estimated();
        *exact = ms.get_matches_lower_bound() == ms.get_matches_upper_bound();
        *hits = h;
        *nhits = n;
        return ZHS_OK;
    } catch (...) {
        zhsi_xhits_free(h, n);
        return map_read_exception(db, errmsg);
    }
}

/* The order of hits: relevance with equal scores by id (not by document
 * number, see the scheme), or the date with undated documents last in
 * both directions, equal dates by relevance.  km must outlive enquire. */
static void set_order(Xapian::Enquire &enquire, Xapian::MultiValueKeyMaker &km,
                      zhs_sort sort)
{
    if (sort == ZHS_SORT_RELEVANCE) {
        enquire.set_sort_by_relevance_then_value(ZHSI_SLOT_ID, false);
        return;
    }
    /* A reversed empty value sorts after every reversed date; ascending,
     * a default past every date puts the undated last. */
    if (sort == ZHS_SORT_NEWEST)
        km.add_value(ZHSI_SLOT_DATE, true);
    else
        km.add_value(ZHSI_SLOT_DATE, false, "99999999");
    enquire.set_sort_by_key_then_relevance(&km, false);
}

/* Within a date-sorted page, hits with the same date and score (a pure
 * filter query scores 0) go by id, as relevance order does, so that a
 * sharded index orders its page as one index would. */
struct page_item {
    std::string key;
    double weight;
    std::string id;
    Xapian::MSetIterator it;
};

static bool page_before(const page_item &a, const page_item &b)
{
    if (a.key != b.key)
        return a.key < b.key;
    if (a.weight != b.weight)
        return a.weight > b.weight;
    return a.id < b.id;
}

/* The facet counts of one spy, most frequent first, equal counts by
 * value, at most ZHS_MAX_FACET_VALUES. */
typedef std::vector<std::pair<std::string, Xapian::doccount> > counts;

static void facet_from(counts v, const char *name, zhs_facet *f)
{
    std::sort(v.begin(), v.end(),
              [](const std::pair<std::string, Xapian::doccount> &a,
                 const std::pair<std::string, Xapian::doccount> &b) {
                  return a.second != b.second ? a.second > b.second
                                              : a.first < b.first;
              });
    if (v.size() > ZHS_MAX_FACET_VALUES)
        v.resize(ZHS_MAX_FACET_VALUES);
    f->name = name;
    f->values = static_cast<zhs_facet_count *>(
        std::calloc(v.size() + 1, sizeof *f->values));
    if (f->values == NULL)
        throw std::bad_alloc();
    for (size_t i = 0; i < v.size(); i++) {
        if ((f->values[i].value = dup_string(v[i].first)) == NULL)
            throw std::bad_alloc();
        f->values[i].count = v[i].second;
        f->nvalues = i + 1;
    }
}

static void spy_facet(const Xapian::ValueCountMatchSpy &spy, const char *name,
                      zhs_facet *f)
{
    counts v;
    for (Xapian::TermIterator t = spy.values_begin(); t != spy.values_end();
         ++t)
        v.push_back(std::make_pair(*t, t.get_termfreq()));
    facet_from(v, name, f);
}


/* The ids of the documents matching q in the cluster `key`, other than
 * `self`, in the order o asks for, and how many there are. */
static void cluster_members(zhsi_xdb *xdb, const Xapian::Query &q,
                            const zhsi_xsearch *o, const std::string &key,
                            const std::string &self, bool client,
                            zhsi_xhit *h)
{
    const Xapian::Database &db = xdb->db;
    std::string term = ZHSI_PFX_CLUSTER + key;
    if (db.get_termfreq(term) < 2)
        return;
    Xapian::Enquire enquire(db);
    Xapian::MultiValueKeyMaker km;
    Checker checker(xdb, o->accept, o->accept_arg);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, q,
                                    Xapian::Query(term)));
    set_weighting(enquire);
    set_order(enquire, km, o->sort);
    /* Checked here, when the shards cannot: every candidate of the cluster
     * (clusters are small). */
    Xapian::MSet ms = enquire.get_mset(0, client ? db.get_doccount()
                                                 : ZHS_MAX_DUPLICATE_IDS + 1,
                                       db.get_doccount(), NULL,
                                       o->accept && !client ? &checker
                                                            : NULL);
    Xapian::doccount matched = ms.get_matches_estimated();
    h->dup_ids = static_cast<char **>(std::calloc(ZHS_MAX_DUPLICATE_IDS + 1,
                                                  sizeof *h->dup_ids));
    if (h->dup_ids == NULL)
        throw std::bad_alloc();
    if (client)
        matched = 0;
    for (Xapian::MSetIterator it = ms.begin(); it != ms.end(); ++it) {
        Xapian::Document doc = it.get_document();
        if (client && !client_accept(xdb, o, doc))
            continue;
        matched += client;
        std::string id = doc.get_value(ZHSI_SLOT_ID);
        if (id == self || h->ndup_ids == ZHS_MAX_DUPLICATE_IDS)
            continue;
        if ((h->dup_ids[h->ndup_ids] = dup_string(id)) == NULL)
            throw std::bad_alloc();
        h->ndup_ids++;
    }
    h->ndups = matched > 0 ? matched - 1 : 0;
}

/* The hits of a page: in o's order (see page_before), each with its data
 * and, when collapsing, its cluster's other members (checked here when
 * client). */
static void page_hits(zhsi_xdb *db, const Xapian::Query &q,
                      const zhsi_xsearch *o, std::vector<page_item> &page,
                      bool client, zhsi_xresult *r)
{
    if (o->sort != ZHS_SORT_RELEVANCE)
        std::stable_sort(page.begin(), page.end(), page_before);
    r->hits = static_cast<zhsi_xhit *>(std::calloc(page.size() + 1,
                                                   sizeof *r->hits));
    if (r->hits == NULL)
        throw std::bad_alloc();
    for (size_t i = 0; i < page.size(); i++) {
        Xapian::Document doc = page[i].it.get_document();
        std::string data = stored_data(db, doc);
        zhsi_xhit *h = &r->hits[i];
        r->nhits = i + 1;
        h->weight = page[i].weight;
        if ((h->data = dup_string(data)) == NULL)
            throw std::bad_alloc();
        h->len = data.size();
        if (o->want_norm) {
            std::string norm = unpack(NULL, doc.get_value(ZHSI_SLOT_NORM));
            h->norm = static_cast<char *>(std::malloc(norm.size() + 1));
            if (h->norm == NULL)
                throw std::bad_alloc();
            std::memcpy(h->norm, norm.data(), norm.size());
            h->norm[norm.size()] = '\0';
            h->nnorm = norm.size();
        }
        std::string key = doc.get_value(ZHSI_SLOT_CLUSTER);
        if (o->collapse && !key.empty())
            cluster_members(db, q, o, key, page[i].id, client, h);
    }
}

/* zhsi_xdb_search where candidates must be checked but a shard is
 * remote: the candidates are read in rank order, in growing pages,
 * checked here, collapsed and counted here.  The total is exact when every
 * candidate was read, else the candidates' estimate scaled by the share
 * that passed. */
static void search_client(zhsi_xdb *db, const zhsi_xq *q,
                          const zhsi_xsearch *o, zhsi_xresult *r)
{
    static const Xapian::valueno fslots[] = {ZHSI_SLOT_SOURCE, ZHSI_SLOT_YEAR,
                                             ZHSI_SLOT_MONTH};
    static const unsigned fbits[] = {ZHS_FACET_SOURCE, ZHS_FACET_YEAR,
                                     ZHS_FACET_MONTH};
    static const char *const fnames[] = {"source", "year", "month"};
    Xapian::Enquire enquire(db->db);
    Xapian::MultiValueKeyMaker km;
    enquire.set_query(q->q);
    set_weighting(enquire);
    set_order(enquire, km, o->sort);
    if (db->time_limit > 0)
        enquire.set_time_limit(db->time_limit);
    std::map<std::string, Xapian::doccount> fc[3];
    std::map<std::string, bool> clusters;
    std::vector<page_item> page;
    std::vector<Xapian::MSet> keep;    /* the page's items point into them */
    Xapian::doccount start = 0, step = 256, examined = 0, groups = 0;
    Xapian::doccount want = o->offset + o->limit, estimate = 0;
    bool all = false;
    for (;;) {
        keep.push_back(enquire.get_mset(start, step));
        const Xapian::MSet &ms = keep.back();
        estimate = ms.get_matches_estimated();
        for (Xapian::MSetIterator it = ms.begin(); it != ms.end(); ++it) {
            Xapian::Document doc = it.get_document();
            examined++;
            if (!client_accept(db, o, doc))
                continue;
            for (size_t k = 0; k < 3; k++)
                if (o->facets & fbits[k]) {
                    std::string v = doc.get_value(fslots[k]);
                    if (!v.empty())
                        fc[k][v]++;
                }
            std::string key = doc.get_value(ZHSI_SLOT_CLUSTER);
            if (o->collapse && !key.empty()) {
                if (clusters.count(key))
                    continue;
                clusters[key] = true;
            }
            groups++;
            if (groups > o->offset && groups <= want)
                page.push_back(page_item{it.get_sort_key(), it.get_weight(),
                                         doc.get_value(ZHSI_SLOT_ID), it});
        }
        if (ms.size() < step) {
            all = true;
            break;
        }
        start += step;
        /* Past the page, on as the counting pass of a local search goes
         * (see count_matches). */
        if (!o->facets && groups >= std::max(want, o->check_at_least)
            && (groups > o->exact_upto || examined >= ZHSI_COUNT_CHECKS
                || estimate >= 3 * o->exact_upto))
            break;
        step *= 2;
    }
    page_hits(db, q->q, o, page, true, r);
    r->exact = all && !(o->collapse && o->exact_upto
                        && groups > o->exact_upto);
    r->total = all || examined == 0 ? groups
        : std::max<Xapian::doccount>(
              groups, (Xapian::doccount)((double)estimate * groups
                                         / examined));
    unsigned nf = 0;
    for (size_t k = 0; k < 3; k++)
        nf += (o->facets & fbits[k]) != 0;
    if (nf > 0) {
        r->facets = static_cast<zhs_facet *>(std::calloc(nf,
                                                         sizeof *r->facets));
        if (r->facets == NULL)
            throw std::bad_alloc();
        for (size_t k = 0, j = 0; k < 3; k++) {
            if (!(o->facets & fbits[k]))
                continue;
            r->nfacets = j + 1;
            facet_from(counts(fc[k].begin(), fc[k].end()), fnames[k],
                       &r->facets[j]);
            j++;
        }
    }
}

/* A Checker that gives up after `budget` candidates: the counting pass
 * must not check every candidate of a rare string made of common bigrams
 * (tens of thousands at 100,000 documents). */
class BudgetChecker : public Checker {
    mutable unsigned left_;
    mutable bool spent_;
  public:
    BudgetChecker(zhsi_xdb *db,
                  int (*accept)(void *, const char *, size_t, const void *),
                  void *arg, unsigned budget)
        : Checker(db, accept, arg), left_(budget), spent_(false) {}
    bool operator()(const Xapian::Document &doc) const override
    {
        if (left_ == 0) {
            spent_ = true;
            return false;
        }
        left_--;
        last_ = doc.get_docid();
        return Checker::operator()(doc);
    }
    bool spent() const { return spent_; }
    /* the last candidate checked (candidates come in document order) */
    Xapian::docid last() const { return last_; }
  private:
    mutable Xapian::docid last_ = 0;
};

/* The total of a search whose page left it an estimate, when it may be
 * at most o->exact_upto: the matches counted without weights (clusters
 * once each), stopping at the first o->exact_upto + 1, checking at most
 * ZHSI_COUNT_CHECKS candidates.  A count that reaches either limit
 * leaves the estimate, raised to what was counted if below it. */
static void count_matches(zhsi_xdb *db, const zhsi_xq *q,
                          const zhsi_xsearch *o, Xapian::doccount seen,
                          zhsi_xresult *r)
{
    unsigned budget = ZHSI_COUNT_CHECKS;
    bool sample = false;
    if (o->accept) {
        /* More candidates than the budget: checking them cannot end in
         * an exact total, only in an estimate, which a sample of them
         * gives for a tenth of the checks (the rare phrases of common
         * bigrams spent 7 to 13 ms here at 100,000 documents).  Counting
         * the candidates costs no check. */
        Xapian::Enquire cand(db->db);
        cand.set_query(q->q);
        cand.set_weighting_scheme(Xapian::BoolWeight());
        if (db->time_limit > 0)
            cand.set_time_limit(db->time_limit);
        Xapian::MSet cm = cand.get_mset(0, 0, ZHSI_COUNT_CHECKS + 1);
        if (cm.get_matches_lower_bound() > ZHSI_COUNT_CHECKS) {
            sample = true;
            budget = ZHSI_COUNT_SAMPLE;
        }
    }
    Xapian::Enquire enquire(db->db);
    BudgetChecker checker(db, o->accept, o->accept_arg, budget);
    enquire.set_query(q->q);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    if (o->collapse)
        enquire.set_collapse_key(ZHSI_SLOT_CLUSTER);
    if (db->time_limit > 0)
        enquire.set_time_limit(db->time_limit);
    /* The matches themselves are kept (weightless, so the pass stops at
     * the first exact_upto + 1): Xapian's bounds with collapsing stay
     * apart even when every match was seen. */
    Xapian::MSet ms = enquire.get_mset(0, o->exact_upto + 1, 0, NULL,
                                       o->accept ? &checker : NULL);
    Xapian::doccount got = ms.size();
    if (sample) {
        /* The sample's matches, scaled by the share of the document
         * numbers its candidates spanned (they come in that order). */
        Xapian::doccount est = got;
        if (checker.spent() && checker.last() > 0)
            est = (Xapian::doccount)((double)got * db->db.get_lastdocid()
                                     / checker.last() + 0.5);
        r->total = std::max(std::max(seen, got), est);
        r->exact = 0;
    } else if (got <= o->exact_upto && !checker.spent()) {
        r->total = got;
        r->exact = 1;
    } else if (r->total < std::max(seen, got)) {
        r->total = std::max(seen, got);
    }
}

extern "C" zhs_status zhsi_xdb_search(zhsi_xdb *db, const zhsi_xq *q,
                                      const zhsi_xsearch *o, zhsi_xresult *r,
                                      char **errmsg)
{
    static const struct {
        unsigned bit;
        Xapian::valueno slot;
        const char *name;
    } facets[] = {
        {ZHS_FACET_SOURCE, ZHSI_SLOT_SOURCE, "source"},
        {ZHS_FACET_YEAR, ZHSI_SLOT_YEAR, "year"},
        {ZHS_FACET_MONTH, ZHSI_SLOT_MONTH, "month"},
    };
    const size_t nkinds = sizeof facets / sizeof facets[0];
    std::memset(r, 0, sizeof *r);
    try {
        if (o->accept && db->remote) {
            search_client(db, q, o, r);
            return ZHS_OK;
        }
        Xapian::Enquire enquire(db->db);
        Xapian::MultiValueKeyMaker km;
        std::vector<const Xapian::ValueCountMatchSpy *> spies;
        unsigned check = o->check_at_least;
        enquire.set_query(q->q);
        set_weighting(enquire);
        set_order(enquire, km, o->sort);
        if (o->collapse)
            enquire.set_collapse_key(ZHSI_SLOT_CLUSTER);
        if (db->time_limit > 0)
            enquire.set_time_limit(db->time_limit);
        spies.reserve(nkinds);
        /* The enquire owns the spies (release()) and frees them. */
        for (size_t k = 0; k < nkinds; k++) {
            if (!(o->facets & facets[k].bit))
                continue;
            Xapian::ValueCountMatchSpy *spy
                = new Xapian::ValueCountMatchSpy(facets[k].slot);
            enquire.add_matchspy(spy->release());
            spies.push_back(spy);
        }
        /* Facets count every match, so every match is examined. */
        if (!spies.empty())
            check = std::max(check, db->db.get_doccount());
        Checker checker(db, o->accept, o->accept_arg);
        Xapian::MSet ms = enquire.get_mset(o->offset, o->limit, check, NULL,
                                           o->accept ? &checker : NULL);
        if (ms.get_matches_upper_bound() == 0)
            no_match_check(db);

        std::vector<page_item> page;
        for (Xapian::MSetIterator it = ms.begin(); it != ms.end(); ++it)
            page.push_back(page_item{it.get_sort_key(), it.get_weight(),
                                     it.get_document().get_value(
                                         ZHSI_SLOT_ID), it});
        page_hits(db, q->q, o, page, false, r);
        r->total = ms.get_matches_estimated();
        r->exact = ms.get_matches_lower_bound() == ms.get_matches_upper_bound();
        if (!r->exact && o->exact_upto > ms.get_matches_lower_bound()
            && ms.get_matches_estimated() < 3 * o->exact_upto)
            count_matches(db, q, o, ms.get_matches_lower_bound(), r);
        /* Clusters are counted exactly up to exact_upto only; Xapian's
         * bounds beyond that differ between one index and shards. */
        if (o->collapse && o->exact_upto && r->total > o->exact_upto)
            r->exact = 0;
        if (!spies.empty()) {
            r->facets = static_cast<zhs_facet *>(
                std::calloc(spies.size(), sizeof *r->facets));
            if (r->facets == NULL)
                throw std::bad_alloc();
            for (size_t k = 0, j = 0; k < nkinds; k++) {
                if (!(o->facets & facets[k].bit))
                    continue;
                r->nfacets = j + 1;
                spy_facet(*spies[j], facets[k].name, &r->facets[j]);
                j++;
            }
        }
        return ZHS_OK;
    } catch (...) {
        return map_read_exception(db, errmsg);
    }
}

extern "C" void zhsi_xresult_clear(zhsi_xresult *r)
{
    zhsi_xhits_free(r->hits, r->nhits);
    zhsi_facets_free(r->facets, r->nfacets);
    std::memset(r, 0, sizeof *r);
}

extern "C" void zhsi_facets_free(zhs_facet *facets, size_t n)
{
    if (facets == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < facets[i].nvalues; j++)
            std::free(facets[i].values[j].value);
        std::free(facets[i].values);
    }
    std::free(facets);
}

extern "C" zhs_status zhsi_xdb_scan(zhsi_xdb *db, const zhsi_xq *q,
                                    const zhsi_xsearch *o,
                                    zhsi_xhit **hits, size_t *nhits,
                                    char **errmsg)
{
    unsigned total;
    int exact;
    return run_mset(db, q, o->offset, o->limit, 0, true, o, hits, nhits,
                    &total, &exact, errmsg);
}

extern "C" zhs_status zhsi_xdb_info(zhsi_xdb *db, zhsi_xinfo *out,
                                    char **errmsg)
{
    try {
        unsigned long long all = 0, words = 0;
        std::string last;
        /* the walk reads the whole postlist table: check it first (about
         * as costly as the walk itself) */
        verify_table(db, "postlist");
        for (Xapian::TermIterator t = db->db.allterms_begin();
             t != db->db.allterms_end(); ++t) {
            if ((*t).empty() || (all > 0 && *t <= last))
                throw Xapian::DatabaseCorruptError("the terms of the "
                                                   "postlist table are out "
                                                   "of order");
            last = *t;
            unsigned char c = static_cast<unsigned char>((*t)[0]);
            all++;
            /* prefixes are capital letters; words never start with one
             * (they are case-folded) */
            if (c < 'A' || c > 'Z')
                words++;
        }
        out->terms = all;
        out->words = words;
        std::string lo = db->db.get_value_lower_bound(ZHSI_SLOT_DATE);
        std::string hi = db->db.get_value_upper_bound(ZHSI_SLOT_DATE);
        std::snprintf(out->date_lo, sizeof out->date_lo, "%.8s", lo.c_str());
        std::snprintf(out->date_hi, sizeof out->date_hi, "%.8s", hi.c_str());
        out->with_date = db->db.get_value_freq(ZHSI_SLOT_DATE);
        return ZHS_OK;
    } catch (...) {
        return map_read_exception(db, errmsg);
    }
}

extern "C" void zhsi_xhits_free(zhsi_xhit *hits, size_t n)
{
    if (hits == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        std::free(hits[i].data);
        std::free(hits[i].date);
        std::free(hits[i].source);
        std::free(hits[i].norm);
        for (size_t j = 0; j < hits[i].ndup_ids; j++)
            std::free(hits[i].dup_ids[j]);
        std::free(hits[i].dup_ids);
    }
    std::free(hits);
}

extern "C" zhs_status zhsi_xdb_value_of(zhsi_xdb *db, const char *idterm,
                                        unsigned slot, char **value,
                                        int *found, char **errmsg)
{
    return db_value_of(db->db, db, idterm, slot, value, found, errmsg);
}

/* ---- writing ----------------------------------------------------- */

/* Records the checksums of the database w just committed in dir. */
static void write_sums(Xapian::WritableDatabase &w, const std::string &dir)
{
    char *msg = NULL;
    std::string uuid = w.get_uuid();
    zhs_status st = zhsi_sums_write(dir.c_str(), uuid.c_str(),
                                    (unsigned long)w.get_revision(), &msg);
    throw_sums_status(st, msg);
}

extern "C" zhs_status zhsi_xwdb_open(const char *path, zhsi_xwdb **out,
                                     char **errmsg)
{
    zhsi_xwdb *w = NULL;
    try {
        check_sums(path);
        try {
            w = new zhsi_xwdb{Xapian::WritableDatabase(
                                  path, Xapian::DB_CREATE_OR_OPEN), false};
        } catch (const Xapian::DatabaseError &) {
            rethrow_open_error(path);
        }
        need_tables(w->db, path);
        w->dir = path;
        load_writer_dict(w);
        /* Xapian 1.4's writer walks damaged B-trees into a crash (a
         * segmentation fault, a double free): a writer checks what it is
         * about to change first.  About 8 ms per MB of index (README). */
        check_tables(path);
        /* A transaction makes the whole batch one atomic commit: without
         * it Xapian commits by itself every few thousand documents and
         * readers would see half a batch. */
        w->db.begin_transaction(true);
        w->in_txn = true;
        *out = w;
        return ZHS_OK;
    } catch (...) {
        zhs_status st = map_exception(errmsg);
        zhsi_xwdb_close(w);
        return st;
    }
}

extern "C" zhs_status zhsi_xwdb_doccount(zhsi_xwdb *db, unsigned *out,
                                         char **errmsg)
{
    return db_doccount(db->db, NULL, out, errmsg);
}

extern "C" zhs_status zhsi_xwdb_term_exists(zhsi_xwdb *db, const char *term,
                                            int *exists, char **errmsg)
{
    try {
        *exists = db->db.term_exists(term);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xwdb_value_of(zhsi_xwdb *db, const char *idterm,
                                         unsigned slot, char **value,
                                         int *found, char **errmsg)
{
    return db_value_of(db->db, NULL, idterm, slot, value, found, errmsg);
}

/* zhsi_xwdb_candidates and zhsi_xdb_candidates, for either handle. */
static zhs_status candidates(const Xapian::Database &db, char *const *terms,
                             size_t n, unsigned max, zhsi_xcand **out,
                             size_t *nout, char **errmsg)
{
    zhsi_xcand *c = NULL;
    size_t k = 0;
    try {
        std::vector<Xapian::docid> ids;
        for (size_t i = 0; i < n && ids.size() < max; i++)
            for (Xapian::PostingIterator it = db.postlist_begin(terms[i]);
                 it != db.postlist_end(terms[i]) && ids.size() < max; ++it)
                if (std::find(ids.begin(), ids.end(), *it) == ids.end())
                    ids.push_back(*it);
        c = static_cast<zhsi_xcand *>(std::calloc(ids.size() + 1, sizeof *c));
        if (c == NULL)
            throw std::bad_alloc();
        for (; k < ids.size(); k++) {
            Xapian::Document doc = db.get_document(ids[k]);
            c[k].id = dup_string(doc.get_value(ZHSI_SLOT_ID));
            std::string sh = doc.get_value(ZHSI_SLOT_SIMHASH);
            c[k].simhash = static_cast<char *>(std::malloc(sh.size() + 1));
            if (c[k].simhash) {
                std::memcpy(c[k].simhash, sh.data(), sh.size());
                c[k].simhash[sh.size()] = '\0';
                c[k].simhash_len = sh.size();
            }
            c[k].cluster = dup_string(doc.get_value(ZHSI_SLOT_CLUSTER));
            if (!c[k].id || !c[k].simhash || !c[k].cluster) {
                k++;
                throw std::bad_alloc();
            }
        }
        *out = c;
        *nout = k;
        return ZHS_OK;
    } catch (...) {
        zhsi_xcands_free(c, k);
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xwdb_candidates(zhsi_xwdb *db,
                                           char *const *terms, size_t n,
                                           unsigned max, zhsi_xcand **out,
                                           size_t *nout, char **errmsg)
{
    return candidates(db->db, terms, n, max, out, nout, errmsg);
}

extern "C" zhs_status zhsi_xdb_candidates(zhsi_xdb *db, char *const *terms,
                                          size_t n, unsigned max,
                                          zhsi_xcand **out, size_t *nout,
                                          char **errmsg)
{
    return candidates(db->db, terms, n, max, out, nout, errmsg);
}

extern "C" void zhsi_xcands_free(zhsi_xcand *c, size_t n)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        std::free(c[i].id);
        std::free(c[i].simhash);
        std::free(c[i].cluster);
    }
    std::free(c);
}

extern "C" zhs_status zhsi_xwdb_prune(zhsi_xwdb *db, const char *term,
                                      int (*keep)(const char *, void *),
                                      void *arg, unsigned *deleted,
                                      char **errmsg)
{
    try {
        std::vector<Xapian::docid> doomed;
        for (Xapian::PostingIterator it = db->db.postlist_begin(term);
             it != db->db.postlist_end(term); ++it) {
            Xapian::Document doc = db->db.get_document(*it);
            Xapian::TermIterator t = doc.termlist_begin();
            t.skip_to(ZHSI_PFX_ID);
            if (t == doc.termlist_end() || (*t)[0] != ZHSI_PFX_ID[0]
                || !keep((*t).c_str(), arg))
                doomed.push_back(*it);
        }
        if (!doomed.empty())
            before_change(db);
        for (size_t i = 0; i < doomed.size(); i++)
            db->db.delete_document(doomed[i]);
        *deleted = (unsigned)doomed.size();
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xwdb_metadata(zhsi_xwdb *db, const char *key,
                                         char **value, char **errmsg)
{
    return db_metadata(db->db, NULL, key, value, errmsg);
}

extern "C" zhs_status zhsi_xwdb_set_metadata(zhsi_xwdb *db, const char *key,
                                             const char *value,
                                             char **errmsg)
{
    try {
        before_change(db);
        db->db.set_metadata(key, value);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xwdb_replace(zhsi_xwdb *db, const char *idterm,
                                        zhsi_xdoc *doc, char **errmsg)
{
    try {
        if (!doc->raw.empty()) {
            const ZSTD_CDict *cd = db->zd ? db->zd->cdict.load() : NULL;
            doc->doc.set_data(pack_data(doc->raw.data(), doc->raw.size(),
                                        ZSTD_LEVEL, cd));
            std::string().swap(doc->raw);
        }
        doc->doc.add_boolean_term(idterm);
        before_change(db);
        db->db.replace_document(idterm, doc->doc);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xwdb_sample(zhsi_xwdb *db, zhsi_xdoc *doc,
                                       char **errmsg)
{
    try {
        zdict_writer *zd = db->zd.get();
        if (zd == NULL || zd->settled || doc->raw.empty())
            return ZHS_OK;
        zd->samples += doc->raw;
        zd->sizes.push_back(doc->raw.size());
        if (zd->samples.size() < ZDICT_SAMPLE_BYTES
            && zd->sizes.size() < ZDICT_SAMPLE_DOCS)
            return ZHS_OK;
        zd->settled = true;
        size_t cap = std::min<size_t>(ZDICT_MAX_BYTES,
                                      zd->samples.size() / 40);
        std::string dict(cap, '\0');
        size_t n = ZDICT_trainFromBuffer(&dict[0], cap, zd->samples.data(),
                                         zd->sizes.data(),
                                         (unsigned)zd->sizes.size());
        std::string().swap(zd->samples);
        std::vector<size_t>().swap(zd->sizes);
        if (ZDICT_isError(n))           /* too uniform, too few: none */
            return ZHS_OK;
        dict.resize(n);
        ZSTD_CDict *cd = ZSTD_createCDict(dict.data(), dict.size(),
                                          ZSTD_LEVEL);
        if (cd == NULL)
            throw std::bad_alloc();
        /* in the metadata before any record that needs it is written */
        before_change(db);
        db->db.set_metadata(ZHSI_META_ZDICT, hex_of(dict));
        zd->cdict.store(cd);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" void zhsi_xwdb_share_dict(zhsi_xwdb *part, zhsi_xwdb *main_db)
{
    part->zd = main_db->zd;
}

extern "C" zhs_status zhsi_xwdb_commit(zhsi_xwdb *db, char **errmsg)
{
    try {
        before_change(db);
        if (db->in_txn) {
            db->in_txn = false;
            db->db.commit_transaction();
        } else {
            db->db.commit();
        }
        db->dirty = false;
        db->committed = true;
        if (!db->part) {
            db->db.begin_transaction(true);
            db->in_txn = true;
        }
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xwdb_open_part(const char *path, zhsi_xwdb **out,
                                          char **errmsg)
{
    try {
        /* A part is thrown away if the run fails, and the compacted copy
         * is what must survive a crash: no fsync for the part. */
        *out = new zhsi_xwdb{Xapian::WritableDatabase(
                                 path, Xapian::DB_CREATE_OR_OVERWRITE
                                           | Xapian::DB_NO_SYNC),
                             false, true};
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_compact(const char *const *parts, size_t n,
                                   const char *out, const char *key,
                                   const char *value, char **errmsg)
{
    try {
        Xapian::Database all;
        for (size_t i = 0; i < n; i++)
            all.add_database(Xapian::Database(parts[i]));
        all.compact(out);
        /* One commit on top, so that the result's revision is past that
         * of the empty index it replaces (readers reopen on a new
         * revision). */
        Xapian::WritableDatabase w(out, Xapian::DB_OPEN);
        w.set_metadata(key, value);
        w.commit();
        write_sums(w, out);
        w.close();
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" void zhsi_xwdb_close(zhsi_xwdb *db)
{
    if (db == NULL)
        return;
    try {
        if (db->in_txn)
            db->db.cancel_transaction();
    } catch (...) {
        /* Nothing was committed; closing below discards it anyway. */
    }
    /* A writer whose last change is committed records the checksums of
     * what it leaves, still holding the lock.  If that fails the index
     * has none, and goes unchecked until the next writer. */
    if (!db->part && db->dropped && db->committed && !db->dirty) {
        try {
            write_sums(db->db, db->dir);
        } catch (...) {
        }
    }
    try {
        db->db.close();
    } catch (...) {
    }
    try {
        delete db;
    } catch (...) {
    }
}

/* ---- documents --------------------------------------------------- */

extern "C" zhs_status zhsi_xdoc_new(zhsi_xdoc **out, char **errmsg)
{
    try {
        *out = new zhsi_xdoc;
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" void zhsi_xdoc_free(zhsi_xdoc *doc)
{
    try {
        delete doc;
    } catch (...) {
    }
}

extern "C" zhs_status zhsi_xdoc_add_term(zhsi_xdoc *doc, const char *term,
                                         size_t len, unsigned wdfinc,
                                         char **errmsg)
{
    try {
        doc->doc.add_term(std::string(term, len), wdfinc);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xdoc_set_data(zhsi_xdoc *doc, const char *data,
                                         size_t len, char **errmsg)
{
    try {
        /* compressed when written, with the writer's dictionary */
        doc->raw.assign(data, len);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xdoc_add_boolean(zhsi_xdoc *doc,
                                            const char *term, size_t len,
                                            char **errmsg)
{
    try {
        doc->doc.add_boolean_term(std::string(term, len));
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xdoc_set_value(zhsi_xdoc *doc, unsigned slot,
                                          const char *value, char **errmsg)
{
    try {
        doc->doc.add_value(slot, value);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" size_t zhsi_xdoc_terms(const zhsi_xdoc *doc)
{
    try {
        return doc->doc.termlist_count();
    } catch (...) {
        return 0;
    }
}

extern "C" zhs_status zhsi_xdoc_set_value_n(zhsi_xdoc *doc, unsigned slot,
                                            const char *value, size_t len,
                                            char **errmsg)
{
    try {
        doc->doc.add_value(slot, std::string(value, len));
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

/* ---- queries ----------------------------------------------------- */

extern "C" zhs_status zhsi_xq_term(const char *term, size_t len,
                                   zhsi_xq **out, char **errmsg)
{
    try {
        *out = new zhsi_xq{Xapian::Query(std::string(term, len))};
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xq_combine(enum zhsi_xop op,
                                      zhsi_xq *const *subs, size_t n,
                                      zhsi_xq **out, char **errmsg)
{
    try {
        Xapian::Query::op xop;
        switch (op) {
        case ZHSI_XQ_AND: xop = Xapian::Query::OP_AND; break;
        case ZHSI_XQ_OR: xop = Xapian::Query::OP_OR; break;
        case ZHSI_XQ_AND_MAYBE: xop = Xapian::Query::OP_AND_MAYBE; break;
        case ZHSI_XQ_AND_NOT: xop = Xapian::Query::OP_AND_NOT; break;
        case ZHSI_XQ_SYNONYM: xop = Xapian::Query::OP_SYNONYM; break;
        default:
            throw Xapian::InvalidArgumentError("unknown query operator");
        }
        if (n == 0)
            throw Xapian::InvalidArgumentError("operator without operands");
        std::vector<Xapian::Query> v;
        v.reserve(n);
        for (size_t i = 0; i < n; i++)
            v.push_back(subs[i]->q);
        *out = new zhsi_xq{Xapian::Query(xop, v.begin(), v.end())};
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xq_all(zhsi_xq **out, char **errmsg)
{
    try {
        *out = new zhsi_xq{Xapian::Query::MatchAll};
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xq_nothing(zhsi_xq **out, char **errmsg)
{
    try {
        *out = new zhsi_xq{Xapian::Query::MatchNothing};
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xq_scale(const zhsi_xq *q, double factor,
                                    zhsi_xq **out, char **errmsg)
{
    try {
        *out = new zhsi_xq{Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                                         q->q, factor)};
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

/* Documents of q with the constant weight w: a FixedWeightPostingSource
 * filtered by q (Xapian registers that source by default, so a remote
 * shard runs it too). */
extern "C" zhs_status zhsi_xq_const(const zhsi_xq *q, double w,
                                    zhsi_xq **out, char **errmsg)
{
    try {
        Xapian::FixedWeightPostingSource *src
            = new Xapian::FixedWeightPostingSource(w);
        *out = new zhsi_xq{Xapian::Query(Xapian::Query::OP_FILTER,
                                         Xapian::Query(src->release()),
                                         q->q)};
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xq_value_range(unsigned slot, const char *lo,
                                          const char *hi, zhsi_xq **out,
                                          char **errmsg)
{
    try {
        *out = new zhsi_xq{Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot,
                                         lo, hi)};
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" char *zhsi_xq_describe(const zhsi_xq *q)
{
    try {
        return dup_string(q->q.get_description());
    } catch (...) {
        return NULL;
    }
}

extern "C" void zhsi_xq_free(zhsi_xq *q)
{
    try {
        delete q;
    } catch (...) {
    }
}

/* ---- serving ------------------------------------------------------- */

extern "C" zhs_status zhsi_xdb_allterms(zhsi_xdb *db, const char *prefix,
                                       size_t max_scan, zhsi_term_fn fn,
                                       void *arg, char **errmsg)
{
    try {
        size_t n = 0, k = std::strlen(prefix);
        std::string last;
        Xapian::doccount docs = db->db.get_doccount();
        verify_table(db, "postlist");
        for (Xapian::TermIterator it = db->db.allterms_begin(prefix);
             it != db->db.allterms_end(prefix) && n < max_scan; ++it, n++) {
            const std::string &t = *it;
            Xapian::doccount tf = it.get_termfreq();
            if (t.compare(0, k, prefix) != 0 || (n > 0 && t <= last)
                || tf == 0 || tf > docs)
                throw Xapian::DatabaseCorruptError("the postlist table "
                                                   "lists terms out of "
                                                   "order or miscounted");
            last = t;
            if (fn(t.data(), t.size(), tf, arg) != 0)
                break;
        }
        return ZHS_OK;
    } catch (...) {
        return map_read_exception(db, errmsg);
    }
}

extern "C" zhs_status zhsi_xdb_each_data(zhsi_xdb *db,
                                        int (*fn)(const char *data,
                                                  void *arg),
                                        void *arg, char **errmsg)
{
    try {
        for (Xapian::PostingIterator it = db->db.postlist_begin("");
             it != db->db.postlist_end(""); ++it) {
            std::string data = stored_data(db, db->db.get_document(*it));
            if (fn(data.c_str(), arg) != 0)
                break;
        }
        return ZHS_OK;
    } catch (...) {
        return map_read_exception(db, errmsg);
    }
}

extern "C" zhs_status zhsi_xdb_spellings(zhsi_xdb *db, const char *prefix,
                                        size_t max_scan, zhsi_term_fn fn,
                                        void *arg, char **errmsg)
{
    try {
        size_t n = 0, k = std::strlen(prefix);
        std::string last;
        /* once per revision (a server's suggestions walk it at each
         * keystroke): the spelling table is small */
        verify_table(db, "spelling");
        Xapian::TermIterator it = db->db.spellings_begin();
        it.skip_to(prefix);
        for (; it != db->db.spellings_end() && n < max_scan; ++it, n++) {
            const std::string &t = *it;
            if (t.compare(0, k, prefix) != 0)
                break;
            if (n > 0 && t <= last)
                throw Xapian::DatabaseCorruptError("the spelling table "
                                                   "lists words out of "
                                                   "order");
            last = t;
            if (fn(t.data(), t.size(), it.get_termfreq(), arg) != 0)
                break;
        }
        return ZHS_OK;
    } catch (...) {
        return map_read_exception(db, errmsg);
    }
}

extern "C" zhs_status zhsi_xwdb_add_spelling(zhsi_xwdb *db, const char *word,
                                            size_t len, unsigned freq,
                                            char **errmsg)
{
    try {
        before_change(db);
        db->db.add_spelling(std::string(word, len), freq);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

/* Pinyin keys live in the synonym table (which zhsearch uses for nothing
 * else): each key is its whole record, with one placeholder synonym. */
extern "C" zhs_status zhsi_xdb_pinyin_keys(zhsi_xdb *db, const char *prefix,
                                          size_t max_scan, zhsi_term_fn fn,
                                          void *arg, char **errmsg)
{
    try {
        size_t n = 0;
        verify_table(db, "synonym");
        Xapian::TermIterator it = db->db.synonym_keys_begin(prefix);
        for (; it != db->db.synonym_keys_end(prefix) && n < max_scan;
             ++it, n++) {
            const std::string &t = *it;
            if (fn(t.data(), t.size(), 0, arg) != 0)
                break;
        }
        return ZHS_OK;
    } catch (...) {
        return map_read_exception(db, errmsg);
    }
}

/* The spelling counts of words (in byte order: one walk over the table;
 * a sharded reader sums the shards'), lens[i] their lengths or, with
 * lens NULL, C strings. */
static void spelling_freqs(const Xapian::Database &d,
                           const char *const *words, const size_t *lens,
                           size_t n, unsigned *freqs)
{
    Xapian::TermIterator it = d.spellings_begin();
    for (size_t i = 0; i < n; i++) {
        std::string w = lens ? std::string(words[i], lens[i])
                             : std::string(words[i]);
        freqs[i] = 0;
        if (it == d.spellings_end())
            continue;
        it.skip_to(w);
        if (it != d.spellings_end() && *it == w)
            freqs[i] = it.get_termfreq();
    }
}

extern "C" zhs_status zhsi_xdb_spelling_freqs(zhsi_xdb *db,
                                             const char *const *words,
                                             size_t n, unsigned *freqs,
                                             char **errmsg)
{
    try {
        spelling_freqs(db->db, words, NULL, n, freqs);
        return ZHS_OK;
    } catch (...) {
        return map_read_exception(db, errmsg);
    }
}

extern "C" zhs_status zhsi_xwdb_spelling_freqs(zhsi_xwdb *db,
                                              const char *const *words,
                                              const size_t *lens, size_t n,
                                              unsigned *freqs, char **errmsg)
{
    try {
        spelling_freqs(db->db, words, lens, n, freqs);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xwdb_pinyin_key(zhsi_xwdb *db, const char *key,
                                          size_t len, int add, char **errmsg)
{
    try {
        std::string k(key, len);
        before_change(db);
        if (add)
            db->db.add_synonym(k, "p");
        else
            db->db.clear_synonyms(k);
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" zhs_status zhsi_xdb_revision(zhsi_xdb *db, unsigned long long *rev,
                                       int *known, char **errmsg)
{
    try {
        *rev = db->db.get_revision();
        *known = 1;
        return ZHS_OK;
    } catch (const Xapian::InvalidOperationError &) {
        *rev = 0;                       /* several shards: no one revision */
        *known = 0;
        return ZHS_OK;
    } catch (...) {
        return map_exception(errmsg);
    }
}

extern "C" void zhsi_xdb_set_time_limit(zhsi_xdb *db, double seconds)
{
    db->time_limit = seconds;
}
