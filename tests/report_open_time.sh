#!/usr/bin/env bash
# How long headless Chromium takes to open, lay out and paint an HTML report,
# beyond its own start: the time to screenshot the report minus the time to
# screenshot an empty page, each the median of three runs (issue 15: a
# 2,000-run report must open in under 3 s). Wall-clock time depends on what
# else the machine runs, so the CPU time Chromium spent (user + system, all
# its processes) is printed beside it, the same way.
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
  /usr/bin/time -f "%e %U %S" -o "$scratch/time" chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1280,2400 --screenshot="$scratch/shot.png" "file://$1" >/dev/null 2>&1
  # wall, cpu
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$scratch/time"
}
median() { sort -n | sed -n 2p; }
runs() { for _ in 1 2 3; do shot "$1"; done; }
base=$(runs "$scratch/empty.html")
page=$(runs "$report")
bw=$(echo "$base" | cut -d' ' -f1 | median); bc_=$(echo "$base" | cut -d' ' -f2 | median)
pw=$(echo "$page" | cut -d' ' -f1 | median); pc=$(echo "$page" | cut -d' ' -f2 | median)
size=$(du -h "$report" | cut -f1)
echo "report $size: $(echo "$pw - $bw" | bc) s wall and $(echo "$pc - $bc_" | bc) s CPU to open beyond browser start (with it: $pw s wall, $pc s CPU; an empty page: $bw s wall, $bc_ s CPU)"
