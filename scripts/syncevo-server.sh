#!/usr/bin/env bash
# Runs SyncEvolution's SyncML DS 1.2 server (Debian 12 packages, see scripts/install-peers.sh)
# on 127.0.0.1 only, in a private D-Bus session, with the HOME / XDG_* folders of the caller.
#
#   scripts/syncevo-server.sh PORT [DIR]
#
# Serves http://127.0.0.1:PORT/syncevolution until killed (kill the process group: the D-Bus
# daemon and syncevo-dbus-server are in it too). DIR (default $HOME) receives the patched copy
# of /usr/bin/syncevo-http-server that this script makes at run time from the installed file:
#   - its first line is `#!@PYTHON@` (a packaging bug): the copy runs with /usr/bin/python3,
#     which has the Debian `dbus` and `twisted` modules;
#   - it listens on every interface: the copy passes interface='127.0.0.1' to listenTCP.
# Peers (one per SyncML device id) are configured with `syncevolution --configure` under the
# same HOME / XDG_* folders; tests/src/syncevo.rs does that.
set -euo pipefail

PORT="${1:?usage: $0 PORT [DIR]}"
DIR="${2:-$HOME}"
SRC=/usr/bin/syncevo-http-server
DBUS_SERVER=/usr/libexec/syncevo-dbus-server

for f in "$SRC" "$DBUS_SERVER" /usr/bin/dbus-run-session /usr/bin/dbus-send /usr/bin/python3; do
    [ -x "$f" ] || { echo "$f not found: run scripts/install-peers.sh" >&2; exit 1; }
done

if [ -z "${SYNCHRO_SYNCEVO_IN_DBUS:-}" ]; then
    COPY="$DIR/syncevo-http-server.py"
    mkdir -p "$DIR"
    sed -e '1s|^#!.*$|#!/usr/bin/python3|' \
        -e "s|reactor\.listenTCP(url\.port, site)|reactor.listenTCP(url.port, site, interface='127.0.0.1')|" \
        "$SRC" >"$COPY"
    if ! grep -q "interface='127.0.0.1'" "$COPY" || grep -q 'listenTCP(url.port, site)$' "$COPY"; then
        echo "cannot patch $SRC to listen on 127.0.0.1 only (changed upstream?)" >&2
        exit 1
    fi
    # A private session bus (no X11, no system bus); its config activates nothing we need.
    exec env SYNCHRO_SYNCEVO_IN_DBUS="$COPY" /usr/bin/dbus-run-session -- "$0" "$PORT" "$DIR"
fi

# Inside the D-Bus session: start the SyncML engine, wait for its bus name, then the HTTP
# front end (which would otherwise D-Bus-activate a second engine on its first request).
"$DBUS_SERVER" --duration=unlimited --no-syslog --verbosity=1 --dbus-verbosity=1 &
for _ in $(seq 1 300); do
    if /usr/bin/dbus-send --session --print-reply --dest=org.freedesktop.DBus \
        /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.syncevolution \
        2>/dev/null | grep -q 'boolean true'; then
        exec /usr/bin/python3 "$SYNCHRO_SYNCEVO_IN_DBUS" "http://127.0.0.1:$PORT/syncevolution"
    fi
    kill -0 $! 2>/dev/null || { echo "syncevo-dbus-server exited" >&2; exit 1; }
    sleep 0.1
done
echo "syncevo-dbus-server did not show up on D-Bus" >&2
exit 1
