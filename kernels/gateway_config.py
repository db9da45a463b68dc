# Jupyter Kernel Gateway configuration for a studio compute host.
#
# Launch (from the repository root):
#   KG_AUTH_TOKEN=... KG_PORT=8888 kernels/.venv/bin/jupyter kernelgateway \
#       --config kernels/gateway_config.py
#
# Settings come from the environment variables the gateway itself understands
# (names checked in kernel_gateway/gatewayapp.py of jupyter-kernel-gateway 3.0.1):
#   KG_IP          address to bind            (default here: 127.0.0.1)
#   KG_PORT        port to bind               (default here: 8888)
#   KG_AUTH_TOKEN  shared secret; clients send `Authorization: token <KG_AUTH_TOKEN>`
#   KG_MAX_KERNELS cap on running kernels     (default: unbounded)
#   KG_CERTFILE / KG_KEYFILE  serve HTTPS directly (else put TLS in front)
# plus a few of our own (STUDIO_*), documented below.
#
# NOTE: `jupyter kernelgateway --config PATH` silently ignores a PATH that does
# not exist, and only *logs* ordinary exceptions raised in this file. That is
# why the token check below raises SystemExit: it is the only way a config file
# can stop the gateway from starting.

import os
import sys

c = get_config()  # noqa: F821  (injected by the traitlets config loader)


def _env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"gateway_config: {name} must be an integer, got {value!r}") from None


def _env_flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


# --- API ----------------------------------------------------------------------
# The jupyter_websocket personality is the Jupyter Server kernels REST +
# WebSocket API (/api, /api/kernelspecs, /api/kernels, /api/kernels/<id>/channels),
# which is what @jupyterlab/services speaks. Set explicitly so a stray KG_API in
# the environment cannot switch the host to the notebook-http personality.
c.KernelGatewayApp.api = "kernel_gateway.jupyter_websocket"

# --- Bind address ----------------------------------------------------------------
# Loopback by default: a host must opt in to listening on a network interface.
c.KernelGatewayApp.ip = os.environ.get("KG_IP", "127.0.0.1")
c.KernelGatewayApp.port = _env_int("KG_PORT", 8888)
# The gateway's default is to try 50 other ports when KG_PORT is taken, which
# would leave the studio pointing at the wrong port. Fail instead.
c.KernelGatewayApp.port_retries = _env_int("KG_PORT_RETRIES", 0)

# --- Authentication ------------------------------------------------------------
# Every REST and WebSocket request must carry the token (header
# `Authorization: token <t>` or query `?token=<t>`); otherwise 401.
_token = os.environ.get("KG_AUTH_TOKEN", "").strip()
if not _token:
    if not _env_flag("STUDIO_ALLOW_NO_TOKEN"):
        raise SystemExit(
            "gateway_config: refusing to start without KG_AUTH_TOKEN "
            "(anyone who can reach the port could run code on this machine). "
            "Set KG_AUTH_TOKEN, or STUDIO_ALLOW_NO_TOKEN=1 for a throw-away local test."
        )
    print("gateway_config: WARNING: running WITHOUT authentication", file=sys.stderr)
elif len(_token) < 16 and not _env_flag("STUDIO_ALLOW_WEAK_TOKEN"):
    raise SystemExit(
        "gateway_config: KG_AUTH_TOKEN is shorter than 16 characters; use a random "
        "token, e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`."
    )
c.KernelGatewayApp.auth_token = _token
# Kernels inherit the gateway's environment. Drop the token from it so notebook
# code does not see it in os.environ. Defence in depth only: kernels run as the
# same OS user as the gateway, and /proc/<gateway pid>/environ still holds the
# token. On the studio's local host the gateway and its kernels share one
# bubblewrap sandbox (scripts/lib/setup.mjs `sandboxed`), which keeps them away
# from the studio's own files and processes, not from each other.
os.environ.pop("KG_AUTH_TOKEN", None)

# --- CORS ------------------------------------------------------------------------
# No origins: browsers never talk to a host directly, the studio's server does
# (server-side clients send no Origin header, which the gateway accepts).
# Cross-origin browser WebSockets are therefore rejected.
c.KernelGatewayApp.allow_origin = ""
c.KernelGatewayApp.allow_credentials = ""

# --- Kernel listing -------------------------------------------------------------
# GET /api/kernels and /api/sessions answer 403 unless this is on; the studio
# lists running kernels per host.
c.JupyterWebsocketPersonality.list_kernels = True
# Clients may pass KERNEL_* variables in POST /api/kernels {"env": {...}} (the
# gateway always allows KERNEL_*); nothing else.
c.JupyterWebsocketPersonality.env_whitelist = []

# --- Kernels ---------------------------------------------------------------------
c.KernelGatewayApp.default_kernel_name = os.environ.get("STUDIO_DEFAULT_KERNEL", "python3")
# Upper bound on concurrent kernels (POST /api/kernels -> 403 "Resource Limit").
_max_kernels = _env_int("KG_MAX_KERNELS", 0)
if _max_kernels > 0:
    c.KernelGatewayApp.max_kernels = _max_kernels
# Working directory of kernels (the gateway's default is its own cwd).
if os.environ.get("STUDIO_KERNEL_ROOT_DIR"):
    c.MappingKernelManager.root_dir = os.environ["STUDIO_KERNEL_ROOT_DIR"]

# --- Idle-kernel culling ----------------------------------------------------------
# Kernels hold RAM and, on GPU hosts, GPU memory until shut down; users forget them.
# * cull_idle_timeout 3600 s: an hour without any execution/activity is well past a
#   coffee break, and frees a GPU the same afternoon. STUDIO_CULL_IDLE_TIMEOUT
#   overrides (0 disables culling).
# * cull_interval 300 s: checking every 5 minutes costs nothing and means a kernel
#   lives at most timeout + 5 min.
# * cull_busy False: a kernel that is running a cell (a long training run) is never
#   culled, however long it takes.
# * cull_connected True: the studio's server may keep a WebSocket open to every
#   kernel it knows about, so "someone is connected" does not mean "someone is
#   using it"; idleness (no messages) is what counts. STUDIO_CULL_CONNECTED=0
#   spares connected kernels instead.
c.MappingKernelManager.cull_idle_timeout = _env_int("STUDIO_CULL_IDLE_TIMEOUT", 3600)
c.MappingKernelManager.cull_interval = _env_int("STUDIO_CULL_INTERVAL", 300)
c.MappingKernelManager.cull_busy = False
c.MappingKernelManager.cull_connected = os.environ.get("STUDIO_CULL_CONNECTED", "1").strip().lower() not in (
    "0",
    "false",
    "no",
)

# --- Output rate limits ------------------------------------------------------------
# jupyter_server drops IOPub output above 1 MB/s or 1000 msg/s ("IOPub data rate exceeded").
# That protects a browser talking to the server directly; here the studio's server sits in
# between, persists every line and sends browsers a bounded view, so a cell printing 100,000
# lines must arrive whole. The limits stay on, raised far above what a kernel produces, so a
# runaway loop still cannot flood the connection. STUDIO_IOPUB_DATA_RATE (bytes/s) and
# STUDIO_IOPUB_MSG_RATE (msg/s) override them.
c.ZMQChannelsWebsocketConnection.iopub_data_rate_limit = float(_env_int("STUDIO_IOPUB_DATA_RATE", 1_000_000_000))
c.ZMQChannelsWebsocketConnection.iopub_msg_rate_limit = float(_env_int("STUDIO_IOPUB_MSG_RATE", 1_000_000))

# --- Logging -----------------------------------------------------------------------
c.KernelGatewayApp.log_level = os.environ.get("STUDIO_LOG_LEVEL", "INFO")
