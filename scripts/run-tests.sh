#!/bin/sh
# The second command of the README (and what CI runs): installs missing packages, builds in
# build-tests/ and runs every suite (unit, abi, launcher, mpi at 1/2/3/4/8 ranks, the provider
# matrix), then builds again with AddressSanitizer + UBSan in build-asan/ and runs the unit and
# 2-rank suites there. Prints one closing line: "tests: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test || exit 1
status=0

run_suite() {  # build dir, meson test arguments...
  dir=$1; shift
  meson test -C "$dir" --print-errorlogs --num-processes 1 "$@" || status=1
  python3 scripts/count_tests.py "$dir/meson-logs/testlog.json" >> .test-counts
}

rm -f .test-counts
# Regular build, every suite.
if [ ! -f build-tests/build.ninja ]; then
  meson setup build-tests -Dbuildtype=debugoptimized -Db_ndebug=false >/dev/null || exit 1
fi
meson compile -C build-tests || exit 1
run_suite build-tests

# Sanitizers: unit and 2-rank tests.
if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
    -Dtest_ranks=1,2 -Dtest_providers=shm >/dev/null || exit 1
fi
meson compile -C build-asan || exit 1
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
  run_suite build-asan --suite unit --suite np1 --suite np2

python3 scripts/count_tests.py --total .test-counts
rm -f .test-counts
exit $status
