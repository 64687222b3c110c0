#!/usr/bin/env bash
# How long headless Chromium takes to open, lay out and paint an HTML report,
# beyond its own start: the time to screenshot the report minus the time to
# screenshot an empty page, each the median of three runs (issue 15: a
# 2,000-run report must open in under 3 s).
#
#   bash tests/report_open_time.sh REPORT.html
#
# Needs Debian's chromium (`apt-get install chromium`); not part of `cargo test`.
set -euo pipefail
report=$(realpath "$1")
command -v chromium >/dev/null || { echo "needs chromium: apt-get install chromium" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo '<!DOCTYPE html><html><body><p>empty</p></body></html>' > "$scratch/empty.html"
shot() {
  local profile
  profile=$(mktemp -d -p "$scratch")
  local start end
  start=$(date +%s.%N)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1280,2400 --screenshot="$scratch/shot.png" "file://$1" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
median() { sort -n | sed -n 2p; }
base=$(for _ in 1 2 3; do shot "$scratch/empty.html"; done | median)
page=$(for _ in 1 2 3; do shot "$report"; done | median)
size=$(du -h "$report" | cut -f1)
echo "report $size: $(echo "$page - $base" | bc) s to open beyond browser start ($page s with it; an empty page $base s)"
