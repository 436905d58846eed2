#!/usr/bin/python3
"""xapian-collapse-bug.py DB: shows a Xapian 1.4.22 matcher bug, with
Xapian alone, on an index zhsearch built.

    tools/gencorpus 1500 --seed 7 >g.jsonl
    ./zhsearch index --db plain g.jsonl
    /usr/bin/python3 tools/xapian-collapse-bug.py plain

The query is G(毕业) AND_MAYBE SG(毕业) (a bigram and its title copy);
the collapse key is value 7, which no two of the matches share with the
best one.  Asking for 5 hits with check_at_least 0, 20 or 1500 gives the
same first hit as without collapsing; with check_at_least 120 the best
match is missing (and not collapsed into anything: its key is unique).
zhsearch therefore runs the page's pass with check_at_least 0 and counts
totals in a second, unweighted pass (lib/search.c)."""
import sys
import xapian

db = xapian.Database(sys.argv[1])
# the index spells a CJK ideograph in two bytes (lib/terms.c)
want = b"G" + bytes([0x80 + (ord("毕") - 0x4E00) // 255,
                     (ord("毕") - 0x4E00) % 255 + 1,
                     0x80 + (ord("业") - 0x4E00) // 255,
                     (ord("业") - 0x4E00) % 255 + 1])
q = xapian.Query(xapian.Query.OP_AND_MAYBE, xapian.Query(want),
                 xapian.Query(b"S" + want))
e = xapian.Enquire(db)
e.set_query(q)
best = [m.docid for m in e.get_mset(0, 1)]
print("Xapian", xapian.version_string(), "best match without collapsing:",
      best)
bad = 0
for check in (0, 20, 120, 1500):
    e = xapian.Enquire(db)
    e.set_query(q)
    e.set_collapse_key(7)
    got = [m.docid for m in e.get_mset(0, 5, check)]
    ok = got[:1] == best
    bad += not ok
    print("collapse, check_at_least %4d: %s%s" % (check, got,
          "" if ok else "  <- the best match is missing"))
sys.exit(1 if bad else 0)
