# --osc-allow over real sockets: senders outside the allowed networks are
# dropped without a reply (UDP) or closed (TCP) and counted; allowed ones
# are served.
# usage: allow.py PORT FAMILY   (FAMILY: 4 for an IPv4 bind, 6 for "::")
import socket
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from oscraw import ask, message, tcp_recv, tcp_send  # noqa: E402

port = int(sys.argv[1])
dual = sys.argv[2] == "6"


def fail(why):
    print("FAIL:", why)
    sys.exit(1)


def udp_from(addr, family=socket.AF_INET):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    s.settimeout(1.0)
    return s


def status():
    s = udp_from("127.0.0.1")
    r = ask(s, port, message("/status", 4))
    s.close()
    if not r or r[0] != "/status.reply" or len(r[1]) < 18:
        fail("status: %r" % (r,))
    return r[1][15]


ok = udp_from("127.0.0.1")
if ask(ok, port, message("/ping", 1)) != ("/pong", [1]):
    fail("allowed sender 127.0.0.1 not answered")
print("ok: 127.0.0.1 served")

bad = udp_from("127.0.0.2")
for k in range(3):
    r = ask(bad, port, message("/ping", 2))
    if r is not None:
        fail("sender 127.0.0.2 got a reply: %r" % (r,))
print("ok: 3 datagrams from 127.0.0.2 dropped without a reply")
if status() != 3:
    fail("denied count %d, expected 3" % status())

t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind(("127.0.0.2", 0))
t.settimeout(2.0)
t.connect(("127.0.0.1", port))
try:
    tcp_send(t, message("/ping", 3))
    r = tcp_recv(t)
except (ConnectionResetError, BrokenPipeError):
    r = None
if r is not None:
    fail("TCP from 127.0.0.2 served: %r" % (r,))
t.close()
print("ok: TCP connection from 127.0.0.2 closed")

t = socket.create_connection(("127.0.0.1", port), timeout=2.0)
tcp_send(t, message("/ping", 5))
if tcp_recv(t) != ("/pong", [5]):
    fail("TCP from 127.0.0.1 not served")
t.close()
print("ok: TCP from 127.0.0.1 served")

if dual:
    s6 = udp_from("::1", socket.AF_INET6)
    s6.sendto(message("/ping", 6), ("::1", port))
    from oscraw import parse
    try:
        r = parse(s6.recv(65536))
    except socket.timeout:
        r = None
    if r != ("/pong", [6]):
        fail("allowed IPv6 sender ::1 not answered: %r" % (r,))
    print("ok: ::1 served over IPv6")

n = status()
if n != 4:
    fail("denied count %d, expected 4" % n)
print("ok: /status.reply osc_denied %d" % n)
