#!/usr/bin/env bash
# Fetch the Rust benchmark corpus: a `cargo vendor` of regex, serde, serde_json, syn, tokio,
# clap, anyhow and itertools at exact versions, with everything they pull in (35 crates), into
# bench/work/corpus/rust/ (git-ignored).
#
#   bash bench/corpus/rust.sh
#
# The inputs are bench/corpus/rust/Cargo.toml (exact `=x.y.z` versions) and its Cargo.lock, which
# pins every crate, dependencies included, with the sha256 that crates.io publishes; `cargo vendor
# --locked` refuses a changed lock and checks each downloaded .crate against it. The vendored
# sources are also hashed as a whole (the list of files with their sha256, hashed again) and
# compared with CORPUS_SHA256 below.
#
# Idempotent: the vendor step is skipped when already done (a stamp file). The corpus is 2,066
# .rs files, 26.7 MB of Rust (libc, tokio, regex-automata, object, syn, gimli, regex-syntax, ...).
#
# Needs: cargo (any recent one; only crates.io is contacted), sha256sum.
set -euo pipefail

CORPUS_SHA256=0bd26439f10a92952f5fe76d8bc2d23e5e5fc4d80105ff2bcbf68811b024ce1c

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INPUTS="$BENCH/corpus/rust"
WORK="$BENCH/work"
PROJECT="$WORK/dl/rust-project"
CORPUS="$WORK/corpus/rust"
STAMP="$CORPUS/.vendored-$(cat "$INPUTS/Cargo.toml" "$INPUTS/Cargo.lock" | sha256sum | cut -c1-16)"

# The hash of a folder's contents: every file's sha256 and path, sorted, hashed again.
tree_sha256() {
    (cd "$1" && find . -type f ! -name '.vendored-*' -print0 | LC_ALL=C sort -z \
        | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

if [[ -f "$STAMP" ]]; then
    echo "corpus: already vendored in $CORPUS"
else
    # A scratch project outside the repository's workspace (its manifest has its own
    # [workspace]), so that the repository's Cargo.lock is never touched.
    rm -rf "$PROJECT"
    mkdir -p "$PROJECT"
    cp "$INPUTS/Cargo.toml" "$INPUTS/Cargo.lock" "$PROJECT/"
    : >"$PROJECT/lib.rs"
    rm -rf "$CORPUS"
    (cd "$PROJECT" && cargo vendor --locked --versioned-dirs --quiet "$CORPUS" >/dev/null)
    actual=$(tree_sha256 "$CORPUS")
    if [[ "$actual" != "$CORPUS_SHA256" ]]; then
        echo "corpus: vendored sources hash to $actual, expected $CORPUS_SHA256" >&2
        exit 1
    fi
    touch "$STAMP"
fi

files=$(find "$CORPUS" -name '*.rs' | wc -l)
bytes=$(find "$CORPUS" -name '*.rs' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
crates=$(find "$CORPUS" -mindepth 1 -maxdepth 1 -type d | wc -l)
echo "corpus: cargo vendor of $crates crates (bench/corpus/rust/Cargo.lock), $files .rs files, $mb MB of Rust, in $CORPUS"
