/* xapian-writer-floor.cc: what Xapian's writer alone costs for the
 * documents of a zhsearch index: their terms with their wdf, their values
 * and their records are read back from INDEX into memory first, then
 * written to a new database OUT by one writer, committing every FLUSH
 * postings (distinct terms of documents), and only that is timed.  No
 * zhsearch code runs in the timed loop, so this is the floor of one
 * part's work in a first build (lib/bulk.c), whatever zhsearch does
 * around it.
 *
 * Build and run (not built by make):
 *   g++ -O2 tools/xapian-writer-floor.cc -o /tmp/xwf \
 *       $(xapian-config --cxxflags --libs)
 *   /tmp/xwf INDEX OUT [FLUSH] [WHAT]
 * FLUSH: postings between commits (default 200000; lib/bulk.c uses 60,000
 * growing to 500,000).  WHAT: "all" (default), "no-data" (no records),
 * "no-values", "no-title" (without the "S" title terms), "no-norm"
 * (without value 8, the normalized text).  OUT is overwritten.
 *
 * Measured on 2026-12-02 (2 cores, one run each), INDEX the first 50,000
 * documents of `tools/realcorpus --kind short`: all 13.2-14.3 s (about
 * 270 us a document, against about 50 us for all of FTS5's work), no-data
 * 11.3 s, no-values 11.8 s, no-title 10.8 s; FLUSH 1,000,000 18.3 s and
 * 8,000,000 16.9 s (the uncommitted postings' trees grow), 10,000 24.1 s.
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <xapian.h>

namespace {

struct Doc {
    std::vector<std::pair<std::string, Xapian::termcount>> terms;
    std::vector<std::pair<Xapian::valueno, std::string>> values;
    std::string data;
};

enum What { ALL, NO_DATA, NO_VALUES, NO_TITLE, NO_NORM };

What parse_what(const char *s)
{
    static const struct {
        const char *name;
        What what;
    } names[] = {{"all", ALL},           {"no-data", NO_DATA},
                 {"no-values", NO_VALUES}, {"no-title", NO_TITLE},
                 {"no-norm", NO_NORM}};
    for (const auto &n : names)
        if (std::strcmp(s, n.name) == 0)
            return n.what;
    std::fprintf(stderr, "xapian-writer-floor: unknown WHAT %s\n", s);
    std::exit(2);
}

}  // namespace

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        std::fprintf(stderr, "usage: %s INDEX OUT [FLUSH] [WHAT]\n", argv[0]);
        return 2;
    }
    size_t flush = argc > 3 ? std::strtoul(argv[3], NULL, 10) : 200000;
    What what = argc > 4 ? parse_what(argv[4]) : ALL;
    if (flush == 0)
        flush = 200000;
    try {
        Xapian::Database in(argv[1]);
        std::vector<Doc> docs;
        docs.reserve(in.get_doccount());
        for (auto p = in.postlist_begin(""); p != in.postlist_end(""); ++p) {
            Xapian::Document d = in.get_document(*p);
            Doc x;
            for (auto t = d.termlist_begin(); t != d.termlist_end(); ++t) {
                const std::string &term = *t;
                if (what == NO_TITLE && !term.empty() && term[0] == 'S')
                    continue;
                x.terms.emplace_back(term, t.get_wdf());
            }
            if (what != NO_VALUES)
                for (auto v = d.values_begin(); v != d.values_end(); ++v)
                    if (!(what == NO_NORM && v.get_valueno() == 8))
                        x.values.emplace_back(v.get_valueno(), *v);
            if (what != NO_DATA)
                x.data = d.get_data();
            docs.push_back(std::move(x));
        }

        auto t0 = std::chrono::steady_clock::now();
        Xapian::WritableDatabase out(argv[2], Xapian::DB_CREATE_OR_OVERWRITE);
        size_t buffered = 0;
        for (const Doc &x : docs) {
            Xapian::Document d;
            for (const auto &t : x.terms)
                d.add_term(t.first, t.second);
            for (const auto &v : x.values)
                d.add_value(v.first, v.second);
            d.set_data(x.data);
            out.add_document(d);
            buffered += x.terms.size();
            if (buffered >= flush) {
                out.commit();
                buffered = 0;
            }
        }
        out.commit();
        double s = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - t0).count();
        std::printf("%zu documents written in %.2f s (%.0f us each)\n",
                    docs.size(), s, docs.empty() ? 0.0 : s * 1e6 / docs.size());
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian-writer-floor: %s\n",
                     e.get_description().c_str());
        return 1;
    }
    return 0;
}
