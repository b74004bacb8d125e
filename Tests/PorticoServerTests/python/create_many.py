"""Many concurrent creates; each result is written (and flushed) as it arrives.

Every tenth Service is invalid (nodePort 80). Lines: "<name> <status> <clusterIP> <nodePort>".
"""
import sys
from concurrent.futures import ThreadPoolExecutor

import urllib3
from kubernetes import client, config

urllib3.disable_warnings()
config.load_kube_config()
configuration = client.Configuration.get_default_copy()
configuration.retries = False
api = client.ApiClient(configuration)
v1 = client.CoreV1Api(api)
count, out = int(sys.argv[1]), open(sys.argv[2], "w")


def create(i):
    name = "many-%d" % i
    port = client.V1ServicePort(port=80, node_port=80) if i % 10 == 0 else client.V1ServicePort(port=80)
    body = client.V1Service(metadata=client.V1ObjectMeta(name=name), spec=client.V1ServiceSpec(type="NodePort", ports=[port]))
    try:
        s = v1.create_namespaced_service("default", body, _request_timeout=10)
        line = "%s 201 %s %d" % (name, s.spec.cluster_ip, s.spec.ports[0].node_port)
    except client.exceptions.ApiException as e:
        line = "%s %d - -" % (name, e.status)
    except Exception:
        line = "%s none - -" % name
    out.write(line + "\n")
    out.flush()


with ThreadPoolExecutor(max_workers=32) as pool:
    list(pool.map(create, range(count)))
