#!/usr/bin/env python3
"""The Debian packages that provide every shared library a binary loads (ldd), one per line.

Usage: runtime_packages.py BINARY

Debian bookworm has a merged /usr, so ldd may print /lib/... while dpkg records /usr/lib/...;
both spellings are tried. A library no package owns is printed as "?<path>" so callers fail loudly.
"""
import os
import subprocess
import sys


def owner(path):
    candidates = [path, os.path.realpath(path)]
    for candidate in list(candidates):
        if candidate.startswith("/lib"):
            candidates.append("/usr" + candidate)
        elif candidate.startswith("/usr/lib"):
            candidates.append(candidate[len("/usr"):])
    for candidate in candidates:
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":")[0].strip()
    return None


def main():
    output = subprocess.run(["ldd", sys.argv[1]], capture_output=True, text=True, check=True).stdout
    packages = set()
    for line in output.splitlines():
        parts = line.split("=>")
        path = parts[1].split("(")[0].strip() if len(parts) > 1 else parts[0].split("(")[0].strip()
        if not path.startswith("/"):
            continue  # linux-vdso and the like: no file
        packages.add(owner(path) or "?" + path)
    print("\n".join(sorted(packages)))


if __name__ == "__main__":
    main()
