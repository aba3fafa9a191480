#!/usr/bin/env bash
# Installs the real servers and tools the integration tests and the demo run against, on a
# fresh Debian 12 machine, as root. Idempotent and quick when everything is already there.
#
#   Debian packages: radicale (3.1.8), xandikos (0.2.8), apache2-bin (the Digest-auth proxy in
#                    front of Xandikos), apache2-utils, python3-bcrypt, python3-venv, curl,
#                    syncevolution + syncevolution-http (2.0.0, the SyncML DS 1.2 server),
#                    dbus (its session bus), python3-twisted (a dependency Debian forgot)
#   .peers/radicale  venv with Radicale 3.9 from PyPI (+ bcrypt)
#   .peers/xandikos  venv with Xandikos 0.4.10 from PyPI
#   .peers/tools     venv with icalendar (used by scripts/seed.py and scripts/upload.py)
#
# One line per step on stdout; the details go to .peers/install.log.
# Nothing is started: the tests start their own servers on 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS="$ROOT/.peers"
LOG="$PEERS/install.log"
mkdir -p "$PEERS"
: >"$LOG"

# Versions the tests were written against (the behaviours in shared/reference/peers.md).
RADICALE_PIP="radicale==3.9.* bcrypt"
XANDIKOS_PIP="xandikos==0.4.10"
TOOLS_PIP="icalendar>=6"
# apache2-bin holds the httpd binary and its modules without the service scripts, so nothing
# gets started on port 80.
# syncevo-http-server needs python3-twisted but does not depend on it.
APT_PACKAGES=(radicale xandikos apache2-bin apache2-utils python3-bcrypt python3-venv curl
    syncevolution syncevolution-http dbus python3-twisted)

step() { printf '%-48s' "$1"; }
ok() { echo "${1:-ok}"; }
fail() {
    echo "FAILED (see $LOG)"
    tail -n 20 "$LOG" >&2
    exit 1
}

# --- Debian packages -------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
step "Debian packages"
if [ ${#missing[@]} -eq 0 ]; then
    ok "already installed"
else
    if [ "$(id -u)" -ne 0 ]; then
        echo "need root to install: ${missing[*]}"
        exit 1
    fi
    # Never let a package start its service (the tests run their own instances on 127.0.0.1).
    created_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        created_policy=1
    fi
    {
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q &&
            apt-get install -y -q --no-install-recommends "${missing[@]}"
    } >>"$LOG" 2>&1 || { [ $created_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d; fail; }
    [ $created_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    ok "installed ${missing[*]}"
fi

# --- Python venvs ----------------------------------------------------------------------------
# Debian's python3 (not a pyenv shim): its venv module is guaranteed by python3-venv.
PY=/usr/bin/python3

# venv NAME "PIP SPEC" CHECK-COMMAND...
venv() {
    local name="$1" spec="$2"
    shift 2
    local dir="$PEERS/$name" stamp="$PEERS/$name/.installed"
    step "venv .peers/$name ($spec)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$spec" ] && "$@" >>"$LOG" 2>&1; then
        ok "already installed"
        return
    fi
    rm -rf "$dir"
    {
        "$PY" -m venv "$dir" &&
            "$dir/bin/pip" install -q --disable-pip-version-check $spec &&
            "$@"
    } >>"$LOG" 2>&1 || fail
    echo "$spec" >"$stamp"
    ok "$("$@" 2>&1 | tail -n 1)"
}

venv radicale "$RADICALE_PIP" "$PEERS/radicale/bin/radicale" --version
venv xandikos "$XANDIKOS_PIP" "$PEERS/xandikos/bin/python" -c \
    'import importlib.metadata as m; print("xandikos", m.version("xandikos"))'
venv tools "$TOOLS_PIP" "$PEERS/tools/bin/python" -c \
    'import importlib.metadata as m; print("icalendar", m.version("icalendar"))'

# --- Checks ------------------------------------------------------------------------------------
step "Debian binaries"
for b in /usr/bin/radicale /usr/bin/xandikos /usr/sbin/apache2 /usr/bin/htdigest \
    /usr/bin/syncevolution /usr/bin/syncevo-http-server /usr/bin/dbus-run-session \
    /usr/libexec/syncevo-dbus-server; do
    [ -x "$b" ] || { echo "missing $b"; exit 1; }
done
for m in mod_auth_digest mod_proxy mod_proxy_http mod_authn_file mod_authz_user; do
    [ -f "/usr/lib/apache2/modules/$m.so" ] || { echo "missing apache2 module $m"; exit 1; }
done
ok "$(/usr/bin/python3 -c 'import importlib.metadata as m; print("radicale", m.version("radicale"), "xandikos", m.version("xandikos"))' 2>/dev/null || echo ok)"
