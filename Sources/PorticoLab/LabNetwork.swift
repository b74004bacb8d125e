import PorticoSystem

/// The lab's plumbing as plain values: the `ip` commands that make the LAN, the nodes, the
/// host's routes and the load balancer's place, computed from the plan alone (so a test reads
/// exactly what the host will be given), and run in order by `apply`. The host gets routes
/// for the lab's ranges only.
enum LabNetwork {
    /// One `ip` invocation; `input` is its standard input (`-batch -`).
    struct Command: Sendable, Equatable {
        var arguments: [String]
        var input: String? = nil

        init(_ arguments: [String], input: String? = nil) {
            self.arguments = arguments
            self.input = input
        }
    }

    /// The bridge the host joins the LAN through, with the host's address on it.
    static func lan(_ plan: LabPlan) -> [Command] {
        [Command(["link", "add", plan.bridge, "type", "bridge"]),
         Command(["addr", "add", "\(plan.config.hostAddress)/\(plan.prefixLength)", "dev", plan.bridge]),
         Command(["link", "set", plan.bridge, "up"])]
    }

    /// Each node: a network namespace with a veth on the bridge and its LAN address.
    static func nodes(_ plan: LabPlan) -> [Command] {
        plan.nodes.flatMap { node in
            [Command(["netns", "add", node.netns]),
             Command(["link", "add", node.hostVeth, "type", "veth", "peer", "name", "eth0", "netns", node.netns]),
             Command(["link", "set", node.hostVeth, "master", plan.bridge, "up"]),
             Command(["-n", node.netns, "-batch", "-"], input: "link set lo up\naddr add \(node.address)/\(plan.prefixLength) dev eth0\nlink set eth0 up\n")]
        }
    }

    /// Each API server's place (with more than one server): a namespace with a veth on the
    /// bridge, its LAN address, and routes to the pod CIDRs via their nodes (pods reach the
    /// servers through the `kubernetes` Service, and the answers go straight back).
    static func serverPlaces(_ plan: LabPlan) -> [Command] {
        plan.servers.flatMap { server in
            [Command(["netns", "add", server.netns]),
             Command(["link", "add", server.hostVeth, "type", "veth", "peer", "name", "eth0", "netns", server.netns]),
             Command(["link", "set", server.hostVeth, "master", plan.bridge, "up"]),
             Command(["-n", server.netns, "-batch", "-"],
                     input: "link set lo up\naddr add \(server.address)/\(plan.prefixLength) dev eth0\nlink set eth0 up\n"
                        + plan.nodes.map { "route add \($0.podCIDR) via \($0.address)\n" }.joined())]
        }
    }

    /// The host's routes: each pod CIDR via its node; the service CIDR unreachable (as from
    /// outside a cluster).
    static func hostRoutes(_ plan: LabPlan) -> [Command] {
        plan.nodes.map { Command(["route", "replace", $0.podCIDR, "via", $0.address, "dev", plan.bridge, "proto", "static"]) }
            + [Command(["route", "add", "unreachable", plan.serviceCIDR])]
    }

    /// The cloud around the cluster: a load balancer namespace with one leg on the LAN and one
    /// on the "internet", an internet client behind it, and the routes that make replies go
    /// back through the load balancer (nodes) and let the host reach the LB addresses.
    static func loadBalancerPlace(_ plan: LabPlan) -> [Command] {
        let config = plan.config
        let lb = plan.netnsPrefix + "lb"
        let internet = plan.netnsPrefix + "internet"
        let lanVeth = "\(plan.netnsPrefix)lbl"
        let internetVeth = "\(plan.netnsPrefix)lbi"
        let lbBatch = """
            link set lo up
            addr add \(plan.lbAddress)/\(plan.prefixLength) dev eth0
            link set eth0 up
            link set \(internetVeth) name eth1
            addr add \(plan.lbInternetAddress)/\(plan.internetPrefixLength) dev eth1
            link set eth1 up

            """ + plan.nodes.map { "route add \($0.podCIDR) via \($0.address)\n" }.joined()
        let internetBatch = """
            link set lo up
            addr add \(config.internetClient)/\(plan.internetPrefixLength) dev eth0
            link set eth0 up
            route add default via \(plan.lbInternetAddress)

            """
        return [Command(["netns", "add", lb]), Command(["netns", "add", internet]),
                Command(["link", "add", lanVeth, "type", "veth", "peer", "name", "eth0", "netns", lb]),
                Command(["link", "set", lanVeth, "master", plan.bridge, "up"]),
                Command(["link", "add", internetVeth, "netns", lb, "type", "veth", "peer", "name", "eth0", "netns", internet]),
                Command(["-n", lb, "-batch", "-"], input: lbBatch),
                Command(["netns", "exec", lb, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]),
                Command(["-n", internet, "-batch", "-"], input: internetBatch)]
            + plan.nodes.map { Command(["-n", $0.netns, "route", "add", config.internetCIDR, "via", plan.lbAddress]) }
            + [Command(["route", "replace", config.internetCIDR, "via", plan.lbAddress, "dev", plan.bridge, "proto", "static"])]
    }

    /// Runs the commands in order; the first failure stops and is the error.
    static func apply(_ commands: [Command]) async throws {
        for command in commands { try await Shell.run("ip", command.arguments, input: command.input) }
    }
}
