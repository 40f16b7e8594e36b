#!/usr/bin/env python3
"""One peer's CPU profile (async-profiler's collapsed stacks with `threads`) split by thread kind.

  profile_threads.py FILE.collapsed REQUESTS

Prints the samples per request (with the 1 ms interval of bin/profile.sh: microseconds of CPU per
request) and the share of each kind of thread (numbers in thread names folded into N).
"""
import collections
import re
import sys


def main():
    path, requests = sys.argv[1], int(sys.argv[2])
    kinds = collections.Counter()
    total = 0
    with open(path) as f:
        for line in f:
            stack, _, n = line.rstrip().rpartition(" ")
            thread = stack.split(";", 1)[0]
            thread = re.sub(r"\d+", "N", re.sub(r" tid=\d+", "", thread))
            kinds[thread] += int(n)
            total += int(n)
    print(f"{path}: {total} samples, {1000 * total / max(1, requests):.0f} us of CPU per request")
    for thread, n in kinds.most_common(12):
        print(f"  {100 * n / max(1, total):5.1f}%  {1000 * n / max(1, requests):6.1f} us  {thread}")


if __name__ == "__main__":
    main()
