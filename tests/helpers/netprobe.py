#!/usr/bin/env python3
"""Traffic probes for the network tests (busybox nc has no UDP and does not say who called).
The tests run them on the host or inside a container's network namespace (nsenter --net), so
the packets take exactly the path a process of the container would give them.

  netprobe.py serve PORT [ADDR]       TCP and UDP echo on PORT, IPv4 and IPv6 (or on ADDR
                                      only); a reply is "PEER-ADDRESS DATA"; prints "ready"
                                      once listening
  netprobe.py tcp ADDR PORT [SECS]    one exchange; prints the reply; exit 1 if none in SECS (2)
  netprobe.py udp ADDR PORT [SECS]    the same over UDP
  netprobe.py sink PORT BYTES         accept one TCP connection on PORT (prints "ready" first),
                                      read BYTES, close; prints the seconds from first byte
  netprobe.py source ADDR PORT BYTES  connect, send BYTES, wait for the peer to close; prints
                                      the seconds it took
"""
import socket
import sys
import threading
import time


def peer(addr):
    host = addr[0]
    return host[7:] if host.startswith("::ffff:") else host


def dual(kind):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    return s


def serve(port, addr=None):
    if addr:
        tcp = socket.socket(family(addr), socket.SOCK_STREAM)
        udp = socket.socket(family(addr), socket.SOCK_DGRAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    else:
        tcp, udp = dual(socket.SOCK_STREAM), dual(socket.SOCK_DGRAM)
    tcp.bind((addr or "::", port))
    tcp.listen(64)
    udp.bind((addr or "::", port))

    def one(conn, addr):
        with conn:
            conn.settimeout(5)
            try:
                data = conn.recv(1024)
                conn.sendall(peer(addr).encode() + b" " + data)
            except OSError:
                pass

    def tcp_loop():
        while True:
            conn, addr = tcp.accept()
            threading.Thread(target=one, args=(conn, addr), daemon=True).start()

    threading.Thread(target=tcp_loop, daemon=True).start()
    print("ready", flush=True)
    while True:
        data, addr = udp.recvfrom(1024)
        udp.sendto(peer(addr).encode() + b" " + data, addr)


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def exchange(kind, addr, port, secs):
    s = socket.socket(family(addr), kind)
    s.settimeout(secs)
    try:
        if kind == socket.SOCK_STREAM:
            s.connect((addr, port))
            s.sendall(b"probe")
        else:
            s.sendto(b"probe", (addr, port))
        reply = s.recv(1024)
    except OSError as e:
        print("no reply: %s" % e)
        return 1
    print(reply.decode())
    return 0 if reply else 1


def sink(port, total):
    s = dual(socket.SOCK_STREAM)
    s.bind(("::", port))
    s.listen(1)
    print("ready", flush=True)
    conn, _ = s.accept()
    got, start = 0, None
    while got < total:
        data = conn.recv(65536)
        if not data:
            break
        if start is None:
            start = time.monotonic()
        got += len(data)
    conn.close()
    print("%.3f" % (time.monotonic() - (start or time.monotonic())))
    return 0 if got >= total else 1


def source(addr, port, total):
    s = socket.create_connection((addr, port), 5)
    s.settimeout(60)
    start = time.monotonic()
    chunk = b"x" * 65536
    left = total
    while left > 0:
        n = s.send(chunk[:left])
        left -= n
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    print("%.3f" % (time.monotonic() - start))
    return 0


def main(argv):
    if len(argv) in (3, 4) and argv[1] == "serve":
        serve(int(argv[2]), argv[3] if len(argv) == 4 else None)
    elif len(argv) >= 4 and argv[1] in ("tcp", "udp"):
        kind = socket.SOCK_STREAM if argv[1] == "tcp" else socket.SOCK_DGRAM
        return exchange(kind, argv[2], int(argv[3]), float(argv[4]) if len(argv) > 4 else 2)
    elif len(argv) == 4 and argv[1] == "sink":
        return sink(int(argv[2]), int(argv[3]))
    elif len(argv) == 5 and argv[1] == "source":
        return source(argv[2], int(argv[3]), int(argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
