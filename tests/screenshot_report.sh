#!/usr/bin/env bash
# Opens an HTML report in a real browser and saves what it shows, to look at by eye.
#
#   bash tests/screenshot_report.sh [REPORT.html] [OUT.png]
#
# Without arguments it writes a report over fixtures/real-runs first. Needs
# Debian's chromium (`apt-get install chromium`); not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
report=${1:-target/report-real-runs.html}
out=${2:-target/report-real-runs.png}
if [ $# -eq 0 ]; then
  cargo run --quiet -- report fixtures/real-runs -o "$report"
fi
command -v chromium >/dev/null || { echo "needs chromium: apt-get install chromium" >&2; exit 1; }
profile=$(mktemp -d)
start=$(date +%s.%N)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size=1280,2400 --screenshot="$out" "file://$(realpath "$report")" 2>/dev/null
end=$(date +%s.%N)
rm -rf "$profile"
echo "rendered $(du -h "$report" | cut -f1) of HTML to $out in $(echo "$end - $start" | bc) s (browser start included)"
