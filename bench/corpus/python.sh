#!/usr/bin/env bash
# The Python corpus: the Django 5.2.8 source distribution from PyPI, pinned by version and
# sha256, unpacked into bench/work/corpus/python/ (git-ignored).
#
#   bash bench/corpus/python.sh        (or: bash bench/corpus.sh python)
#
# Idempotent: the download and the unpack are skipped when already done (stamp file). The
# corpus is 2,818 .py files (18.0 MB, 490k lines of Python: django/ and its tests/), plus
# templates, .po files and JS that Python rules do not read.
#
# Needs: python3 with pip (any recent pip), tar, sha256sum.
set -euo pipefail

VERSION=5.2.8
SHA256=23254866a5bb9a2cfa6004e8b809ec6246eba4b58a7589bc2772f1bcc8456c7f

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$BENCH/work"
DL="$WORK/dl"
CORPUS="$WORK/corpus/python"
SDIST="$DL/django-$VERSION.tar.gz"
STAMP="$CORPUS/.unpacked-django-$VERSION"

mkdir -p "$DL"

if [[ ! -f "$STAMP" ]]; then
    if [[ ! -f "$SDIST" ]]; then
        # A requirements file with --hash makes pip refuse anything but the pinned sdist.
        req="$DL/requirements.txt"
        printf 'django==%s --hash=sha256:%s\n' "$VERSION" "$SHA256" >"$req"
        python3 -m pip download --quiet --no-deps --no-binary :all: --require-hashes \
            -r "$req" -d "$DL"
    fi
    echo "$SHA256  $SDIST" | sha256sum --check --quiet
    rm -rf "$CORPUS"
    mkdir -p "$CORPUS"
    tar -xzf "$SDIST" -C "$CORPUS" --strip-components=1
    touch "$STAMP"
fi

files=$(find "$CORPUS" -name '*.py' | wc -l)
bytes=$(find "$CORPUS" -name '*.py' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "corpus: python, django $VERSION, $files .py files, $mb MB, in $CORPUS"
