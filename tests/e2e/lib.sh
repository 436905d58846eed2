# lib.sh: shared set-up for the end-to-end tests (sourced).
# Provides $ZHS (the program), $TMP (removed on exit), $CORPUS, $PY and
# helpers that fail the test with a message.
set -u
: "${srcdir:=.}"
: "${ZHSEARCH:=./zhsearch}"
ZHS=$ZHSEARCH
CORPUS=$srcdir/corpus
PY=${PYTHON3:-python3}
if [ "$PY" = no ] || ! command -v "$PY" >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to check JSON output (install python3)"
    exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhs-e2e-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
checks=0

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
pass() {
    checks=$((checks + 1))
}
# expect_status WANT CMD...: runs CMD, output in $TMP/out and $TMP/err.
expect_status() {
    want=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "'$*' exited $got, want $want; stderr: $(head -c 400 "$TMP/err")"
    else
        pass
    fi
}
# expect_grep FILE PATTERN WHAT
expect_grep() {
    if grep -q -- "$2" "$1"; then pass; else
        fail "$3: '$2' not in $(head -c 400 "$1")"
    fi
}
finish() {
    echo "$checks checks passed, $fails failed"
    [ "$fails" -eq 0 ]
}
