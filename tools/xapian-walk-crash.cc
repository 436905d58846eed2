/* xapian-walk-crash.cc: Xapian 1.4.22 walks a damaged postlist table out
 * of bounds inside TermIterator::operator++, where the caller can catch
 * nothing.
 *
 * Build and run (not built by make):
 *   g++ tools/xapian-walk-crash.cc -o /tmp/xwc $(xapian-config --cxxflags --libs)
 *   valgrind /tmp/xwc INDEX
 * INDEX: a copy of an index of the bundled corpus and `tools/gencorpus 200
 * --seed 3`, with eight runs of 32 random bytes written into
 * postlist.glass (Python: rng = random.Random(3); eight times off =
 * rng.randrange(size), then rng.randbytes(32) at off).  Valgrind reports
 * "Invalid read of size 1" in libxapian under TermIterator::operator++
 * (reads of freed and unallocated memory); in zhsearch's process the same
 * read fell on an unmapped page: `zhsearch stats` (whose index figures walk
 * every term) died of SIGSEGV.  zhsearch now checks the table before such
 * a walk (shim.cc, verify_table).
 */
#include <iostream>

#include <xapian.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " INDEX\n";
        return 2;
    }
    try {
        Xapian::Database db(argv[1]);
        unsigned long long n = 0, words = 0;
        for (Xapian::TermIterator t = db.allterms_begin();
             t != db.allterms_end(); ++t) {
            unsigned char c = static_cast<unsigned char>((*t)[0]);
            n++;
            words += c < 'A' || c > 'Z';
        }
        std::cout << n << " terms, " << words << " words\n";
    } catch (const Xapian::Error &e) {
        std::cout << "Xapian error: " << e.get_description() << "\n";
        return 1;
    }
    return 0;
}
