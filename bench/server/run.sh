#!/usr/bin/env bash
# Requests per second of praxis-server for a 304 practice pull and for stats posts, with wrk
# (Debian's `wrk`) against a release build on loopback. Bounded: 10 s per measurement.
#
#   cargo build --release -p praxis-server && bash bench/server/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
bin=target/release/praxis-server
[ -x "$bin" ] || { echo "build first: cargo build --release -p praxis-server" >&2; exit 2; }

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
export PRAXIS_SERVER_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
owner=$("$bin" admin create-user --data "$work" --email bench@example.com --owner | sed 's/.*: //')
"$bin" serve --data "$work" --listen 127.0.0.1:0 > "$work/out" 2>/dev/null &
pid=$!
for _ in $(seq 100); do grep -q listening "$work/out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/out")

curl -sf -X POST "$url/api/v1/spaces" -H "Authorization: Bearer $owner" -H 'Content-Type: application/json' -d '{"name": "bench"}' >/dev/null
for i in $(seq 20); do
  curl -sf -X PUT "$url/api/v1/spaces/bench/practices/p-$i" -H "Authorization: Bearer $owner" -H 'Content-Type: application/json' \
    -d "{\"id\": \"p-$i\", \"name\": \"P $i\", \"languages\": [\"python\"], \"rule\": {\"pattern\": \"print(\$\$\$A)\"}, \"examples\": {\"bad\": [{\"code\": \"print(1)\"}]}}" >/dev/null
done
etag=$(curl -sf -D - -o /dev/null "$url/api/v1/spaces/bench/practices" -H "Authorization: Bearer $owner" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')

cat > "$work/pull.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $owner"
wrk.headers["If-None-Match"] = '$etag'
LUA
cat > "$work/stats.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $owner"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"day": "2026-11-28", "counters": [{"practice": "p-1", "language": "python", "findings": 3, "files": 12, "millis": 40}, {"practice": "p-2", "language": "python", "findings": 1, "files": 12, "millis": 9}]}'
LUA

echo "status of a pull with the ETag: $(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/spaces/bench/practices" -H "Authorization: Bearer $owner" -H "If-None-Match: $etag")"
echo "== 304 practice pull (20 practices), wrk -t2 -c32 -d10s"
wrk -t2 -c32 -d10s -s "$work/pull.lua" "$url/api/v1/spaces/bench/practices"
echo "== stats post (2 counters), wrk -t2 -c32 -d10s"
wrk -t2 -c32 -d10s -s "$work/stats.lua" "$url/api/v1/spaces/bench/stats"
