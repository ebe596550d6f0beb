#!/bin/sh
# Start or talk to the lab PBX, configured from this directory, with its runtime files in $LAB_PBX_RUN.
# Uses an installed Asterisk ($ASTERISK, else `asterisk` on PATH); it never builds one.
#   ./run.sh                        start it in the background (AMI on 127.0.0.1:5038), if not running
#   ./run.sh -fvvv                  run it in the foreground with a console
#   ./run.sh -rx 'core show version'
#   ./run.sh -rx 'core stop now'    stop it
# Any arguments go to asterisk, after -C <the generated asterisk.conf>, so this script can stand in for
# the binary: TELEPHONY_TEST_ASTERISK=<this dir>/run.sh.
set -eu

LAB=$(cd "$(dirname "$0")" && pwd -P)
RUN=${LAB_PBX_RUN:-${TMPDIR:-/tmp}/telephony-lab-pbx}
BIN=${ASTERISK:-$(command -v asterisk || true)}
[ -x "$BIN" ] || { echo "run.sh: no asterisk binary: put it on PATH or set ASTERISK" >&2; exit 1; }
BIN=$(readlink -f "$BIN")
PREFIX=$(dirname "$(dirname "$BIN")")

# The installed modules (override with ASTERISK_MODULES) and, if there, the XML documentation.
MODULES=${ASTERISK_MODULES:-}
for dir in "$PREFIX/lib/asterisk/modules" "$PREFIX/lib64/asterisk/modules" "$PREFIX"/lib/*/asterisk/modules; do
	[ -n "$MODULES" ] || { [ -d "$dir" ] && MODULES=$dir; }
done
[ -n "$MODULES" ] || { echo "run.sh: no modules dir under $PREFIX: set ASTERISK_MODULES" >&2; exit 1; }

mkdir -p "$RUN/data" "$RUN/lib" "$RUN/cache" "$RUN/spool/monitor" "$RUN/run" "$RUN/log"
ln -sfn "$LAB/sounds" "$RUN/data/sounds"
for docs in "$PREFIX/var/lib/asterisk/documentation" "$PREFIX/share/asterisk/documentation"; do
	[ -d "$docs" ] && ln -sfn "$docs" "$RUN/data/documentation" && break
done
sed -e "s|@LAB@|$LAB|g" -e "s|@RUN@|$RUN|g" -e "s|@MODULES@|$MODULES|g" -e "s|@SBIN@|$(dirname "$BIN")|g" \
	"$LAB/asterisk.conf" > "$RUN/asterisk.conf"

ast() { "$BIN" -C "$RUN/asterisk.conf" "$@"; }
[ $# -eq 0 ] || exec "$BIN" -C "$RUN/asterisk.conf" "$@"

# Start: once only (an instance still shutting down is waited for), and return once it is fully booted.
pid=$(cat "$RUN/run/asterisk.pid" 2>/dev/null || true)
tries=0
while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do
	case $(ast -rx 'core show uptime' 2>/dev/null || true) in
	*"System uptime"*) echo "lab PBX already running (pid $pid)"; exit 0 ;;
	esac
	tries=$((tries + 1))
	[ $tries -lt 30 ] || { echo "run.sh: pid $pid neither answers nor exits" >&2; exit 1; }
	sleep 0.5
done
ast
for _ in 1 2 3 4 5 6 7 8 9 10; do
	ast -rx 'core waitfullybooted' >/dev/null 2>&1 && { echo "lab PBX up: $RUN"; exit 0; }
	sleep 1
done
echo "run.sh: the lab PBX did not come up; see $RUN/log/messages.log" >&2; exit 1
