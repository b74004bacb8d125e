import Foundation
import PorticoAPI
import PorticoClient
import PorticoImages

/// The cluster DNS add-on as kubeadm installs CoreDNS, with Portico's DNS image: Service
/// kube-system/kube-dns at the service CIDR's tenth address (ports 53/UDP `dns`, 53/TCP
/// `dns-tcp`) in front of a Deployment whose pods carry `k8s-app: kube-dns`, probe
/// `/health` and `/ready`, and resolve other names through their node's resolver
/// (dnsPolicy Default).
struct ClusterDNSAddon {
    let plan: LabPlan

    var service: String {
        """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"kube-dns","namespace":"kube-system",
          "labels":{"k8s-app":"kube-dns","kubernetes.io/cluster-service":"true","kubernetes.io/name":"PorticoDNS"}},
         "spec":{"selector":{"k8s-app":"kube-dns"},"clusterIP":"\(self.plan.dnsServiceIP)",
          "ports":[{"name":"dns","port":53,"protocol":"UDP","targetPort":53},
                   {"name":"dns-tcp","port":53,"protocol":"TCP","targetPort":53}]}}
        """
    }

    var deployment: String {
        """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"portico-dns","namespace":"kube-system","labels":{"k8s-app":"kube-dns"}},
         "spec":{"replicas":\(self.plan.config.dnsReplicas),"selector":{"matchLabels":{"k8s-app":"kube-dns"}},
          "template":{"metadata":{"labels":{"k8s-app":"kube-dns"}},
           "spec":{"dnsPolicy":"Default","priorityClassName":"system-cluster-critical",
            "containers":[{"name":"dns","image":"\(ImageCatalog.dnsImage)",
              "args":["--zone","\(self.plan.config.clusterDomain)","--ttl","5"],
              "ports":[{"name":"dns","containerPort":53,"protocol":"UDP"},{"name":"dns-tcp","containerPort":53,"protocol":"TCP"}],
              "livenessProbe":{"httpGet":{"path":"/health","port":8080},"initialDelaySeconds":60,"timeoutSeconds":5,"failureThreshold":5},
              "readinessProbe":{"httpGet":{"path":"/ready","port":8181},"periodSeconds":1}}]}}}}
        """
    }

    /// Creates the Service and the Deployment (keeping them if they exist), then waits until
    /// a DNS pod is ready behind the Service.
    func install(_ client: KubeClient) async throws {
        if try await client.get(Service.self, namespace: "kube-system", name: "kube-dns") == nil {
            _ = try await client.create(try KubeJSONDecoder().decode(Service.self, from: self.service).value)
        }
        if try await client.get(Deployment.self, namespace: "kube-system", name: "portico-dns") == nil {
            _ = try await client.create(try KubeJSONDecoder().decode(Deployment.self, from: self.deployment).value)
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let slices = try await client.list(EndpointSlice.self, namespace: "kube-system",
                                               labelSelector: "kubernetes.io/service-name=kube-dns").items
            if slices.contains(where: { $0.endpoints.contains { $0.conditions.ready ?? true } }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LabError("no cluster DNS pod became ready within 60 s: see `kubectl -n kube-system get pods -l k8s-app=kube-dns` and `kubectl -n kube-system logs deployment/portico-dns`")
    }
}
