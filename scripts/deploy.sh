#!/usr/bin/env bash
# Builds the image and rolls the service out.
#
#   scripts/deploy.sh compose      one Docker host: nginx + 3 replicas + PostgreSQL, Redis, Prometheus, Grafana
#   scripts/deploy.sh kubernetes   the current kubectl context: image pushed to $IMAGE, k8s/ applied
#
# Environment: IMAGE (default nest-enterprise-backend; a registry path for kubernetes),
# TAG (default: the git commit), SKIP_BUILD=1 to deploy an image that already exists,
# ROLLOUT_TIMEOUT (default 300s). For kubernetes, DATABASE_URL, REDIS_URL,
# JWT_ACCESS_SECRET and JWT_REFRESH_SECRET create or update the api-secrets Secret when set.
# See docs/deployment.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAMESPACE="${NAMESPACE:-nest-enterprise-backend}"
IMAGE="${IMAGE:-nest-enterprise-backend}"
TAG="${TAG:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo latest)}"
ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-300s}"
SKIP_BUILD="${SKIP_BUILD:-0}"

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'deploy: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "needs '$tool' on PATH"
  done
}

random_secret() {
  # 48 random bytes as hex: nothing the app would take for a placeholder, nothing that needs quoting.
  od -An -N48 -tx1 /dev/urandom | tr -d ' \n'
}

build_image() {
  if [[ "$SKIP_BUILD" == 1 ]]; then
    log "Skipping build; deploying ${IMAGE}:${TAG}"
    return
  fi
  log "Building ${IMAGE}:${TAG}"
  docker build \
    -f "$ROOT/docker/Dockerfile" \
    --target runtime \
    --build-arg VERSION="$TAG" \
    --build-arg REVISION="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)" \
    --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -t "${IMAGE}:${TAG}" \
    "$ROOT"
}

# Writes .env with random credentials on first use; later runs keep them (the database volume depends on them).
ensure_env_file() {
  local env_file="$ROOT/.env" name
  touch "$env_file"
  chmod 600 "$env_file"
  for name in POSTGRES_PASSWORD JWT_ACCESS_SECRET JWT_REFRESH_SECRET GRAFANA_ADMIN_PASSWORD; do
    if ! grep -q "^${name}=" "$env_file"; then
      log "Generating ${name} in .env"
      printf '%s=%s\n' "$name" "$(random_secret)" >>"$env_file"
    fi
  done
}

deploy_compose() {
  require docker git od
  docker compose version >/dev/null 2>&1 || die "needs the Docker Compose plugin (docker compose)"
  ensure_env_file
  export IMAGE TAG
  build_image
  log "Starting the stack and waiting for every health check"
  docker compose -f "$ROOT/docker-compose.yml" --project-directory "$ROOT" up -d --wait --wait-timeout "${ROLLOUT_TIMEOUT%s}"
  docker compose -f "$ROOT/docker-compose.yml" --project-directory "$ROOT" ps
}

apply_secret() {
  local missing=() name
  for name in DATABASE_URL REDIS_URL JWT_ACCESS_SECRET JWT_REFRESH_SECRET; do
    [[ -n "${!name:-}" ]] || missing+=("$name")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "Updating Secret api-secrets from the environment"
    kubectl -n "$NAMESPACE" create secret generic api-secrets \
      --from-literal=DATABASE_URL="$DATABASE_URL" \
      --from-literal=REDIS_URL="$REDIS_URL" \
      --from-literal=JWT_ACCESS_SECRET="$JWT_ACCESS_SECRET" \
      --from-literal=JWT_REFRESH_SECRET="$JWT_REFRESH_SECRET" \
      --dry-run=client -o yaml | kubectl apply -f -
  elif ! kubectl -n "$NAMESPACE" get secret api-secrets >/dev/null 2>&1; then
    die "Secret api-secrets does not exist: set ${missing[*]} or create it from k8s/secret.template.yaml"
  fi
}

deploy_kubernetes() {
  require docker kubectl git od mktemp realpath
  kubectl version --client >/dev/null 2>&1 || die "kubectl does not run"
  build_image
  if [[ "$SKIP_BUILD" != 1 ]]; then
    log "Pushing ${IMAGE}:${TAG}"
    docker push "${IMAGE}:${TAG}"
  fi

  # An overlay of our own pins the image without editing the checked-in kustomization.
  # kustomize refuses absolute resource paths, hence the relative one.
  local base
  OVERLAY="$(mktemp -d)"
  trap 'rm -rf "$OVERLAY"' EXIT
  base="$(realpath --relative-to="$OVERLAY" "$ROOT/k8s")"
  cat >"$OVERLAY/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ${base}
images:
  - name: nest-enterprise-backend
    newName: ${IMAGE}
    newTag: "${TAG}"
YAML

  log "Applying the namespace and the Secret"
  kubectl apply -f "$ROOT/k8s/namespace.yaml"
  apply_secret

  # A Job's pod template is immutable: replace the previous migration run with this one.
  kubectl -n "$NAMESPACE" delete job api-migrate --ignore-not-found --wait=true
  log "Applying k8s/ with image ${IMAGE}:${TAG}"
  kubectl apply -k "$OVERLAY"

  log "Waiting for the migration Job"
  kubectl -n "$NAMESPACE" wait --for=condition=complete job/api-migrate --timeout="$ROLLOUT_TIMEOUT"
  log "Waiting for the rollout"
  kubectl -n "$NAMESPACE" rollout status deployment/api --timeout="$ROLLOUT_TIMEOUT"
  kubectl -n "$NAMESPACE" rollout status deployment/worker --timeout="$ROLLOUT_TIMEOUT"
  kubectl -n "$NAMESPACE" get deployment,hpa,pods -l app.kubernetes.io/name=nest-enterprise-backend
}

case "${1:-}" in
  compose) deploy_compose ;;
  kubernetes | k8s) deploy_kubernetes ;;
  *) usage ;;
esac
