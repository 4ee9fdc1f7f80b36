#!/usr/bin/env bash
# The TypeScript corpus: npm packages that ship their `.ts` sources (not only `.d.ts`), each
# pinned by version and by the sha256 of its registry tarball, unpacked into
# bench/work/corpus/typescript/<package>-<version>/ (git-ignored).
#
#   bash bench/corpus/typescript.sh    (or: bash bench/corpus.sh typescript)
#
# Idempotent: the downloads and the unpack are skipped when already done (stamp file).
# Declaration files (`.d.ts`, `.d.mts`, `.d.cts`) are deleted after unpacking: they are the
# packages' generated build output, not code anyone writes rules for, and both tools would
# otherwise read them (`typescript` covers .ts, .mts and .cts in both). What stays is about
# 1,250 `.ts` files, 12.6 MB: the packages' `src/` folders.
#
# Needs: npm (the npm registry), tar, sha256sum.
set -euo pipefail

# name version sha256-of-the-tarball
PACKAGES=(
    "effect 3.22.4 82d145ec7018b2860f4c9576215cba750c1c0a2c64a3c5168a40540fa3f4f0cf"
    "zod 4.6.7 84efd155bed93270286e793fc951be270b536cbd5b0eeb111f0fa3967201d698"
    "rxjs 7.8.2 2312f8ffd9726ffd7bd53ea12c5f13663d09a3dc3326f448c70b88f5ef6fac82"
    "@reduxjs/toolkit 2.15.0 20424372851b608ae3b504eb06d93d6bb80f53217e4a0c3f3a558303a115b87e"
    "@trpc/server 11.25.2 43d5562bf3d3ca2ba55bb37a91020c19d90ddaa3359a1eb55e5fefc62c6cb29a"
    "@tanstack/query-core 5.108.4 7660b37f747ce33f1e5456299009dbe217a08514f402c13e633ae95727e361e0"
    "mobx 7.1.3 bbd07665d8851ee01df2fd4e12db106c60fd878839610dd8b899548969625616"
)

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$BENCH/work"
DL="$WORK/dl/npm"
CORPUS="$WORK/corpus/typescript"
STAMP="$CORPUS/.unpacked-$(printf '%s\n' "${PACKAGES[@]}" | sha256sum | cut -c1-16)"

mkdir -p "$DL"

if [[ ! -f "$STAMP" ]]; then
    rm -rf "$CORPUS"
    mkdir -p "$CORPUS"
    for entry in "${PACKAGES[@]}"; do
        read -r name version sha256 <<<"$entry"
        # npm pack names the tarball @scope/name-1.0.0 as scope-name-1.0.0.tgz.
        base=$(printf '%s' "$name" | sed 's/^@//; s|/|-|')-$version
        tarball="$DL/$base.tgz"
        if [[ ! -f "$tarball" ]]; then
            (cd "$DL" && npm pack --silent "$name@$version" >/dev/null)
        fi
        echo "$sha256  $tarball" | sha256sum --check --quiet
        mkdir -p "$CORPUS/$base"
        tar -xzf "$tarball" -C "$CORPUS/$base" --strip-components=1
    done
    find "$CORPUS" \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete
    touch "$STAMP"
fi

files=$(find "$CORPUS" \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' \) | wc -l)
bytes=$(find "$CORPUS" \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' \) -print0 \
    | du -cb --files0-from=- | tail -1 | cut -f1)
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "corpus: typescript, ${#PACKAGES[@]} npm packages, $files .ts files, $mb MB, in $CORPUS"
