#!/usr/bin/env python3
"""Counts meson test results. `count_tests.py testlog.json` prints "passed failed skipped" for
one run; `count_tests.py --total FILE` adds such lines up and prints the closing line."""
import json
import sys


def count(path):
    passed = failed = skipped = 0
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            result = json.loads(line).get("result", "")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
    return passed, failed, skipped


def main():
    if sys.argv[1] == "--total":
        p = f = s = 0
        with open(sys.argv[2]) as fh:
            for line in fh:
                a, b, c = (int(x) for x in line.split())
                p, f, s = p + a, f + b, s + c
        print(f"tests: {p} passed, {f} failed, {s} skipped")
        return
    print(*count(sys.argv[1]))


if __name__ == "__main__":
    main()
