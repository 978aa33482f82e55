#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""VM integration tests: boot the test guest through dspagent under real QEMU
(TCG here, KVM where it works) and inject faults at each layer.

usage: vmtest.py SCENARIO --agent DSPAGENT --kernel K --initrd I
                 --engine DSPENGINE [--workdir DIR] [--repeat N]

SCENARIO: boot | engine-restart | kexec-supervisor | kexec-panic |
          qemu-restart | all
Each scenario prints "TIMING <layer> <ms>" lines (fault -> engine ready).
Exit status 0 pass, 1 fail, 77 skip (meson's convention).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- OSC (just what the tests send) -----------------------------------------
def _pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def osc(path, *args):
    tags = ","
    data = b""
    for a in args:
        if isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        elif isinstance(a, float):
            tags += "f"
            data += struct.pack(">f", a)
        else:
            tags += "s"
            data += _pad(a.encode())
    return _pad(path.encode()) + _pad(tags.encode()) + data


def osc_parse(d):
    end = d.index(b"\0")
    path = d[:end].decode()
    off = (end + 4) & ~3
    tend = d.index(b"\0", off)
    tags = d[off + 1:tend].decode()
    off = (tend + 4) & ~3
    args = []
    for t in tags:
        if t == "i":
            args.append(struct.unpack(">i", d[off:off + 4])[0])
            off += 4
        elif t == "f":
            args.append(struct.unpack(">f", d[off:off + 4])[0])
            off += 4
        elif t == "s":
            e = d.index(b"\0", off)
            args.append(d[off:e].decode())
            off = (e + 4) & ~3
        else:
            break
    return path, args


class Guest:
    """One dspagent (and so one VM) in a private directory."""

    def __init__(self, opts):
        self.opts = opts
        self.dir = tempfile.mkdtemp(prefix="dspvm-", dir=opts.workdir)
        self.run = os.path.join(self.dir, "run")
        self.state = f"/dev/shm/dspvm-{os.getpid()}-{os.path.basename(self.dir)}"
        self.forward = free_udp_port()
        self.relay = free_udp_port()
        self.console_log = os.path.join(self.run, "console.log")
        self.conf = os.path.join(self.dir, "agent.conf")
        core = (os.cpu_count() or 1) - 1
        with open(self.conf, "w") as f:
            f.write(f"""# written by tests/vm/vmtest.py
[vm]
accel = {opts.accel}
kernel = {opts.kernel}
initrd = {opts.initrd}
append = console=ttyS0 quiet crashkernel=256M dspguest.period=1024 dspguest.quick_fail_s=2 {opts.append}
memory = {opts.memory}
core = {core}
run_dir = {self.run}
[state]
file = {self.state}
size = 16M
[osc]
guest_port = 9000
forward_port = {self.forward}
listen = 127.0.0.1:{self.relay}
[health]
mode = osc
interval_ms = 1000
timeout_ms = 120000
boot_grace_ms = 240000
[restart]
policy = always
backoff_initial_ms = 200
backoff_max_ms = 5000
""")
        self.agent_log = open(os.path.join(self.dir, "agent.log"), "w")
        self.proc = subprocess.Popen([opts.agent, "run", "-c", self.conf],
                                     stdout=self.agent_log, stderr=subprocess.STDOUT)
        self.t_start = time.monotonic()

    def close(self, keep=False):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.agent_log.close()
        for name in ("agent.log",):
            p = os.path.join(self.dir, name)
            print(f"--- {name} (last 40 lines)")
            print("".join(open(p).readlines()[-40:]), end="")
        print("--- console (dspguest lines)")
        try:
            for line in open(self.console_log, errors="replace"):
                if "dspguest:" in line or "Kernel panic" in line or "kexec" in line.lower():
                    print(line.rstrip())
        except OSError:
            pass
        try:
            os.unlink(self.state)
        except OSError:
            pass
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- Console ---------------------------------------------------------
    def console_text(self):
        try:
            with open(self.console_log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def count(self, pattern):
        return len(re.findall(pattern, self.console_text()))

    def wait_console(self, pattern, n=1, timeout=240):
        """Wait until `pattern` has appeared n times; return monotonic time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count(pattern) >= n:
                return time.monotonic()
            if self.proc.poll() is not None:
                raise AssertionError(f"dspagent exited ({self.proc.returncode})")
            time.sleep(0.05)
        raise AssertionError(f"timeout ({timeout} s) waiting for {pattern!r} x{n}")

    def send_console(self, cmd):
        path = os.path.join(self.run, "console.sock")
        for _ in range(50):
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                s.sendall(cmd.encode() + b"\n")
                time.sleep(0.2)
                s.close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("cannot connect to the guest console")

    # --- Agent -------------------------------------------------------------
    def status(self):
        r = subprocess.run([self.opts.agent, "status", "-c", self.conf, "--json"],
                           capture_output=True, text=True)
        return json.loads(r.stdout) if r.stdout.strip() else None

    def status_text(self):
        r = subprocess.run([self.opts.agent, "status", "-c", self.conf],
                           capture_output=True, text=True)
        return r.stdout + r.stderr

    def wait_agent_state(self, state, timeout=120, since_ns=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.status()
            if st and st["agent"]["state"] == state and st["agent"]["ready_ns"] >= since_ns:
                return st
            time.sleep(0.1)
        raise AssertionError(f"agent never reached state {state}")

    # --- OSC through the relay -------------------------------------------
    def osc_call(self, msg, timeout=10.0):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(timeout)
        s.sendto(msg, ("127.0.0.1", self.relay))
        try:
            d, _ = s.recvfrom(65536)
            return osc_parse(d)
        finally:
            s.close()


def engine_features(engine):
    h = subprocess.run([engine, "--help"], capture_output=True, text=True)
    text = h.stdout + h.stderr
    return ("--osc-port" in text, "--state" in text)


# --- Scenarios ---------------------------------------------------------------
def boot(g, feats):
    t = g.wait_console(r"dspguest: \[[0-9.]+\] engine ready", 1, timeout=300)
    log(f"TIMING cold-boot-to-engine-ready {1000 * (t - g.t_start):.0f} ms")
    st = g.wait_agent_state("running", timeout=120)
    log(f"agent: {st['agent']['last_event']} ({st['agent']['accel_reason']})")
    return t


def check_relay(g, feats):
    has_osc, has_state = feats
    # /ping through the relay, QEMU's forwarded port and the guest's network
    t0 = time.monotonic()
    path, args = g.osc_call(osc("/ping", 4242))
    assert (path, args) == ("/pong", [4242]), (path, args)
    log(f"relay: /ping 4242 -> /pong {args[0]} in {1000 * (time.monotonic() - t0):.1f} ms")
    if not has_osc:
        path, args = g.osc_call(osc("/hello", 7))
        assert path == "/done" and args[0] == "/hello", (path, args)
        log("SKIP part: the engine has no OSC yet (dspengine --help lacks --osc-port): "
            "/load and /set not tested; the relay was checked against the stand-in responder")
        return
    path, args = g.osc_call(osc("/load", "/etc/dspguest/graph.json"), timeout=60)
    assert path == "/done", (path, args)
    path, args = g.osc_call(osc("/set", "drive", "drive", 0.625))
    assert path == "/done", (path, args)
    path, args = g.osc_call(osc("/get", "drive", "drive"))
    assert path == "/done" and abs(args[-1] - 0.625) < 1e-6, (path, args)
    log("OSC through the relay: /load, /set drive.drive 0.625, /get -> 0.625")
    if not has_state:
        log("SKIP part: the engine has no --state: parameters not read back from the region")
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        st = g.status()
        eng = ((st or {}).get("engine") or {}).get("checkpoint")
        params = {(p["node"], p["param"]): p["value"] for p in (eng or {}).get("params", [])}
        if abs(params.get(("drive", "drive"), -1) - 0.625) < 1e-6:
            log("dspagent status (host side, state region): drive.drive = 0.625")
            print(g.status_text())
            return
        time.sleep(0.5)
    raise AssertionError("the parameter never reached the state region")


def snapshot(g):
    """(resumes, graph name, params) from the state region, or None."""
    st = g.status()
    eng = ((st or {}).get("engine") or {}).get("checkpoint")
    if not eng:
        return None
    params = {(p["node"], p["param"]): p["value"] for p in eng.get("params", [])}
    return (eng.get("counters", {}).get("resumes", 0),
            (eng.get("graph") or {}).get("name"), params)


def check_resumed(g, feats, what, before=None):
    if not feats[1]:
        log(f"SKIP part: resume after {what} not checked: dspengine --help lacks --state (issue 5)")
        return
    deadline = time.monotonic() + 30
    now = None
    while time.monotonic() < deadline:
        now = snapshot(g)
        if now and (before is None or now[0] > before[0]):
            break
        time.sleep(0.5)
    assert now, "no checkpoint in the state region"
    if before:
        assert now[0] > before[0], f"resumes did not increase: {before[0]} -> {now[0]}"
        assert now[1] == before[1], f"graph {before[1]} -> {now[1]}"
        assert now[2] == before[2], f"parameters changed: {before[2]} -> {now[2]}"
    log(f"resumed after {what}: graph {now[1]}, {len(now[2])} parameters, resumes {now[0]}")


def vm_restarts(g):
    st = g.status()
    return st["agent"]["restarts"] if st else None


def same_vm(g, before, what):
    """The guest recovered by itself: the agent restarted nothing."""
    after = vm_restarts(g)
    assert after == before, f"the agent restarted the VM during {what} ({before} -> {after})"


def breakdown(g, kind, t0, t_init, t_ready):
    """Where the time went, from the new kernel's own clock (uptime stamps
    on the console): before its clock starts (shutdown, kexec jump,
    purgatory, decompression), kernel boot to /init, /init to jackd, jackd
    to engine ready."""
    text = g.console_text()
    last = text.rfind(f"init: {kind} boot")

    def up(pattern):
        m = re.search(r"dspguest: \[([0-9.]+)\] " + pattern, text[text.rfind("\n", 0, last):])
        return float(m.group(1)) if m else None
    u_init = up(f"init: {kind} boot")
    u_jack = up("jackd running")
    u_ready = up("engine ready")
    if None in (u_init, u_jack, u_ready):
        return
    host_init = t_init - t0
    before = host_init - u_init
    log(f"BREAKDOWN {kind}: fault -> new kernel starts {1000 * before:.0f} ms; "
        f"kernel boot to /init {1000 * u_init:.0f} ms; /init -> jackd running "
        f"{1000 * (u_jack - u_init):.0f} ms; jackd -> engine ready "
        f"{1000 * (u_ready - u_jack):.0f} ms (host total {1000 * (t_ready - t0):.0f} ms)")


def wait_kexec_loaded(g, want_panic):
    g.wait_console(r"kexec loaded: normal" + (r"[^\n]* \+ panic" if want_panic else ""), 1,
                   timeout=240)


def engine_restart(g, feats, reps=1):
    times = []
    # A quiet guest: the kexec images load in the background after boot
    wait_kexec_loaded(g, False)
    for _ in range(reps):
        n = g.count(r"engine ready")
        snap = snapshot(g) if feats[1] else None
        r0 = vm_restarts(g)
        t0 = time.monotonic()
        g.send_console("kill -9 $(cat /run/dspguest/engine.pid)")
        t1 = g.wait_console(r"engine ready", n + 1, timeout=180)
        same_vm(g, r0, "an engine restart")
        times.append(1000 * (t1 - t0))
        log(f"TIMING process (kill -9 engine -> engine ready) {times[-1]:.0f} ms")
        check_resumed(g, feats, "an engine restart", snap)
    return times


def kexec_supervisor(g, feats, reps=1):
    times = []
    for _ in range(reps):
        wait_kexec_loaded(g, False)
        nb = g.count(r"init: kexec boot")
        n = g.count(r"engine ready")
        nl = g.count(r"kexec loaded")
        snap = snapshot(g) if feats[1] else None
        r0 = vm_restarts(g)
        t0 = time.monotonic()
        g.send_console("touch /run/dspguest/kexec-request; kill -9 $(cat /run/dspguest/engine.pid)")
        tk = g.wait_console(r"init: kexec boot", nb + 1, timeout=240)
        t1 = g.wait_console(r"engine ready", n + 1, timeout=240)
        same_vm(g, r0, "kexec")
        times.append(1000 * (t1 - t0))
        log(f"TIMING kexec (supervisor kexec -e -> engine ready) {times[-1]:.0f} ms "
            f"(new kernel's init after {1000 * (tk - t0):.0f} ms)")
        breakdown(g, "kexec", t0, tk, t1)
        check_resumed(g, feats, "kexec", snap)
        g.wait_console(r"kexec loaded", nl + 1, timeout=240)
    return times


def kexec_panic(g, feats, reps=1):
    """One panic per VM: the serial console takes no input in the panic
    kernel (its UART interrupt is not re-armed after the crash), so the next
    repetition needs a fresh VM (see main())."""
    times = []
    for _ in range(reps):
        wait_kexec_loaded(g, True)
        nb = g.count(r"init: crash boot")
        n = g.count(r"engine ready")
        snap = snapshot(g) if feats[1] else None
        r0 = vm_restarts(g)
        t0 = time.monotonic()
        g.send_console("echo c > /proc/sysrq-trigger")
        tk = g.wait_console(r"init: crash boot", nb + 1, timeout=240)
        t1 = g.wait_console(r"engine ready", n + 1, timeout=240)
        same_vm(g, r0, "a kernel panic")
        times.append(1000 * (t1 - t0))
        breakdown(g, "crash", t0, tk, t1)
        log(f"TIMING kexec-panic (sysrq-c -> panic kernel -> engine ready) {times[-1]:.0f} ms "
            f"(init after {1000 * (tk - t0):.0f} ms)")
        check_resumed(g, feats, "a kernel panic", snap)
    return times


def qemu_restart(g, feats, reps=1):
    times = []
    for _ in range(reps):
        st = g.status()["agent"]
        restarts = st["restarts"]
        wait_kexec_loaded(g, False)
        n = g.count(r"engine ready")
        snap = snapshot(g) if feats[1] else None
        t0 = time.monotonic()
        os.kill(st["qemu_pid"], signal.SIGKILL)
        t1 = g.wait_console(r"engine ready", n + 1, timeout=300)
        times.append(1000 * (t1 - t0))
        st = g.wait_agent_state("running", timeout=120)
        assert st["agent"]["restarts"] == restarts + 1, st["agent"]
        log(f"TIMING vm-restart (kill -9 QEMU -> agent restarts VM -> engine ready) "
            f"{times[-1]:.0f} ms; agent: {st['agent']['last_event']}")
        check_resumed(g, feats, "a VM restart", snap)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--agent", required=True)
    ap.add_argument("--engine", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--accel", default="auto")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", default=None, help="write timings here")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--append", default="", help="more guest kernel arguments")
    ap.add_argument("--memory", type=int, default=1024, help="guest RAM, MiB")
    opts = ap.parse_args()

    feats = engine_features(opts.engine)
    if opts.scenario == "kexec-panic" and opts.repeat > 1:
        results = {"kexec-panic": []}
        for i in range(opts.repeat):
            g = Guest(opts)
            ok = False
            try:
                boot(g, feats)
                results["kexec-panic"] += kexec_panic(g, feats, 1)
                ok = True
            except (AssertionError, socket.timeout, OSError) as e:
                log(f"FAIL: {type(e).__name__}: {e}")
            finally:
                g.close(keep=not ok)
            if not ok:
                return 1
        if opts.json:
            with open(opts.json, "w") as f:
                json.dump(results, f, indent=1)
        return 0
    log(f"engine OSC: {'yes' if feats[0] else 'no (stand-in responder in the guest)'}; "
        f"engine --state: {'yes' if feats[1] else 'no (resume checks skipped)'}")
    g = Guest(opts)
    ok = False
    results = {}
    try:
        t_boot = boot(g, feats)
        results["cold-boot"] = [1000 * (t_boot - g.t_start)]
        sc = opts.scenario
        if sc in ("boot", "all"):
            check_relay(g, feats)
        if sc in ("engine-restart", "all"):
            results["process"] = engine_restart(g, feats, opts.repeat)
        if sc in ("kexec-supervisor", "all"):
            results["kexec"] = kexec_supervisor(g, feats, opts.repeat)
        if sc in ("kexec-panic", "all"):
            results["kexec-panic"] = kexec_panic(g, feats, opts.repeat)
        if sc in ("qemu-restart", "all"):
            results["vm-restart"] = qemu_restart(g, feats, opts.repeat)
        print(g.status_text())
        ok = True
    except (AssertionError, socket.timeout, OSError) as e:
        log(f"FAIL: {type(e).__name__}: {e}")
    finally:
        g.close(keep=opts.keep or not ok)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
