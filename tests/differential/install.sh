#!/usr/bin/env bash
# Installs the real runtime interface clients that tests/differential compares against:
#   - awslambdaric (PyPI) into the Python environment of `python` (or $PYTHON);
#   - aws-lambda-ric 3.x and 4.x plus the Node 22 and 24 binaries (npm, pinned in
#     node/package.json and node/package-lock.json) into node/node_modules.
# The npm clients compile a native addon (bundled curl + aws-lambda-cpp) at install time, which
# needs a C/C++ toolchain, cmake, autoconf, automake, libtool, make and python3; with
# APT_INSTALL=1 (and root) the Debian packages are installed first.
# Takes about 10 minutes on 2 cores, almost all of it compiling curl twice.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python}"

"$python" -m pip install --quiet "awslambdaric==4.2.2"

cd "$here/node"
# The compiled clients depend only on the lock file: a build is kept in a cache folder outside
# the clone (DIFF_CACHE_DIR, default ~/.cache/pytest-aws-lambda/differential) and reused when
# the lock file is unchanged. A missing or stale cache only means building again.
lock_hash=$(sha256sum package-lock.json package.json | sha256sum | cut -c1-16)
cache="${DIFF_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pytest-aws-lambda/differential}/$lock_hash"
if [ -f "$cache/complete" ]; then
    rm -rf node_modules
    cp -a "$cache/node_modules" node_modules
    echo "differential clients restored from $cache"
    exit 0
fi

if [ "${APT_INSTALL:-0}" = "1" ]; then
    missing=""
    for tool in cmake autoconf automake libtoolize make g++ perl xz; do
        command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
    done
    if [ -n "$missing" ]; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            build-essential cmake autoconf automake libtool make python3 perl xz-utils
    fi
fi

# Scripts are held back on the first pass: the clients' native builds need the Node headers,
# which node-gyp would otherwise download from the Internet; the node22 package ships them.
npm ci --ignore-scripts --no-audit --no-fund
PATH="$here/node/node_modules/node22/bin:$PATH" \
npm_config_nodedir="$here/node/node_modules/node22" \
    npm rebuild ric3 ric4 --foreground-scripts
for f in node_modules/ric3/dist/rapid-client.node node_modules/ric4/rapid-client.node \
         node_modules/node22/bin/node node_modules/node24/bin/node; do
    test -e "$f" || { echo "install.sh: $f was not built; see the npm output above" >&2; exit 1; }
done
mkdir -p "$cache"
rm -rf "$cache/node_modules"
cp -a node_modules "$cache/node_modules"
touch "$cache/complete"
echo "differential clients installed: awslambdaric 4.2.2, aws-lambda-ric 3.3.0 (Node 22.23.5)," \
     "aws-lambda-ric 4.0.2 (Node 24.22.3)"
