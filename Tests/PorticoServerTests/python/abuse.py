"""Requests kube-apiserver is known to survive, sent raw to a Portico server.

    abuse.py probes PORT                 one of each kind; a JSON line each
    abuse.py malformed PORT COUNT        COUNT requests cycling through the kinds; a JSON summary
    abuse.py idle PORT COUNT SECONDS     COUNT idle TLS connections; how many the server closed within SECONDS
    abuse.py silent PORT COUNT SECONDS   the same with TCP connections that never start TLS

Each result says the status line the server answered with (or none) and whether it then
closed the connection.
"""
import json
import socket
import ssl
import sys
import threading
import time

CONTEXT = ssl.create_default_context()
CONTEXT.check_hostname = False
CONTEXT.verify_mode = ssl.CERT_NONE


def exchange(port, data, tls=True, wait=10.0):
    """Sends `data`, reads until the server closes or `wait` passes."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=wait)
    sock = CONTEXT.wrap_socket(raw) if tls else raw
    started = time.time()
    try:
        try:
            sock.sendall(data)
        except OSError:
            pass  # the server may answer and close before it has read everything
        received, closed = b"", False
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
        status = received.split(b"\r\n", 1)[0].decode("latin-1") if received else None
        body = received.split(b"\r\n\r\n", 1)[1].decode("latin-1") if b"\r\n\r\n" in received else ""
        return {"status": status, "body": body[:200], "closed": closed, "seconds": round(time.time() - started, 2)}
    finally:
        sock.close()


def request(head, body=b""):
    return head.encode("latin-1") + b"\r\n\r\n" + body


KINDS = {
    "garbage request line": lambda: request("GARBAGE"),
    "control character in a header": lambda: request("GET /api HTTP/1.1\r\nHost: a\r\nX-A: b\x01c"),
    "space in a header name": lambda: request("GET /api HTTP/1.1\r\nHost: a\r\nBad Name: x"),
    "200 KB URL": lambda: request("GET /api/v1/services?x=" + "y" * (200 * 1024) + " HTTP/1.1\r\nHost: a"),
    "1 MB URL": lambda: request("GET /api/v1/services?x=" + "y" * (1024 * 1024) + " HTTP/1.1\r\nHost: a"),
    "2 MB header": lambda: request("GET /api HTTP/1.1\r\nHost: a\r\nX-Big: " + "x" * (2 * 1024 * 1024)),
    "4 MB body": lambda: request("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: a\r\n"
                                 "Content-Type: application/json\r\nContent-Length: %d" % (4 * 1024 * 1024), b"{" * (4 * 1024 * 1024)),
    "plain HTTP on the TLS port": None,
}
# How often each kind comes in a long run (the big ones rarely: they cost megabytes each).
WEIGHTS = {"garbage request line": 30, "control character in a header": 30, "space in a header name": 20, "200 KB URL": 10,
           "1 MB URL": 2, "2 MB header": 2, "4 MB body": 2, "plain HTTP on the TLS port": 4}


def probe(port, kind):
    if kind == "plain HTTP on the TLS port":
        return exchange(port, request("GET /version HTTP/1.1\r\nHost: a"), tls=False)
    return exchange(port, KINDS[kind]())


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "probes":
        for kind in KINDS:
            print(json.dumps(dict(kind=kind, **probe(port, kind))), flush=True)
    elif mode == "malformed":
        count = int(sys.argv[3])
        order = [kind for kind, weight in WEIGHTS.items() for _ in range(weight)]
        results, lock = {}, threading.Lock()

        def run(i):
            kind = order[i % len(order)]
            try:
                result = probe(port, kind)
                key = "%s -> %s%s" % (kind, result["status"], ", closed" if result["closed"] else ", left open")
            except Exception as error:  # a refused or reset connection is not an answer
                key = "%s -> error %s" % (kind, type(error).__name__)
            with lock:
                results[key] = results.get(key, 0) + 1

        threads = []
        for start in range(4):
            t = threading.Thread(target=lambda s=start: [run(i) for i in range(s, count, 4)])
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        print(json.dumps(results, sort_keys=True))
    elif mode in ("idle", "silent"):
        count, seconds = int(sys.argv[3]), float(sys.argv[4])
        sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if mode == "idle":
                sock = CONTEXT.wrap_socket(sock)
            sock.setblocking(False)
            sockets.append(sock)
        opened = time.time()
        closed = set()
        while time.time() - opened < seconds and len(closed) < count:
            for i, sock in enumerate(sockets):
                if i in closed:
                    continue
                try:
                    if sock.recv(1) == b"":
                        closed.add(i)
                except ssl.SSLWantReadError:
                    pass
                except (BlockingIOError, ssl.SSLError, OSError):
                    closed.add(i)
            time.sleep(0.1)
        print(json.dumps({"opened": count, "closed by the server": len(closed), "seconds": round(time.time() - opened, 1)}))
        for sock in sockets:
            sock.close()


if __name__ == "__main__":
    main()
