"""A soak of one `portico server`: many Services, many lists, namespace deletions, malformed
requests and idle connections, with the server's resident memory read along the way.

    soak.py PORT TOKEN PID CA [--services 2000] [--lists 500] [--namespaces 20] [--objects 100]
            [--malformed 1000] [--idle 500] [--idle-seconds 20]

Prints one JSON document: the figures, and every request that was not answered.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import urllib3

urllib3.disable_warnings()
HERE = os.path.dirname(os.path.abspath(__file__))


class Client:
    """One keep-alive session per thread."""

    def __init__(self, port, token, ca):
        self.base = "https://127.0.0.1:%d" % port
        self.ca = ca
        self.headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        self.local = threading.local()
        self.lock = threading.Lock()
        self.unanswered = []
        self.statuses = {}

    def session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.headers.update(self.headers)
        return self.local.session

    def call(self, method, path, body=None, accept=None):
        headers = {"Accept": accept} if accept else {}
        try:
            # verify is given with each request: REQUESTS_CA_BUNDLE in the environment would win over the session's.
            response = self.session().request(method, self.base + path, json=body, headers=headers, timeout=120, verify=self.ca)
        except requests.RequestException as error:
            with self.lock:
                self.unanswered.append("%s %s: %s" % (method, path, type(error).__name__))
            return None
        with self.lock:
            key = "%s %d" % (method, response.status_code)
            self.statuses[key] = self.statuses.get(key, 0) + 1
        return response


def rss_kib(pid, settle=3.0):
    """Resident memory once the server has been idle `settle` seconds (it gives memory back
    after large answers): VmRSS, and RssAnon, the part that is the server's data rather than
    pages of its executable (a debug build's pages come in as new code runs)."""
    time.sleep(settle)
    figures = {}
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            name = line.split(":")[0]
            if name in ("VmRSS", "RssAnon"):
                figures[name] = int(line.split()[1])
    return figures


def service(name, labels=None):
    return {"metadata": {"name": name, "labels": labels or {"soak": "yes"}},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}


def create_services(client, namespace, count, workers=8):
    def create(i):
        response = client.call("POST", "/api/v1/namespaces/%s/services" % namespace, service("s%d" % i, {"n": str(i % 10)}))
        return response is not None and response.status_code == 201
    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(create, range(count)))


# The lists a client makes: whole, paged, by a selector that matches few or none, as a table.
LISTS = [
    ("/api/v1/services", None),
    ("/api/v1/namespaces/soak/services?limit=500", None),
    ("/api/v1/namespaces/soak/services?labelSelector=n%3D3", None),
    ("/api/v1/services?labelSelector=nothing%3Dhere", None),
    ("/api/v1/namespaces/soak/services", "application/json;as=Table;v=v1;g=meta.k8s.io"),
]


def run_lists(client, count, workers=2):
    def list_once(i):
        path, accept = LISTS[i % len(LISTS)]
        response = client.call("GET", path, accept=accept)
        return response is not None and response.status_code == 200
    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(list_once, range(count)))


def delete_namespaces(client, count, objects):
    """Makes `count` namespaces of `objects` objects (half Services, half ConfigMaps) and deletes each; returns the seconds each took."""
    seconds = []
    for n in range(count):
        namespace = "soak-ns-%d" % n
        client.call("POST", "/api/v1/namespaces", {"metadata": {"name": namespace}})
        for i in range(objects):
            if i % 2 == 0:
                client.call("POST", "/api/v1/namespaces/%s/services" % namespace, service("s%d" % i))
            else:
                client.call("POST", "/api/v1/namespaces/%s/configmaps" % namespace, {"metadata": {"name": "c%d" % i}, "data": {"k": "v"}})
        started = time.time()
        client.call("DELETE", "/api/v1/namespaces/%s" % namespace)
        while True:
            response = client.call("GET", "/api/v1/namespaces/%s" % namespace)
            if response is None or response.status_code == 404 or time.time() - started > 120:
                break
            time.sleep(0.1)
        seconds.append(round(time.time() - started, 2))
    return seconds


def abuse(mode, port, *arguments):
    result = subprocess.run([sys.executable, os.path.join(HERE, "abuse.py"), mode, str(port)] + [str(a) for a in arguments],
                            capture_output=True, text=True, timeout=900)
    return json.loads(result.stdout) if result.stdout.strip() else {"error": result.stderr[-500:]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("token")
    parser.add_argument("pid", type=int)
    parser.add_argument("ca", help="the cluster CA certificate (PEM)")
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--lists", type=int, default=500)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--objects", type=int, default=100)
    parser.add_argument("--malformed", type=int, default=1000)
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--idle-seconds", type=float, default=20)
    args = parser.parse_args()
    client = Client(args.port, args.token, args.ca)
    figures = {}
    started = time.time()

    client.call("POST", "/api/v1/namespaces", {"metadata": {"name": "soak"}})
    figures["services created"] = create_services(client, "soak", args.services)
    figures["seconds to create"] = round(time.time() - started, 1)
    figures["rss KiB after creates"] = rss_kib(args.pid, settle=12)  # as at the end: after the server's periodic trim

    # The leak check: memory after 20 lists, then after 200.
    t = time.time()
    figures["lists answered"] = run_lists(client, 20)
    figures["rss KiB after 20 lists"] = rss_kib(args.pid)
    figures["lists answered"] += run_lists(client, 180)
    figures["rss KiB after 200 lists"] = rss_kib(args.pid)
    figures["seconds per list"] = round((time.time() - t) / 200, 3)

    # Then clients at work (the other lists beside the namespace deletions), and then abuse
    # (malformed requests beside idle connections, while a client still lists).
    with ThreadPoolExecutor(2) as pool:
        lists = pool.submit(run_lists, client, max(0, args.lists - 250), 1)
        deletions = pool.submit(delete_namespaces, client, args.namespaces, args.objects)
        figures["lists answered"] += lists.result()
        figures["namespace deletion seconds"] = deletions.result()
    figures["rss KiB after lists and deletions"] = rss_kib(args.pid, settle=12)
    with ThreadPoolExecutor(3) as pool:
        lists = pool.submit(run_lists, client, min(50, max(0, args.lists - 200)), 1)
        malformed = pool.submit(abuse, "malformed", args.port, args.malformed)
        idle = pool.submit(abuse, "idle", args.port, args.idle, args.idle_seconds)
        figures["lists answered"] += lists.result()
        figures["malformed"] = malformed.result()
        figures["idle connections"] = idle.result()

    namespaces = client.call("GET", "/api/v1/namespaces")
    figures["terminating namespaces"] = [item["metadata"]["name"] for item in (namespaces.json()["items"] if namespaces is not None else [])
                                         if item.get("status", {}).get("phase") == "Terminating"]
    figures["rss KiB at the end"] = rss_kib(args.pid, settle=12)  # the server trims its heap at least every 10 s
    figures["seconds"] = round(time.time() - started, 1)
    figures["statuses"] = client.statuses
    figures["unanswered"] = client.unanswered[:20]
    print(json.dumps(figures, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
