# Cross every OSC input limit (engine/osc/limits.h, docs/osc.md "Limits")
# and check the /fail reply names the limit and the path, and that the
# engine answers /ping after each.
# usage: limits.py PORT TRIM_GRAPH
import json
import socket
import struct
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from oscraw import ask, bundle, message, tcp_recv, tcp_send, udp  # noqa: E402

port = int(sys.argv[1])
trim = sys.argv[2]
checks = 0


def fail(why):
    print("FAIL:", why)
    sys.exit(1)


def ping():
    s = udp()
    r = ask(s, port, message("/ping", 42))
    s.close()
    if r != ("/pong", [42]):
        fail("no /pong after the last check: %r" % (r,))


def expect_fail(reply, path, *want):
    global checks
    if not reply or reply[0] != "/fail" or reply[1][0] != path:
        fail("expected /fail %s, got %r" % (path, reply and reply[:2]))
    text = reply[1][-1]
    for w in want:
        if w not in text:
            fail("/fail %s: %r lacks %r" % (path, text, w))
    ping()
    checks += 1
    print("ok: /fail %s %s" % (path, text[:150]))


s = udp()

# UDP datagram over DSP_OSC_MAX_DATAGRAM: truncated by the kernel, detected
big = message("/load", "{" + " " * 40000 + "}")
expect_fail(ask(s, port, big), "/load", "40", "DSP_OSC_MAX_DATAGRAM",
            "truncated", "TCP")

# Address over DSP_OSC_MAX_ADDRESS
expect_fail(ask(s, port, message("/" + "a" * 300)), "#limit",
            "301 bytes", "DSP_OSC_MAX_ADDRESS")

# Too many arguments
expect_fail(ask(s, port, message("/ping", *range(70))), "/ping",
            "70 arguments", "DSP_OSC_MAX_ARGS")

# A string argument over DSP_OSC_MAX_STRING
expect_fail(ask(s, port, message("/set", "n" * 2000, "gain", 1.0)), "/set",
            "argument 1 (node)", "2000 bytes", "DSP_OSC_MAX_STRING")
expect_fail(ask(s, port, message("/subscribe", 1.0, "osc.udp://" + "h" * 1100)),
            "/subscribe", "argument 2 (url)", "DSP_OSC_MAX_STRING")

# Bundles nested deeper than DSP_OSC_MAX_BUNDLE_DEPTH
packet = message("/ping", 1)
for _ in range(9):
    packet = bundle(packet)
expect_fail(ask(s, port, packet), "#bundle", "DSP_OSC_MAX_BUNDLE_DEPTH")
packet = message("/ping", 7)
for _ in range(7):
    packet = bundle(packet)
r = ask(s, port, packet)
if r != ("/pong", [7]):
    fail("7 nested bundles not served: %r" % (r,))
print("ok: 7 nested bundles served")

# Inline graphs over the graph limits: the JSON pointer comes back
nodes = [{"id": "n%d" % i, "kind": "gain"} for i in range(257)]
g = {"name": "big", "inputs": ["in_l", "in_r"], "outputs": ["out_l", "out_r"],
     "nodes": nodes, "connections": []}
expect_fail(ask(s, port, message("/validate", json.dumps(g))), "/validate",
            "/nodes", "at most 256")
g = {"name": "x" * 129, "inputs": [], "outputs": [], "nodes": [],
     "connections": []}
expect_fail(ask(s, port, message("/validate", json.dumps(g))), "/validate",
            "/name", "1 to 128 characters")

# Subscribers: DSP_OSC_MAX_SUBS from distinct ports, then one more
subs = [udp() for _ in range(9)]
for k, sub in enumerate(subs[:8]):
    r = ask(sub, port, message("/subscribe", 0.1, k))
    if not r or r[0] != "/done":
        fail("subscriber %d: %r" % (k, r))
expect_fail(ask(subs[8], port, message("/subscribe", 0.1)), "/subscribe",
            "8 subscribers already", "DSP_OSC_MAX_SUBS")
for sub in subs[:8]:
    sub.settimeout(2.0)
    sub.sendto(message("/unsubscribe", 5), ("127.0.0.1", port))
    while True:  # skip pushes until the reply
        r = __import__("oscraw").parse(sub.recv(65536))
        if r[0] in ("/done", "/fail"):
            break
    if r[0] != "/done":
        fail("unsubscribe: %r" % (r,))
    sub.close()
subs[8].close()

# Slots: a name over DSP_ENGINE_MAX_SLOT_NAME, then more than
# DSP_ENGINE_MAX_SLOTS
expect_fail(ask(s, port, message("/prepare", "s" * 65, trim)), "/prepare",
            "invalid slot name", "DSP_ENGINE_MAX_SLOT_NAME")
s.settimeout(20.0)
for k in range(16):
    r = ask(s, port, message("/prepare", "slot%d" % k, trim))
    if not r or r[0] != "/done":
        fail("prepare %d: %r" % (k, r))
expect_fail(ask(s, port, message("/prepare", "slot16", trim)), "/prepare",
            "all 16 slots are in use", "DSP_ENGINE_MAX_SLOTS")
for k in range(16):
    r = ask(s, port, message("/unload", "slot%d" % k))
    if not r or r[0] != "/done":
        fail("unload %d: %r" % (k, r))
s.settimeout(2.0)

# TCP: a graph argument over DSP_OSC_MAX_GRAPH_ARG (fits the frame limit)
t = socket.create_connection(("127.0.0.1", port), timeout=20.0)
tcp_send(t, message("/validate", "{" + " " * (4 * 1024 * 1024 + 10) + "}"))
expect_fail(tcp_recv(t), "/validate", "argument 1 (graph)",
            "DSP_OSC_MAX_GRAPH_ARG")
# ... and the connection still serves
tcp_send(t, message("/ping", 3))
if tcp_recv(t) != ("/pong", [3]):
    fail("TCP connection not served after a refused message")

# A TCP frame length over DSP_OSC_MAX_FRAME: /fail, then the connection closes
t.sendall(struct.pack(">I", 100 * 1024 * 1024))
expect_fail(tcp_recv(t), "#limit", "104857600 bytes", "DSP_OSC_MAX_FRAME")
if tcp_recv(t) is not None:
    fail("connection not closed after an oversized frame")
t.close()
print("ok: connection closed after the oversized frame")

# TCP connections over DSP_OSC_MAX_CONNS: the 17th is closed at once
conns = [socket.create_connection(("127.0.0.1", port), timeout=5.0)
         for _ in range(16)]
for c in conns:
    tcp_send(c, message("/ping", 1))
    if tcp_recv(c) != ("/pong", [1]):
        fail("one of 16 TCP connections not served")
extra = socket.create_connection(("127.0.0.1", port), timeout=5.0)
try:
    tcp_send(extra, message("/ping", 2))
    r = tcp_recv(extra)
except (ConnectionResetError, BrokenPipeError):
    r = None
if r is not None:
    fail("17th TCP connection served: %r" % (r,))
for c in conns:
    c.close()
extra.close()
ping()
checks += 1
print("ok: 17th TCP connection closed (DSP_OSC_MAX_CONNS)")

# The counters in /status.reply: truncated and refused
r = ask(s, port, message("/status", 9))
if not r or r[0] != "/status.reply" or len(r[1]) < 18:
    fail("status: %r" % (r,))
denied, truncated, refused = r[1][15:18]
if truncated != 1 or refused < 6 or denied != 0:
    fail("counters denied %d truncated %d refused %d" % (denied, truncated, refused))
print("ok: /status.reply counts truncated %d refused %d" % (truncated, refused))
print("limits: %d checks passed" % checks)
