"""The Kubernetes Python client against a Portico server: create, list, watch, patch, delete.

Run with KUBECONFIG set. Prints one line per step; exits non-zero on the first failure.
"""
import sys

from kubernetes import client, config, watch

config.load_kube_config()
v1 = client.CoreV1Api()


def check(condition, message):
    if not condition:
        print("FAIL: " + message, flush=True)
        sys.exit(1)
    print("ok: " + message, flush=True)


body = client.V1Service(
    metadata=client.V1ObjectMeta(name="py-web", labels={"app": "py"}),
    spec=client.V1ServiceSpec(type="NodePort", selector={"app": "py"},
                              ports=[client.V1ServicePort(port=80, target_port=8080, node_port=31001)]),
)
created = v1.create_namespaced_service("default", body)
check(created.spec.cluster_ip.startswith("10."), "create gives a cluster IP (%s)" % created.spec.cluster_ip)
check(created.spec.ports[0].node_port == 31001, "create keeps the requested nodePort")

listed = v1.list_namespaced_service("default", label_selector="app=py")
check([s.metadata.name for s in listed.items] == ["py-web"], "list with a label selector")
rv = listed.metadata.resource_version

patched = v1.patch_namespaced_service("py-web", "default", {"metadata": {"labels": {"tier": "front"}}})
check(patched.metadata.labels == {"app": "py", "tier": "front"}, "patch (strategic merge) adds a label")

w = watch.Watch()
seen = []
for event in w.stream(v1.list_namespaced_service, "default", resource_version=rv, timeout_seconds=10):
    seen.append((event["type"], event["object"].metadata.name))
    if len(seen) == 1:
        break
w.stop()
check(seen == [("MODIFIED", "py-web")], "watch from the list's resourceVersion sees the patch: %s" % seen)

try:
    v1.create_namespaced_service("default", client.V1Service(
        metadata=client.V1ObjectMeta(name="py-bad"),
        spec=client.V1ServiceSpec(type="NodePort", ports=[client.V1ServicePort(port=80, node_port=80)])))
    check(False, "an invalid Service is refused")
except client.exceptions.ApiException as e:
    check(e.status == 422 and "provided port is not in the valid range" in e.body, "an invalid Service gets 422 with the reason")

status = v1.delete_namespaced_service("py-web", "default")
check(status.metadata.name == "py-web", "delete answers with the deleted Service")
try:
    v1.read_namespaced_service("py-web", "default")
    check(False, "the Service is gone")
except client.exceptions.ApiException as e:
    check(e.status == 404, "the Service is gone (404)")
print("done", flush=True)
