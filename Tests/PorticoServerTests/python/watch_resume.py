"""A watch that resumes from its last resourceVersion across a server restart.

Phase "first": watch from the list, read the ADDED events of the objects that exist, and
write the resourceVersion of the last one to a file. Phase "resume": watch from that
resourceVersion and print the names of the events that follow, stopping after N.
"""
import sys

from kubernetes import client, config, watch

config.load_kube_config()
v1 = client.CoreV1Api()
phase, path = sys.argv[1], sys.argv[2]

if phase == "first":
    names = []
    last = ""
    w = watch.Watch()
    for event in w.stream(v1.list_namespaced_config_map, "resume", timeout_seconds=10):
        names.append(event["object"].metadata.name)
        last = event["object"].metadata.resource_version
        if len(names) == int(sys.argv[3]):
            break
    w.stop()
    open(path, "w").write(last)
    print(" ".join(names), flush=True)
else:
    rv = open(path).read().strip()
    names = []
    w = watch.Watch()
    for event in w.stream(v1.list_namespaced_config_map, "resume", resource_version=rv, timeout_seconds=10):
        names.append(event["type"] + ":" + event["object"].metadata.name)
        if len(names) == int(sys.argv[3]):
            break
    w.stop()
    print(" ".join(names), flush=True)
