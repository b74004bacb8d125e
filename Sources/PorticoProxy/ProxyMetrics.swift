import Prometheus

/// The proxy's Prometheus metrics, named as kube-proxy's where kube-proxy has them.
public final class ProxyMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let syncDuration: ValueHistogram
    let fullSyncDuration: ValueHistogram
    let partialSyncDuration: ValueHistogram
    let programmingLatency: ValueHistogram
    let failures: Counter
    let fullSyncs: Counter
    let partialSyncs: Counter
    let lastSync: Gauge
    let rules: Gauge
    let elements: Gauge
    let servicePorts: Gauge
    let noLocalEndpoints: Gauge
    let conntrackCleanups: Counter

    static let syncBuckets: [Double] = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384]
    static let latencyBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]

    public init() {
        func name(_ subsystem: String?, _ metric: String, _ unit: String, _ help: String, namespace: String = "kubeproxy") -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: namespace, subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
        }
        self.syncDuration = self.registry.makeValueHistogram(
            descriptor: name("sync_proxy_rules", "duration", "seconds", "How long one sync of the nftables rules took"), buckets: Self.syncBuckets)
        self.fullSyncDuration = self.registry.makeValueHistogram(
            descriptor: name("sync_full_proxy_rules", "duration", "seconds", "How long a full sync (the whole table) took"), buckets: Self.syncBuckets)
        self.partialSyncDuration = self.registry.makeValueHistogram(
            descriptor: name("sync_partial_proxy_rules", "duration", "seconds", "How long a partial sync (changed chains and elements) took"),
            buckets: Self.syncBuckets)
        self.programmingLatency = self.registry.makeValueHistogram(
            descriptor: name("network_programming", "duration", "seconds",
                             "From an EndpointSlice's last-change-trigger-time to the rules being in the kernel"),
            buckets: Self.latencyBuckets)
        self.failures = self.registry.makeCounter(
            descriptor: name("sync_proxy_rules_nftables", "sync_failures", "total", "nftables transactions that failed"))
        self.fullSyncs = self.registry.makeCounter(
            descriptor: name("proxy", "full_syncs", "total", "Full syncs applied", namespace: "portico"))
        self.partialSyncs = self.registry.makeCounter(
            descriptor: name("proxy", "partial_syncs", "total", "Partial syncs applied", namespace: "portico"))
        self.lastSync = self.registry.makeGauge(
            descriptor: name("sync_proxy_rules_last", "timestamp", "seconds", "When the rules were last synced (Unix time)"))
        self.rules = self.registry.makeGauge(
            descriptor: name("proxy_nftables", "rules", "", "Rules in Portico's nftables table", namespace: "portico"))
        self.elements = self.registry.makeGauge(
            descriptor: name("proxy_nftables", "elements", "", "Set and map elements in Portico's nftables table", namespace: "portico"))
        self.servicePorts = self.registry.makeGauge(
            descriptor: name("proxy", "service_ports", "", "Service ports programmed", namespace: "portico"))
        self.noLocalEndpoints = self.registry.makeGauge(
            descriptor: name("sync_proxy_rules", "no_local_endpoints", "total", "Local-policy service ports with no endpoint on this node"))
        self.conntrackCleanups = self.registry.makeCounter(
            descriptor: name("proxy", "conntrack_cleanups", "total", "UDP conntrack entries removal runs", namespace: "portico"))
    }

    /// The metrics in Prometheus' text format.
    public var text: [UInt8] { self.registry.emitToBuffer() }
}
