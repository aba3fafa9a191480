#!/usr/bin/env bash
# The demo: a real Radicale on 127.0.0.1 holding a term of university lectures, synced into a
# local folder that plays the phone; then an edit and a deletion on each side, a dry run, a
# second sync, and the account's status. Leaves nothing running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing the servers and tools (once)"
bash scripts/install-peers.sh

say "Building synchro"
cargo build --quiet -p synchro
SYNCHRO="$ROOT/target/debug/synchro"

WORK="$(mktemp -d /tmp/synchro-demo.XXXXXX)"
RADICALE_PID=""
cleanup() {
    if [ -n "$RADICALE_PID" ]; then kill "$RADICALE_PID" 2>/dev/null || true; wait "$RADICALE_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(.peers/tools/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
USER_NAME=alice
PASSWORD="demo-$(date +%s)"
BASE="http://127.0.0.1:$PORT"
CAL="$BASE/$USER_NAME/university/"

say "Starting Radicale on 127.0.0.1:$PORT"
HASH="$(.peers/radicale/bin/python -c 'import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(4)).decode())' "$PASSWORD")"
echo "$USER_NAME:$HASH" > "$WORK/users"
cat > "$WORK/radicale.conf" <<CONF
[server]
hosts = 127.0.0.1:$PORT
[auth]
type = htpasswd
htpasswd_filename = $WORK/users
htpasswd_encryption = bcrypt
[rights]
type = owner_only
[storage]
filesystem_folder = $WORK/collections
[logging]
level = warning
CONF
.peers/radicale/bin/radicale --config "$WORK/radicale.conf" >"$WORK/radicale.log" 2>&1 &
RADICALE_PID=$!
for _ in $(seq 100); do
    curl -s -o /dev/null "$BASE/" && break
    sleep 0.1
done
curl -sf -u "$USER_NAME:$PASSWORD" -X MKCALENDAR "$CAL" -o /dev/null

say "Seeding the server with a term of lectures (moved and cancelled sessions, all-day events, alarms, meetings)"
.peers/tools/bin/python scripts/seed.py --count 300 --seed 42 --ics "$WORK/term.ics"
grep -c '^BEGIN:VEVENT' "$WORK/term.ics" | xargs printf '%s VEVENTs (masters and moved sessions) in 300 resources\n'
.peers/tools/bin/python scripts/upload.py --url "$CAL" --user "$USER_NAME" --password "$PASSWORD" --ics "$WORK/term.ics"

export SYNCHRO_DB="$WORK/synchro.db"
export SYNCHRO_PASSWORD="$PASSWORD"
PHONE="$WORK/phone"

# The demo server is plain http on 127.0.0.1 with Basic auth: allowed explicitly.
say "synchro account add university --caldav $BASE/ --username $USER_NAME --local vdir:$PHONE --allow-insecure-http"
"$SYNCHRO" account add university --caldav "$BASE/" --username "$USER_NAME" --local "vdir:$PHONE" \
    --allow-insecure-http

say "First sync: the server's calendar comes down to the phone"
"$SYNCHRO" sync university
find "$PHONE" -name '*.ics' | wc -l | xargs printf 'the phone now holds %s events\n'

say "A sync with nothing to do costs one request (two here: over plain http, the password waits for the server's 401)"
"$SYNCHRO" sync university

say "Edits on both sides"
PHONE_EDIT="$(grep -l '^RRULE' "$PHONE"/*.ics | head -n 1 || true)"
sed -i 's/^SUMMARY:\([^\r]*\)/SUMMARY:\1 (salle changée sur le téléphone)/' "$PHONE_EDIT"
echo "phone:  renamed   $(grep -m1 '^SUMMARY' "$PHONE_EDIT" | cut -c9-)"
PHONE_DEL="$(grep -L '^RRULE' "$PHONE"/*.ics | head -n 1 || true)"
echo "phone:  deleted   $(grep -m1 '^SUMMARY' "$PHONE_DEL" | cut -c9-)"
rm "$PHONE_DEL"
cat > "$PHONE/rdv-medecin.ics" <<ICS
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Demo//phone//FR
BEGIN:VEVENT
UID:rdv-medecin-demo
DTSTAMP:20250901T080000Z
DTSTART;TZID=Europe/Paris:20251015T083000
DTEND;TZID=Europe/Paris:20251015T091500
SUMMARY:Rendez-vous médecin
BEGIN:VALARM
ACTION:DISPLAY
TRIGGER:-PT30M
DESCRIPTION:Rendez-vous
END:VALARM
END:VEVENT
END:VCALENDAR
ICS
echo "phone:  added     Rendez-vous médecin"

HREFS="$(curl -sf -u "$USER_NAME:$PASSWORD" -X PROPFIND -H 'Depth: 1' "$CAL" | grep -o '<[a-zA-Z:]*href>[^<]*\.ics<' | sed 's/<[^>]*>//; s/<$//' | grep -v -F "$(basename "$PHONE_EDIT" .ics)" | head -n 2 || true)"
SERVER_EDIT="$(echo "$HREFS" | sed -n 1p)"
SERVER_DEL="$(echo "$HREFS" | sed -n 2p)"
curl -sf -u "$USER_NAME:$PASSWORD" "$BASE$SERVER_EDIT" | sed 's/^SUMMARY:\([^\r]*\)/SUMMARY:\1 (reporté par le secrétariat)/' > "$WORK/edit.ics"
curl -sf -u "$USER_NAME:$PASSWORD" -X PUT -H 'Content-Type: text/calendar' --data-binary @"$WORK/edit.ics" "$BASE$SERVER_EDIT" -o /dev/null
echo "server: renamed   $(grep -m1 '^SUMMARY' "$WORK/edit.ics" | cut -c9- | tr -d '\r')"
curl -sf -u "$USER_NAME:$PASSWORD" -X DELETE "$BASE$SERVER_DEL" -o /dev/null
echo "server: deleted   $SERVER_DEL"

say "What the next sync would do (--dry-run changes nothing)"
"$SYNCHRO" sync university --dry-run

say "Second sync"
"$SYNCHRO" sync university

say "Both sides agree"
"$SYNCHRO" sync university --json
"$SYNCHRO" status university

say "What happened, and the backups taken on the way"
"$SYNCHRO" log university
"$SYNCHRO" backup list university
echo
echo "Demo done: Radicale stopped, temporary files removed."
