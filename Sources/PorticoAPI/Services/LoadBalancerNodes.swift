extension Node {
    /// Whether an external load balancer may send to this node (upstream's stable node set
    /// for load balancers): not being deleted, not labelled
    /// `node.kubernetes.io/exclude-from-external-load-balancers`, not tainted
    /// `ToBeDeletedByClusterAutoscaler`. Readiness is not asked: health checks decide. The load
    /// balancer and the L2 speaker choose among the same nodes, so the rule lives here.
    public var isEligibleForExternalLoadBalancers: Bool {
        self.metadata.deletionTimestamp == nil
            && self.metadata.labels["node.kubernetes.io/exclude-from-external-load-balancers"] == nil
            && !self.spec.taints.contains { $0.key == "ToBeDeletedByClusterAutoscaler" }
    }
}
