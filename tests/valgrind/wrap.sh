#!/bin/sh
# wrap.sh: the zhsearch program under valgrind, set as ZHSEARCH by
# `make check-valgrind` so that the end-to-end tests run every zhsearch
# they start through it.  An error, or a definite or indirect leak, makes
# the program exit 99, which the test reports with valgrind's messages
# (printed on stderr only when there is something to say: -q).
#   ZHS_VG_PROGRAM  the libtool-built program (abs_builddir/zhsearch)
#   ZHS_VG_LIBTOOL  the libtool script, which finds the uninstalled library
#   ZHS_VG_SUPP     the suppressions file
#   ZHS_VG_OPTS     more valgrind options (optional)
: "${ZHS_VG_PROGRAM:?set by make check-valgrind}"
: "${ZHS_VG_LIBTOOL:?set by make check-valgrind}"
: "${ZHS_VG_SUPP:?set by make check-valgrind}"
# shellcheck disable=SC2086
exec "$ZHS_VG_LIBTOOL" --mode=execute valgrind -q --error-exitcode=99 \
    --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --num-callers=30 \
    --suppressions="$ZHS_VG_SUPP" ${ZHS_VG_OPTS:-} \
    "$ZHS_VG_PROGRAM" "$@"
