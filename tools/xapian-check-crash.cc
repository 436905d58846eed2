/* xapian-check-crash.cc: Xapian 1.4.22's own table checker dies of a
 * segmentation fault on a damaged table, whatever its caller does.
 *
 * Build and run (not built by make):
 *   g++ tools/xapian-check-crash.cc -o /tmp/xcc $(xapian-config --cxxflags --libs)
 *   /tmp/xcc INDEX/termlist.glass
 * On an index from tests/e2e/damage.test's "bytes:termlist.glass:1" (eight
 * runs of 32 random bytes, Python random.Random("bytes:termlist.glass:1"))
 * it prints nothing and dies of SIGSEGV inside Database::check_; so does
 * xapian-check on the same file, after "B-tree checked okay".  (Before
 * the fix zhsearch's writers went on over this damage with exit 0.)  The
 * writers now check every table first, and zhsearch therefore runs the
 * check in a child process (shim.cc, check_table_file): a child that
 * dies means a damaged table, exit 65.
 */
#include <xapian.h>
#include <iostream>
int main(int argc, char **argv)
{
    try {
        size_t e = Xapian::Database::check(argv[1], 0, NULL);
        std::cout << "errors: " << e << "\n";
    } catch (const Xapian::Error &e) {
        std::cout << "Xapian error: " << e.get_description() << "\n";
    }
}
