#!/usr/bin/env bash
# Turn a Linux machine (typically a GPU box) into a studio compute host:
#   - a Python venv with kernels/requirements.txt and the studio SDK (kernels/sdk)
#     (+ optionally a pinned CUDA torch)
#   - a random access token (unless one is given; kept across re-runs)
#   - a systemd unit running Jupyter Kernel Gateway with kernels/gateway_config.py
# and print the URL + token to paste into the studio's Admin -> Compute hosts page.
#
# Run as root from a checkout of the repository:
#   sudo kernels/host/setup-gpu-host.sh --ip 0.0.0.0 --port 8888 --torch 2.13.0
# Re-running is safe: it upgrades the venv to the pinned requirements, rewrites
# the unit and restarts the service, keeping the existing token.
#
# Needs: Linux, systemd, Python >= 3.11 with the venv module, access to PyPI.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: setup-gpu-host.sh [options]

  --ip ADDR            address the gateway binds (default 127.0.0.1: reach it through an
                       SSH tunnel or a TLS reverse proxy; 0.0.0.0 = all interfaces)
  --port PORT          port (default 8888)
  --token TOKEN        access token (default: keep the existing one, else generate one);
                       may also be given as STUDIO_HOST_TOKEN in the environment
  --public-host NAME   host name or address the studio uses to reach this machine
                       (only for the printed URL; default: this machine's first address)
  --torch VERSION      install torch==VERSION instead of requirements.txt's pin (always an
                       exact version: a bare `torch` pulls the newest multi-GB build)
  --torch-index-url URL  pip index for torch (e.g. PyTorch's index for one CUDA version),
                       replacing the build requirements.txt installed from PyPI (whose
                       Linux x86_64 torch wheels are CUDA builds)
  --tls-cert FILE      serve HTTPS directly with this certificate (PEM) ...
  --tls-key FILE       ... and this private key
  --max-kernels N      refuse new kernels beyond N running ones (default: unlimited)
  --user NAME          system user that runs the gateway and kernels (default: studio)
  --prefix DIR         install directory (default: /opt/studio-host)
  --python PATH        Python >= 3.11 used to create the venv (default: python3)
  --no-systemd         install only; print the command to start the gateway by hand
  -h, --help           this text
EOF
}

die() { echo "setup-gpu-host: error: $*" >&2; exit 1; }
log() { echo "==> $*"; }

KERNELS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IP=127.0.0.1
PORT=8888
TOKEN="${STUDIO_HOST_TOKEN:-}"
PUBLIC_HOST=""
TORCH_VERSION=""
TORCH_INDEX_URL=""
TLS_CERT=""
TLS_KEY=""
MAX_KERNELS=""
SERVICE_USER=studio
PREFIX=/opt/studio-host
PYTHON=python3
USE_SYSTEMD=1
SERVICE=studio-kernel-gateway
ETC_DIR=/etc/studio-host
ENV_FILE="$ETC_DIR/gateway.env"
STATE_DIR=/var/lib/studio-host

while [ $# -gt 0 ]; do
  case "$1" in
    --ip) IP="${2:?--ip needs a value}"; shift 2 ;;
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --token) TOKEN="${2:?--token needs a value}"; shift 2 ;;
    --public-host) PUBLIC_HOST="${2:?--public-host needs a value}"; shift 2 ;;
    --torch) TORCH_VERSION="${2:?--torch needs a version}"; shift 2 ;;
    --torch-index-url) TORCH_INDEX_URL="${2:?--torch-index-url needs a value}"; shift 2 ;;
    --tls-cert) TLS_CERT="${2:?--tls-cert needs a file}"; shift 2 ;;
    --tls-key) TLS_KEY="${2:?--tls-key needs a file}"; shift 2 ;;
    --max-kernels) MAX_KERNELS="${2:?--max-kernels needs a number}"; shift 2 ;;
    --user) SERVICE_USER="${2:?--user needs a value}"; shift 2 ;;
    --prefix) PREFIX="${2:?--prefix needs a value}"; shift 2 ;;
    --python) PYTHON="${2:?--python needs a value}"; shift 2 ;;
    --no-systemd) USE_SYSTEMD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

# --- checks -----------------------------------------------------------------------
[ "$(uname -s)" = Linux ] || die "this script sets up Linux hosts only"
if [ ! -f "$KERNELS_DIR/requirements.txt" ] || [ ! -f "$KERNELS_DIR/gateway_config.py" ] || [ ! -f "$KERNELS_DIR/sdk/pyproject.toml" ]; then
  die "run me from a checkout: $KERNELS_DIR has no requirements.txt/gateway_config.py/sdk"
fi
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  die "bad --port: $PORT"
fi
[ -z "$MAX_KERNELS" ] || [[ "$MAX_KERNELS" =~ ^[1-9][0-9]*$ ]] || die "bad --max-kernels: $MAX_KERNELS"
[ -z "$TORCH_VERSION" ] || [[ "$TORCH_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+([+.][A-Za-z0-9.]+)?$ ]] \
  || die "--torch needs an exact version such as 2.13.0, got: $TORCH_VERSION"
if [ -n "$TLS_CERT$TLS_KEY" ]; then
  if [ ! -f "$TLS_CERT" ] || [ ! -f "$TLS_KEY" ]; then
    die "--tls-cert and --tls-key must both name existing files"
  fi
  TLS_CERT="$(cd "$(dirname "$TLS_CERT")" && pwd)/$(basename "$TLS_CERT")"
  TLS_KEY="$(cd "$(dirname "$TLS_KEY")" && pwd)/$(basename "$TLS_KEY")"
fi
if [ "$USE_SYSTEMD" = 1 ]; then
  [ "$(id -u)" -eq 0 ] || die "run as root (or use --no-systemd)"
  if ! command -v systemctl >/dev/null || [ ! -d /run/systemd/system ]; then
    die "systemd is not running here; use --no-systemd and start the gateway yourself"
  fi
  command -v curl >/dev/null || die "curl is needed to check the gateway (apt-get install curl)"
else
  # Without systemd everything stays under --prefix, owned by the caller.
  ETC_DIR="$PREFIX/etc"; ENV_FILE="$ETC_DIR/gateway.env"; STATE_DIR="$PREFIX/state"
fi
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (install Python >= 3.11)"
"$PYTHON" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' \
  || die "$PYTHON must be Python >= 3.11 with the venv module (the pinned numpy/pandas need it)"

# --- token (keep the existing one on re-runs) -------------------------------------------
if [ -z "$TOKEN" ] && [ -f "$ENV_FILE" ]; then
  TOKEN="$(sed -n 's/^KG_AUTH_TOKEN=//p' "$ENV_FILE" | head -n 1)"
fi
if [ -z "$TOKEN" ]; then
  TOKEN="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')"
  log "generated a new access token"
fi
[ "${#TOKEN}" -ge 16 ] || die "the token must be at least 16 characters"
[[ "$TOKEN" =~ ^[A-Za-z0-9._~+/=-]+$ ]] || die "the token may only use URL-safe characters"

# --- service user ------------------------------------------------------------------------
if [ "$USE_SYSTEMD" = 1 ] && ! id "$SERVICE_USER" >/dev/null 2>&1; then
  log "creating system user $SERVICE_USER (home $STATE_DIR)"
  useradd --system --home-dir "$STATE_DIR" --create-home --shell /usr/sbin/nologin "$SERVICE_USER"
fi

# --- venv + packages -------------------------------------------------------------------
log "installing into $PREFIX"
mkdir -p "$PREFIX" "$ETC_DIR" "$STATE_DIR/work"
install -m 0644 "$KERNELS_DIR/requirements.txt" "$PREFIX/requirements.txt"
install -m 0644 "$KERNELS_DIR/gateway_config.py" "$PREFIX/gateway_config.py"
[ -x "$PREFIX/venv/bin/python" ] || "$PYTHON" -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/python" -m pip install --quiet --upgrade pip
"$PREFIX/venv/bin/python" -m pip install --quiet -r "$PREFIX/requirements.txt"
# The studio's Python SDK (`import studio`): notebooks log runs with it and jobs run through
# `studio._runner`. Reinstalled on every run so a pulled checkout updates it.
log "installing the studio SDK (kernels/sdk)"
"$PREFIX/venv/bin/python" -m pip install --quiet --no-deps --force-reinstall "$KERNELS_DIR/sdk"
if [ -n "$TORCH_VERSION" ]; then
  # Pin rule: always an exact torch version, never a bare `torch`.
  log "installing torch==$TORCH_VERSION"
  if [ -n "$TORCH_INDEX_URL" ]; then
    # requirements.txt pins torch too: without --force-reinstall the same version from PyPI stays.
    "$PREFIX/venv/bin/python" -m pip install --quiet --force-reinstall "torch==$TORCH_VERSION" --index-url "$TORCH_INDEX_URL"
  else
    "$PREFIX/venv/bin/python" -m pip install --quiet "torch==$TORCH_VERSION"
  fi
fi
"$PREFIX/venv/bin/python" -m pip check
if [ "$USE_SYSTEMD" = 1 ]; then
  # The kernels run as this user: let notebooks `%pip install` into the venv.
  chown -R "$SERVICE_USER:" "$PREFIX/venv" "$STATE_DIR"
fi

# --- gateway environment (token file readable by root only) -----------------------------------
umask 077
{
  echo "# Written by kernels/host/setup-gpu-host.sh; read by $SERVICE.service"
  echo "KG_IP=$IP"
  echo "KG_PORT=$PORT"
  echo "KG_AUTH_TOKEN=$TOKEN"
  echo "STUDIO_KERNEL_ROOT_DIR=$STATE_DIR/work"
  [ -z "$MAX_KERNELS" ] || echo "KG_MAX_KERNELS=$MAX_KERNELS"
  [ -z "$TLS_CERT" ] || echo "KG_CERTFILE=$TLS_CERT"
  [ -z "$TLS_KEY" ] || echo "KG_KEYFILE=$TLS_KEY"
} > "$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"
umask 022

COMMAND="$PREFIX/venv/bin/jupyter kernelgateway --config $PREFIX/gateway_config.py"

# --- systemd unit -------------------------------------------------------------------------
if [ "$USE_SYSTEMD" = 1 ]; then
  log "writing /etc/systemd/system/$SERVICE.service"
  cat > "/etc/systemd/system/$SERVICE.service" <<EOF
[Unit]
Description=Studio compute host (Jupyter Kernel Gateway)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
EnvironmentFile=$ENV_FILE
Environment=HOME=$STATE_DIR
Environment=JUPYTER_RUNTIME_DIR=$STATE_DIR/runtime
WorkingDirectory=$STATE_DIR/work
ExecStart=$COMMAND
Restart=on-failure
RestartSec=5
# SIGTERM goes to the gateway alone, which shuts its kernels down; whatever is
# left after TimeoutStopSec is killed.
KillMode=mixed
TimeoutStopSec=30
NoNewPrivileges=true
PrivateTmp=true

[Install]
WantedBy=multi-user.target
EOF
  systemctl daemon-reload
  systemctl enable "$SERVICE" >/dev/null
  systemctl restart "$SERVICE"
fi

# --- print what the admin needs -------------------------------------------------------------
SCHEME=http
[ -z "$TLS_CERT" ] || SCHEME=https
if [ -z "$PUBLIC_HOST" ]; then
  case "$IP" in
    0.0.0.0|::) PUBLIC_HOST="$(hostname -I 2>/dev/null | awk '{print $1}')"; PUBLIC_HOST="${PUBLIC_HOST:-$(hostname)}" ;;
    *) PUBLIC_HOST="$IP" ;;
  esac
fi
case "$PUBLIC_HOST" in *:*) PUBLIC_HOST="[$PUBLIC_HOST]" ;; esac
LOCAL_HOST="$IP"
case "$IP" in 0.0.0.0) LOCAL_HOST=127.0.0.1 ;; ::) LOCAL_HOST="[::1]" ;; *:*) LOCAL_HOST="[$IP]" ;; esac
URL="$SCHEME://$PUBLIC_HOST:$PORT"

if [ "$USE_SYSTEMD" = 1 ]; then
  log "waiting for the gateway to answer"
  ok=0
  for _ in $(seq 1 60); do
    if curl -fsS -k -o /dev/null -H "Authorization: token $TOKEN" "$SCHEME://$LOCAL_HOST:$PORT/api" 2>/dev/null; then
      ok=1; break
    fi
    sleep 1
  done
  [ "$ok" = 1 ] || die "the gateway did not answer on port $PORT; see: journalctl -u $SERVICE -n 50"
  log "$SERVICE is running (journalctl -u $SERVICE -f for its log)"
else
  echo
  echo "Start the gateway with:"
  echo "  set -a; . $ENV_FILE; set +a; $COMMAND"
fi

cat <<EOF

Add this host in the studio: Admin -> Compute hosts -> Add
  URL:   $URL
  Token: $TOKEN

Check from the studio's machine:
  curl -H "Authorization: token $TOKEN" $URL/api

EOF
if [ "$SCHEME" = http ] && [ "$IP" != 127.0.0.1 ] && [ "$IP" != ::1 ]; then
  cat <<EOF
WARNING: the gateway listens on $IP over plain HTTP; the token travels in a
header in clear text. Allow the port only from the studio's address (firewall),
and put it behind TLS (--tls-cert/--tls-key or a reverse proxy) or an SSH tunnel.
EOF
fi
