#!/usr/bin/env bash
# Rebuild the committed front-end bundles in static/vendor/ from frontend/package-lock.json.
# Maintainers only: users and CI's tests use the committed files and need no Node.js.
# Usage: scripts/build-assets.sh [outdir]   (default: static/vendor)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-assets: '$tool' not found. Install Node.js 20 or newer with npm (e.g. apt-get install nodejs npm)." >&2
        exit 2
    fi
done
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
    echo "build-assets: Node.js $(node --version) is too old; bpmnlint 11 needs 20 or newer." >&2
    exit 2
fi

out="${1:-$root/static/vendor}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

cd "$root/frontend"
npm ci --no-audit --no-fund
node build.mjs "$out"
