#!/usr/bin/env bash
# Check that static/vendor/ is exactly what a fresh build of frontend/ gives.
# Exits 0 if identical, 1 listing the files that differ, 2 if the build itself failed.
# Set WUYEFLOW_ASSETS_SKIP_NPM_CI=1 to reuse an existing frontend/node_modules.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
committed="$root/static/vendor"
fresh="$(mktemp -d "${TMPDIR:-/tmp}/wuyeflow-check-assets.XXXXXX")"
trap 'rm -rf "$fresh"' EXIT

if [ "${WUYEFLOW_ASSETS_SKIP_NPM_CI:-}" = 1 ] && [ -d "$root/frontend/node_modules" ]; then
    build=(node "$root/frontend/build.mjs" "$fresh")
    command -v node >/dev/null 2>&1 || { echo "check-assets: 'node' not found" >&2; exit 2; }
else
    build=("$root/scripts/build-assets.sh" "$fresh")
fi

if ! (cd "$root/frontend" && "${build[@]}") >"$fresh.log" 2>&1; then
    cat "$fresh.log" >&2
    rm -f "$fresh.log"
    echo "check-assets: the build failed" >&2
    exit 2
fi
rm -f "$fresh.log"

differ=()
while IFS= read -r name; do
    if [ ! -f "$committed/$name" ]; then
        differ+=("$name (missing in static/vendor)")
    elif [ ! -f "$fresh/$name" ]; then
        differ+=("$name (not produced by the build)")
    elif ! cmp -s "$committed/$name" "$fresh/$name"; then
        differ+=("$name (content differs)")
    fi
done < <( (cd "$committed" 2>/dev/null && find . -maxdepth 1 -type f -printf '%P\n'; cd "$fresh" && find . -maxdepth 1 -type f -printf '%P\n') | sort -u)

if [ "${#differ[@]}" -gt 0 ]; then
    echo "check-assets: static/vendor/ does not match a fresh build of frontend/:" >&2
    printf '  %s\n' "${differ[@]}" >&2
    echo "Run scripts/build-assets.sh and commit static/vendor/." >&2
    exit 1
fi
echo "check-assets: static/vendor/ matches a fresh build ($(find "$fresh" -maxdepth 1 -type f | wc -l) files)"
