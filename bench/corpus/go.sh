#!/usr/bin/env bash
# Fetch the Go benchmark corpus: eleven Debian bookworm `golang-*-dev` packages (the Go sources
# Debian ships under usr/share/gocode/src), each pinned by package version and by the sha256 of
# its .deb, unpacked with `dpkg-deb -x` into bench/work/corpus/go/ (git-ignored).
#
#   bash bench/corpus/go.sh
#
# Idempotent: the downloads and the unpack are skipped when already done (a stamp file). The
# corpus is about 2,700 .go files, 18.9 MB of Go: golang.org/x/tools, x/net, x/crypto, grpc,
# the Prometheus client, gin, cobra, testify, go-cmp, gorilla/mux and hcl. x/text is left out on
# purpose: its generated Unicode tables alone are 37 MB.
#
# The packages' compatibility symlinks (code.google.com/p/go.net -> golang.org/x/net, ...) are
# removed, so that no source is reachable twice, whether a tool follows links or not.
#
# Needs: apt-get (Debian's archive; `apt-get update` is run once if a version is not found),
# dpkg-deb, sha256sum.
set -euo pipefail

# package version sha256-of-the-.deb
PACKAGES=(
    "golang-golang-x-tools-dev 1:0.5.0+ds-1 d0cf4252c020c3ee79707619f925444779070dc1307cd8af1ed99bc8eaf7b3c5"
    "golang-golang-x-net-dev 1:0.7.0+dfsg-1 ddfa0ab08e6caf68eb51c96f9b8ba7c3ab6c93aada7147c3a20a187e38a9d259"
    "golang-golang-x-crypto-dev 1:0.4.0-1 7047f0b62317fddfbbe934902e7889452569ba932c31e3eaa6ab7144c0da3593"
    "golang-google-grpc-dev 1.33.3-2 d6f918cc84a7186d5bf08d21bd3b210db5fb68b34887dca2ff89d47ca37b8749"
    "golang-github-prometheus-client-golang-dev 1.14.0-3 b95081bf869abc26d70ba2a1dfd9d0ac6675b6ac95c9ffa6e25971ee862e7016"
    "golang-github-gin-gonic-gin-dev 1.8.1-1 66d916769bcd36a6722b0c92a81719b8faca56f69662b17d1ef7ba257c85367a"
    "golang-github-spf13-cobra-dev 1.6.1-1 4f5d20855133319beef3c5b49d3c21a0406f270bf94fb4b6f4d406b691283cb2"
    "golang-github-stretchr-testify-dev 1.8.1-1 214a31391cf60e1d1abd9f218cb5134a1fd646340a147a04c2d95a981024a305"
    "golang-github-google-go-cmp-dev 0.5.9-1 b68bd919daa7c1bdf02abfb68894e29e532f19b03b68c8615f50626c48f553b6"
    "golang-github-gorilla-mux-dev 1.8.0-1 0880a4019fe68496a0e0a749c2948c029e489f49edd448bed2fedaba33f848c2"
    "golang-github-hashicorp-hcl-dev 1.0.0-1.1 be4123b5032261eb35e7420331064cfbc58c76b9b11a7c9c8d2209700fe062f8"
)

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$BENCH/work"
DL="$WORK/dl/go"
CORPUS="$WORK/corpus/go"
# The stamp names the pinned set, so that a changed list unpacks afresh.
STAMP="$CORPUS/.unpacked-$(printf '%s\n' "${PACKAGES[@]}" | sha256sum | cut -c1-16)"

mkdir -p "$DL"

if [[ -f "$STAMP" ]]; then
    echo "corpus: already unpacked in $CORPUS"
else
    updated=no
    debs=()
    for line in "${PACKAGES[@]}"; do
        read -r pkg version sha <<<"$line"
        # apt-get download names the file with the epoch's colon escaped as %3a.
        deb="$DL/${pkg}_${version/:/%3a}_all.deb"
        if [[ ! -f "$deb" ]]; then
            if ! (cd "$DL" && apt-get download -qq "$pkg=$version" 2>/dev/null); then
                if [[ "$updated" == no ]]; then
                    apt-get update -qq
                    updated=yes
                fi
                (cd "$DL" && apt-get download -qq "$pkg=$version")
            fi
        fi
        echo "$sha  $deb" | sha256sum --check --quiet
        debs+=("$deb")
    done
    rm -rf "$CORPUS"
    mkdir -p "$CORPUS"
    unpack="$WORK/dl/go-unpack"
    for deb in "${debs[@]}"; do
        rm -rf "$unpack"
        dpkg-deb -x "$deb" "$unpack"
        cp -a "$unpack/usr/share/gocode/src/." "$CORPUS/"
    done
    rm -rf "$unpack"
    find "$CORPUS" -type l -delete
    touch "$STAMP"
fi

files=$(find "$CORPUS" -name '*.go' | wc -l)
bytes=$(find "$CORPUS" -name '*.go' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "corpus: ${#PACKAGES[@]} Debian golang-*-dev packages (bookworm), $files .go files, $mb MB of Go, in $CORPUS"
