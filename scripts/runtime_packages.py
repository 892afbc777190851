#!/usr/bin/env python3
"""The Debian packages that provide every shared library a binary loads, one per line: those ldd
lists, and those it opens itself at run time (dlopen; their sonames are string constants in the
binary, e.g. libavcodec.so.59), with everything each of those needs in turn.

Usage: runtime_packages.py BINARY

Debian bookworm has a merged /usr, so ldd may print /lib/... while dpkg records /usr/lib/...;
both spellings are tried. A library no package owns is printed as "?<path>" so callers fail loudly.
"""
import os
import re
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


def linked(binary):
    """Paths of the libraries ldd says `binary` loads."""
    output = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    paths = []
    for line in output.splitlines():
        parts = line.split("=>")
        path = parts[1].split("(")[0].strip() if len(parts) > 1 else parts[0].split("(")[0].strip()
        if path.startswith("/"):  # linux-vdso and the like have no file
            paths.append(path)
    return paths


def opened_at_run_time(binary):
    """Paths of the libraries whose sonames the binary names and this system has (ldconfig)."""
    with open(binary, "rb") as file:
        sonames = set(re.findall(rb"lib[A-Za-z0-9_+-]+\.so\.[0-9]+", file.read()))
    cache = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    known = {}
    for line in cache.splitlines():
        if "=>" in line and "x86-64" in line or "=>" in line and "(libc6)" in line:
            known.setdefault(line.split()[0], line.split("=>")[1].strip())
    return [known[name.decode()] for name in sorted(sonames) if name.decode() in known]


def main():
    paths = linked(sys.argv[1])
    for library in opened_at_run_time(sys.argv[1]):
        paths += [library] + linked(library)
    packages = {owner(path) or "?" + path for path in paths}
    print("\n".join(sorted(packages)))


if __name__ == "__main__":
    main()
