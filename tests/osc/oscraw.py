# Raw OSC over UDP and TCP for the OSC limit and allow-list tests: builds
# packets by hand (so that they can break the limits) and reads replies.
import socket
import struct


def pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def osc_string(s):
    return pad(s.encode() if isinstance(s, str) else s)


def message(path, *args):
    tags = ","
    data = b""
    for a in args:
        if isinstance(a, float):
            tags += "f"
            data += struct.pack(">f", a)
        elif isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        else:
            tags += "s"
            data += osc_string(a)
    return osc_string(path) + osc_string(tags) + data


def bundle(*elements):
    out = b"#bundle\0" + struct.pack(">Q", 1)
    for e in elements:
        out += struct.pack(">I", len(e)) + e
    return out


def parse(data):
    """(path, [args]) of a reply message."""
    end = data.index(b"\0")
    path = data[:end].decode()
    pos = (end + 4) & ~3
    tend = data.index(b"\0", pos)
    tags = data[pos + 1:tend].decode()
    pos = (tend + 4) & ~3
    args = []
    for t in tags:
        if t in "if":
            args.append(struct.unpack(">" + t, data[pos:pos + 4])[0])
            pos += 4
        elif t == "s":
            e = data.index(b"\0", pos)
            args.append(data[pos:e].decode(errors="replace"))
            pos = (e + 4) & ~3
        else:
            raise ValueError("type " + t)
    return path, args


def udp(bind="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bind, 0))
    s.settimeout(2.0)
    return s


def ask(sock, port, packet, host="127.0.0.1"):
    """Send a datagram, return the parsed reply or None after 2 s."""
    sock.sendto(packet, (host, port))
    try:
        return parse(sock.recv(65536))
    except socket.timeout:
        return None


def tcp_send(sock, packet):
    sock.sendall(struct.pack(">I", len(packet)) + packet)


def tcp_recv(sock):
    """One framed reply, or None on EOF."""
    head = b""
    while len(head) < 4:
        got = sock.recv(4 - len(head))
        if not got:
            return None
        head += got
    (n,) = struct.unpack(">I", head)
    body = b""
    while len(body) < n:
        got = sock.recv(n - len(body))
        if not got:
            return None
        body += got
    return parse(body)
