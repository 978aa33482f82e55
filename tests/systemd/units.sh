#!/bin/sh
# The systemd units (systemd/*.service, docs/service.md): each one passes
# `systemd-analyze verify`, its `systemd-analyze security` exposure stays
# low, and its hardening is consistent with what the engine needs.  PID 1
# here is not systemd, so the engine is then run the way the unit would run
# it, as far as that can be done by hand: as an unprivileged uid with no
# capabilities and no_new_privs (setpriv), against a jackd of the same uid,
# under strace.  Every system call it makes must pass the unit's
# SystemCallFilter, every socket family its RestrictAddressFamilies, every
# file it writes must lie under its ReadWritePaths (or a private /tmp or
# its cache directory), and the state region must survive a restart.
# usage: units.sh DSPENGINE SOURCE_ROOT DSPCTL
engine=$(realpath "$1")
root=$2
dspctl=$(realpath "$3")
. "$root/tests/cli/lib.sh"
. "$root/tests/jack/lib.sh"

# systemd-analyze and strace come from Debian packages the engine itself
# does not need: install them here if they are missing (as root)
need_pkgs=""
command -v systemd-analyze >/dev/null || need_pkgs="$need_pkgs systemd"
command -v strace >/dev/null || need_pkgs="$need_pkgs strace"
if [ -n "$need_pkgs" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need_pkgs \
		>"$work/apt.log" 2>&1 || cat "$work/apt.log" >&2
fi
command -v systemd-analyze >/dev/null || fail "systemd-analyze (Debian package systemd) is not installed"
unit="$root/systemd/dspengine.service"

# 1. Every unit verifies (the binaries it names replaced by ours: verify
#    checks that ExecStart= is executable) and is reasonably confined
mkdir "$work/units"
for u in "$root"/systemd/*.service; do
	name=$(basename "$u")
	sed "s|/usr/local/bin/dspengine|$engine|" "$u" >"$work/units/$name"
	(cd "$work/units" && systemd-analyze verify "$name") >"$work/verify.txt" 2>&1 ||
		fail "systemd-analyze verify $name: $(cat "$work/verify.txt")"
	[ ! -s "$work/verify.txt" ] || fail "systemd-analyze verify $name warns: $(cat "$work/verify.txt")"
	(cd "$work/units" && systemd-analyze security --offline=true "$name") >"$work/sec.txt" 2>&1
	score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' "$work/sec.txt")
	[ -n "$score" ] || fail "systemd-analyze security $name: $(tail -3 "$work/sec.txt")"
	awk "BEGIN { exit !($score <= 2.5) }" || fail "$name: exposure $score > 2.5: $(grep '✗' "$work/sec.txt")"
	pass "$name verifies; systemd-analyze security exposure $score"
done
if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$work/sysroot/etc"
	systemd-sysusers --dry-run --root="$work/sysroot" "$root/systemd/dspengine.sysusers" \
		>"$work/sysusers.txt" 2>&1 || fail "sysusers: $(cat "$work/sysusers.txt")"
	grep -q "Creating user 'dspengine'" "$work/sysusers.txt" || fail "sysusers: $(cat "$work/sysusers.txt")"
	pass "dspengine.sysusers creates the system user"
fi

# 2. The directives the engine's needs decide (values as systemd would
#    read them: the last assignment wins, lists accumulate)
python3 - "$unit" >"$work/props.txt" <<'PY' || fail "unit directives: $(cat "$work/props.txt")"
import re, shlex, sys
props, lists = {}, {}
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line[0] in "#;[":
        continue
    key, value = line.split("=", 1)
    props[key] = value
    if value:
        lists.setdefault(key, []).extend(value.split())
    else:
        lists[key] = []
def need(cond, what):
    if not cond:
        print("unit: " + what)
        sys.exit(1)
need(props.get("User", "root") not in ("", "root"), "needs a dedicated User= (jackd runs as it)")
need(props.get("DynamicUser", "no") == "no", "DynamicUser= implies RemoveIPC=yes: the state region in /dev/shm would be deleted")
need(props.get("RemoveIPC") == "no", "RemoveIPC=no keeps the state region")
for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                   ("PrivateTmp", "yes"), ("ProtectHome", "yes"),
                   ("Restart", "always"), ("LimitMEMLOCK", "infinity")]:
    need(props.get(key) == value, f"{key}={value} expected, got {props.get(key)}")
need(int(props.get("LimitRTPRIO", "0")) >= 10, "LimitRTPRIO= must allow SCHED_FIFO")
need(props.get("RestrictRealtime", "no") == "no", "RestrictRealtime=yes forbids real-time audio")
need(props.get("MemoryDenyWriteExecute", "no") == "no", "MemoryDenyWriteExecute=yes breaks the Faust JIT")
need("@system-service" in lists.get("SystemCallFilter", []), "SystemCallFilter=@system-service")
need(props.get("CapabilityBoundingSet", None) == "", "CapabilityBoundingSet= (empty) expected")
argv = shlex.split(props["ExecStart"])
state = argv[argv.index("--state") + 1] if "--state" in argv else "/dev/shm/dspengine-state"
rw = lists.get("ReadWritePaths", [])
need(any(state == p or state.startswith(p.rstrip("/") + "/") for p in rw),
     f"--state {state} is not under ReadWritePaths {rw}")
need(not state.startswith("/tmp/"), "a state region in /tmp would be private (PrivateTmp)")
cache = [e.split("=", 1)[1] for e in lists.get("Environment", []) if e.startswith("DSP_FAUST_CACHE=")]
need(cache and cache[0].startswith("%C/" + props.get("CacheDirectory", "?")), "DSP_FAUST_CACHE must be in CacheDirectory=")
families = lists.get("RestrictAddressFamilies", [])
print("state", state)
print("families", " ".join(families))
allow = [v for v in lists.get("SystemCallFilter", []) if not v.startswith("~")]
deny = [v.lstrip("~") for v in lists.get("SystemCallFilter", []) if v.startswith("~")]
print("allow", " ".join(allow))
print("deny", " ".join(deny))
PY
state_in_unit=$(sed -n 's/^state //p' "$work/props.txt")
pass "dspengine.service: dedicated user, RemoveIPC=no, strict/private file system, RT limits, --state $state_in_unit writable"

# expand GROUP...: the system calls of systemd's filter groups, one a line
expand() {
	todo="$*"
	seen=" "
	while [ -n "$todo" ]; do
		set -- $todo
		g=$1
		shift
		todo="$*"
		case "$seen" in *" $g "*) continue ;; esac
		seen="$seen$g "
		case $g in
		@*)
			for x in $(systemd-analyze syscall-filter "$g" | grep -v '^ *#' | sed 1d); do
				todo="$todo $x"
			done
			;;
		*) echo "$g" ;;
		esac
	done | sort -u
}
expand $(sed -n 's/^allow //p' "$work/props.txt") >"$work/allow.txt"
expand $(sed -n 's/^deny //p' "$work/props.txt") >"$work/deny.txt"
comm -23 "$work/allow.txt" "$work/deny.txt" >"$work/filter.txt"
grep -qx sched_setscheduler "$work/filter.txt" && grep -qx mlockall "$work/filter.txt" ||
	fail "the filter lacks sched_setscheduler or mlockall"
pass "SystemCallFilter allows $(wc -l <"$work/filter.txt") calls, sched_setscheduler and mlockall among them"

# 3. The engine as the unit runs it, by hand
[ "$(id -u)" = 0 ] || {
	echo "not root: cannot switch to an unprivileged uid; skipping the run"
	exit 77
}
command -v strace >/dev/null || fail "strace (Debian package strace) is not installed"
uid=$((40000 + $$ % 20000))
drop="setpriv --reuid=$uid --regid=$uid --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all"
chmod 755 "$work"
mkdir -m 777 "$work/cache" "$work/tmp"
cp "$root/graphs/faust-code.json" "$work/graph.json"
chmod 644 "$work/graph.json"
state="/dev/shm/dsptest-unit-$uid"
rm -f "$state"
cleanup_unit() {
	rm -f "$state" /dev/shm/jack*"-$uid"-* /dev/shm/jack_sem."${uid}"_* /dev/shm/jack_*"_${uid}_"*
	rm -rf "/dev/shm/jack_db-$uid"
}
trap 'st=$?; cleanup_jack; cleanup_unit; wrap_report || st=1; exit $st' EXIT

jackd_pid=""
$drop jackd --no-realtime -d dummy -r 48000 -p 1024 >>"$work/jackd.log" 2>&1 &
jackd_pid=$!
i=0
while [ "$($drop jack_wait -c -s "$JACK_DEFAULT_SERVER" 2>/dev/null)" != running ]; do
	i=$((i + 1))
	[ $i -lt 250 ] || fail "jackd as uid $uid did not start: $(cat "$work/jackd.log")"
	sleep 0.02
done

# run_engine TRACE: the engine as uid $uid under strace, until "ready"
port=$((20000 + ($$ + 7) % 20000))
run_engine() {
	strace -f -qq -o "$1" -e trace=all -s 256 \
		$drop env -i PATH=/usr/bin:/bin HOME="$work/cache" TMPDIR="$work/tmp" \
		LV2_PATH=/usr/lib/lv2 DSP_FAUST_CACHE="$work/cache" \
		JACK_DEFAULT_SERVER="$JACK_DEFAULT_SERVER" JACK_NO_AUDIO_RESERVATION=1 \
		"$engine" --graph "$work/graph.json" --resume auto --state "$state" \
		--osc-port "$port" >"$work/engine.out" 2>"$work/engine.err" &
	strace_pid=$!
	wait_for "$work/engine.err" "dspengine: ready" 60 ||
		fail "engine as uid $uid not ready: $(cat "$work/engine.err")"
	engine_pid=$(pgrep -u "$uid" -x dspengine)
	[ -n "$engine_pid" ] || fail "no dspengine process of uid $uid"
}

# stop_traced: SIGTERM the engine; it (and so strace) must exit with 0
stop_traced() {
	kill -TERM "$engine_pid"
	engine_pid=""
	wait "$strace_pid"
	rc=$?
	[ $rc -eq 0 ] || fail "engine exited with $rc: $(cat "$work/engine.err")"
}
run_engine "$work/trace1.txt"
grep -q 'JACK client' "$work/engine.err" || fail "no JACK client: $(cat "$work/engine.err")"
"$dspctl" --port "$port" --timeout 10 set tone cutoff 1234 >"$work/ctl.txt" 2>&1 ||
	fail "dspctl set: $(cat "$work/ctl.txt")"
stop_traced
[ "$(stat -c %u "$state")" = "$uid" ] || fail "state region not owned by uid $uid"
pass "engine as uid $uid (no capabilities, no_new_privs) joins the jackd of its uid, answers OSC, checkpoints to $state"

# The state region survives the restart and is resumed
run_engine "$work/trace2.txt"
grep -q 'resuming checkpoint' "$work/engine.err" || fail "not resumed: $(cat "$work/engine.err")"
"$dspctl" --port "$port" --timeout 10 get tone cutoff >"$work/ctl.txt" 2>&1 ||
	fail "dspctl get: $(cat "$work/ctl.txt")"
grep -q "cutoff 1234" "$work/ctl.txt" || fail "resumed value: $(cat "$work/ctl.txt")"
stop_traced
pass "a restarted engine resumes the checkpoint (cutoff 1234)"

# What the traces show against the unit's restrictions: the engine's part
# (after its execve) of both runs
for t in "$work/trace1.txt" "$work/trace2.txt"; do
	awk -v e="$engine" 'index($0, "execve(\"" e "\"") && / = 0$/ { on = 1 } on' "$t"
done >"$work/trace.txt"
[ -s "$work/trace.txt" ] || fail "empty trace"
sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' "$work/trace.txt" | sort -u >"$work/used.txt"
comm -23 "$work/used.txt" "$work/filter.txt" >"$work/denied.txt"
[ ! -s "$work/denied.txt" ] ||
	fail "system calls the unit's SystemCallFilter denies: $(tr '\n' ' ' <"$work/denied.txt")"
pass "all $(wc -l <"$work/used.txt") system calls the engine made pass SystemCallFilter"

families=" $(sed -n 's/^families //p' "$work/props.txt") "
for f in $(grep -o 'socket(AF_[A-Z0-9]*' "$work/trace.txt" | sed 's/socket(//' | sort -u); do
	case "$families" in *" $f "*) ;; *) fail "socket family $f not in RestrictAddressFamilies=$families" ;; esac
done
pass "socket families $(grep -o 'socket(AF_[A-Z0-9]*' "$work/trace.txt" | sed 's/socket(//' | sort -u | tr '\n' ' ')are allowed"

# Files opened for writing or created: /dev/shm (ReadWritePaths), the cache
# (CacheDirectory), the private /tmp
grep -E 'open(at)?\(.*O_(WRONLY|RDWR|CREAT)|mkdir(at)?\(|unlink(at)?\(|rename(at)?\(' "$work/trace.txt" |
	grep -v ' = -1 ' | grep -o '"[^"]*"' | tr -d '"' | sort -u >"$work/written.txt"
bad=$(grep -v -e '^/dev/shm/' -e "^$work/cache" -e "^$work/tmp" -e '^/tmp/' -e '^/dev/null$' "$work/written.txt")
[ -z "$bad" ] || fail "writes outside ReadWritePaths/CacheDirectory/PrivateTmp: $bad"
pass "$(wc -l <"$work/written.txt") paths written, all under /dev/shm, the cache or /tmp"

stop_jackd
cleanup_unit
echo "systemd units: $checks checks passed"
