#!/usr/bin/env bash
# `npm run containers`: build the images and run the compose stack for real, then drive the help
# article's flows against it over HTTP and tear it down (issue 8; README "Deploy").
#
#   1. podman, runc, podman-compose, debootstrap (apt) when missing; a containers.conf that works
#      here (runc, cgroupfs, no default ulimits)
#   2. base images, when no registry can be reached: a debootstrapped Debian bookworm (cached in
#      $TD_CACHE_DIR and in podman's storage; reused across runs), a node base carrying this
#      machine's node/npm and CA bundle, and stand-ins for the images docker-compose.yml names
#      (deploy/local-images) built from Debian packages / npm under those same names
#   3. the service images from the project's Dockerfile, changed only by --build-arg BASE_IMAGE
#   4. podman-compose up (project "tdci"; gateway on 127.0.0.1:$TD_GATEWAY_PORT, MailDev page on
#      127.0.0.1:$TD_MAIL_WEB_PORT: no clash with the local servers or `npm start`)
#   5. scripts/demo.mjs: setup -> code mail -> verify, then a second device approved by the first
#   6. podman-compose down -v (also on failure)
# Subcommands: (none) everything above; `images` steps 1-2 only (what Testcontainers needs);
# `test-integration` steps 1-2, then the integration tier through Testcontainers on podman's
# Docker-compatible socket (`podman system service`), which it starts and stops itself.
# Prints the time of each step and the image sizes. Options (environment):
#   TD_CACHE_DIR (/var/cache/trusted-devices)  TD_GATEWAY_PORT (13000)  TD_MAIL_WEB_PORT (11080)
#   TD_KEEP=1 leaves the stack running; DEVICE_SERVICE_REPLICAS, VERIFICATION_SERVICE_REPLICAS,
#   NOTIFICATION_SERVICE_REPLICAS, DEPROVISION_WORKER_REPLICAS (2 each by default here).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

CACHE=${TD_CACHE_DIR:-/var/cache/trusted-devices}
GATEWAY_PORT=${TD_GATEWAY_PORT:-13000}
MAIL_WEB_PORT=${TD_MAIL_WEB_PORT:-11080}
PROJECT=tdci
NODE_BASE=localhost/td-node:local
DEBIAN_BASE=localhost/debian-base:bookworm

T0=$(date +%s)
TIMES=()
STEP_NAME=""
STEP_T=0
step() {
  finish_step
  STEP_NAME=$*
  STEP_T=$(date +%s)
  printf '\n\033[1m== containers: %s\033[0m\n' "$*"
}
finish_step() {
  if [ -n "$STEP_NAME" ]; then TIMES+=("$(printf '%5ss  %s' "$(($(date +%s) - STEP_T))" "$STEP_NAME")"); fi
  STEP_NAME=""
}
summary() {
  finish_step
  echo
  echo "containers: time per step"
  printf '  %s\n' "${TIMES[@]}"
  printf '  %5ss  total\n' "$(($(date +%s) - T0))"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ---- 1. tools and configuration
step "tools (podman, runc, podman-compose, debootstrap)"
missing=()
for tool in podman runc podman-compose debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
# Compose services find each other by name: with podman 4.3's CNI backend that takes the dnsname
# plugin, which podman only recommends (a network created without it has no DNS: ENOTFOUND nats).
[ -x /usr/lib/cni/dnsname ] || missing+=(dnsname)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman runc podman-compose debootstrap uidmap slirp4netns fuse-overlayfs containernetworking-plugins iptables \
    golang-github-containernetworking-plugin-dnsname >/dev/null
fi
podman --version
mkdir -p "$CACHE"
# What ran on these machines: runc (crun fails with hybrid cgroups), cgroupfs (no systemd),
# no default ulimits (setrlimit RLIMIT_NOFILE is refused). Our own file, so nothing else changes;
# also installed as the machine's containers.conf when it has none (for `podman system service`).
cat > "$CACHE/containers.conf" <<'EOF'
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
EOF
export CONTAINERS_CONF="$CACHE/containers.conf"
[ -e /etc/containers/containers.conf ] || { as_root mkdir -p /etc/containers && as_root cp "$CACHE/containers.conf" /etc/containers/containers.conf; }

# A registry answers? (docker.io: the compose file's and the Dockerfile's images)
can_pull() { timeout 60 podman pull -q "$1" >/dev/null 2>&1; }

# ---- 2. base images
step "base images"
if can_pull docker.io/library/node:20-bookworm-slim; then
  BASE_IMAGE=docker.io/library/node:20-bookworm-slim
  echo "registry reachable: official images"
  for image in docker.io/library/postgres:15-bookworm docker.io/library/redis:7.0-bookworm docker.io/library/nats:2.9 docker.io/maildev/maildev:2.1.0; do
    podman pull -q "$image" >/dev/null
  done
else
  echo "no registry: building local base images"
  BASE_IMAGE=$NODE_BASE
  if ! podman image exists "$DEBIAN_BASE"; then
    tarball="$CACHE/debian-bookworm-minbase.tar"
    if [ ! -s "$tarball" ]; then
      mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/\?$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
      mirror=${mirror:-http://deb.debian.org/debian}
      rootfs=$(mktemp -d "$CACHE/rootfs.XXXXXX")
      echo "debootstrap --variant=minbase bookworm ($mirror)"
      as_root debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
        || { tail -20 "$CACHE/debootstrap.log"; exit 1; }
      as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/tmp/*
      as_root tar -C "$rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
      as_root rm -rf "$rootfs"
    fi
    podman import -q "$tarball" "$DEBIAN_BASE" >/dev/null
  fi
  node_version="$(node --version)-$(sha256sum < deploy/local-images/node.Containerfile | cut -c1-16)"
  if [ "$(podman image inspect "$NODE_BASE" --format '{{index .Labels "td.node"}}' 2>/dev/null)" != "$node_version" ]; then
    ctx=$(mktemp -d)
    node_bin=$(readlink -f "$(command -v node)")
    npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
    cafile=$(npm config get cafile 2>/dev/null || true)
    { [ -n "$cafile" ] && [ "$cafile" != null ] && [ -s "$cafile" ]; } || cafile=/etc/ssl/certs/ca-certificates.crt
    cp "$node_bin" "$ctx/node" && cp -r "$npm_dir" "$ctx/npm" && cp "$cafile" "$ctx/ca.crt"
    cp deploy/local-images/node.Containerfile "$ctx/Containerfile"
    echo "node base: node $node_version, npm $(npm --version), CA bundle $cafile"
    podman build -q --label "td.node=$node_version" -t "$NODE_BASE" "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
  # Stand-ins for the images docker-compose.yml names, under the same names (built once, kept).
  # Rebuilt when its recipe changes (the recipe's hash is a label of the image).
  standin() { # recipe image
    local recipe
    recipe=$(find deploy/local-images -name "$1.Containerfile" -o -name "$1-*" | sort | xargs cat | sha256sum | cut -c1-16)
    [ "$(podman image inspect "$2" --format '{{index .Labels "td.recipe"}}' 2>/dev/null)" = "$recipe" ] && return 0
    echo "building $2 from deploy/local-images/$1.Containerfile"
    podman build -q --label "td.recipe=$recipe" -f "deploy/local-images/$1.Containerfile" -t "$2" deploy/local-images >/dev/null
  }
  standin postgres docker.io/library/postgres:15-bookworm
  standin redis docker.io/library/redis:7.0-bookworm
  standin nats docker.io/library/nats:2.9
  standin maildev docker.io/maildev/maildev:2.1.0
fi

# ---- the integration tier through Testcontainers on podman (CI proves that path too)
if [ "${1:-}" = images ]; then summary; exit 0; fi
if [ "${1:-}" = test-integration ]; then
  step "integration tier through Testcontainers (podman system service)"
  sock="$CACHE/podman.sock"
  rm -f "$sock"
  podman system service --time=0 "unix://$sock" >"$CACHE/podman-service.log" 2>&1 &
  service_pid=$!
  trap 'kill "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; rm -f "$sock"' EXIT
  for _ in $(seq 1 60); do [ -S "$sock" ] && break; sleep 0.5; done
  status=0
  DOCKER_HOST="unix://$sock" TESTCONTAINERS_RYUK_DISABLED=true npm run --silent test:integration || status=$?
  left=$(podman ps -aq --filter label=td.test-infra.owner | wc -l)
  echo "test containers left behind: $left"
  summary
  exit $status
fi

# ---- 3. the service images: the project's Dockerfile, only BASE_IMAGE changed
step "service images (Dockerfile, BASE_IMAGE=$BASE_IMAGE)"
# One build (the default APP); every service's image is that image under the name compose gives it
# (the compose file sets APP/ENTRY in each service's environment too). Building once matters:
# buildah keys its layer cache on every build argument, so six builds would be six `npm ci`s.
podman build -q --format docker --build-arg "BASE_IMAGE=$BASE_IMAGE" -t trusted-devices/gateway:latest -f Dockerfile . >/dev/null
for name in device-service deprovision-worker verification-service notification-service migrate; do
  podman tag trusted-devices/gateway:latest "trusted-devices/$name:latest"
done
echo "image sizes:"
podman images --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E 'trusted-devices/|td-node|debian-base|postgres|redis|nats|maildev' | sort -u

# ---- 4. the compose stack
# podman-compose is chatty (every podman command, systemd-less healthcheck errors): to a log,
# shown when something fails.
COMPOSE_LOG="$CACHE/compose.log"
: > "$COMPOSE_LOG"
compose() { podman-compose -p "$PROJECT" -f docker-compose.yml "$@" >>"$COMPOSE_LOG" 2>&1; }
export AUTH_JWT_SECRET CODE_HMAC_SECRET
AUTH_JWT_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
CODE_HMAC_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
export SMTP_URL=smtp://mail:1025 PUBLIC_URL="http://127.0.0.1:$GATEWAY_PORT" GATEWAY_HOST=127.0.0.1 GATEWAY_PORT MAIL_WEB_PORT
export COMPOSE_PROFILES=demo LOG_LEVEL=warn

teardown() {
  local status=$?
  if [ "${TD_KEEP:-}" = 1 ]; then echo "TD_KEEP=1: the stack stays up (podman-compose -p $PROJECT down -v)"; summary; return; fi
  step "compose down"
  if [ $status -ne 0 ]; then
    echo "--- podman-compose (last lines of $COMPOSE_LOG) ---"
    tail -40 "$COMPOSE_LOG" | cut -c1-300
    echo "--- logs (last lines of each container) ---"
    for c in $(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'); do
      echo "## $c"; podman logs --tail 30 "$c" 2>&1 | cut -c1-400
    done
  fi
  compose down -v >/dev/null 2>&1 || true
  podman volume ls -q --filter "label=io.podman.compose.project=$PROJECT" | xargs -r podman volume rm -f >/dev/null 2>&1 || true
  podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
  summary
  exit $status
}

step "compose up (podman-compose)"
compose down -v >/dev/null 2>&1 || true # a run killed earlier
# podman-compose 1.0.3 leaves the network behind; one made before dnsname was installed has no DNS
podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
trap teardown EXIT
# podman-compose (1.0.3) does not wait for depends_on conditions nor know profiles: start in the
# order the file means, naming the services.
compose up -d postgres redis nats mail
wait_for() { # description command…
  local what=$1; shift
  for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "$what: not ready after 120 s" >&2
  return 1
}
wait_for postgres podman exec "${PROJECT}_postgres_1" pg_isready -U postgres -d trusted_devices
wait_for redis podman exec "${PROJECT}_redis_1" redis-cli ping
compose run --rm migrate
grep -E "^(Applied|No pending|Nothing)" "$COMPOSE_LOG" | tail -1 || true
# Two instances of every service behind the gateway (deploy.replicas; podman-compose ignores --scale).
export DEVICE_SERVICE_REPLICAS=${DEVICE_SERVICE_REPLICAS:-2} VERIFICATION_SERVICE_REPLICAS=${VERIFICATION_SERVICE_REPLICAS:-2}
export NOTIFICATION_SERVICE_REPLICAS=${NOTIFICATION_SERVICE_REPLICAS:-2} DEPROVISION_WORKER_REPLICAS=${DEPROVISION_WORKER_REPLICAS:-2}
compose up -d device-service deprovision-worker verification-service notification-service gateway
http_ok() { node -e "fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$1"; }
wait_for "gateway /health/ready" http_ok "http://127.0.0.1:$GATEWAY_PORT/health/ready"
podman ps --filter "label=io.podman.compose.project=$PROJECT" --format '  {{.Names}}  {{.Status}}'
echo "redis: appendonly=$(podman exec "${PROJECT}_redis_1" redis-cli config get appendonly | tail -1), appendfsync=$(podman exec "${PROJECT}_redis_1" redis-cli config get appendfsync | tail -1)"

# ---- 5. the help article's flows over HTTP
step "flows over HTTP (scripts/demo.mjs: setup -> code mail -> verify; approval)"
PUBLIC_URL=$PUBLIC_URL MAIL_WEB_URL="http://127.0.0.1:$MAIL_WEB_PORT" AUTH_JWT_SECRET=$AUTH_JWT_SECRET node scripts/demo.mjs
echo "containers: the flows passed against the compose stack"
echo "memory and CPU of each container after the flows:"
podman stats --no-stream --format '  {{.Name}}  {{.MemUsage}}  {{.CPUPerc}}' | grep "${PROJECT}_" | sort
