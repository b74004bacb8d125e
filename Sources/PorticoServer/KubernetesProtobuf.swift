import Foundation
import PorticoAPI

/// Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), which
/// kubectl's typed clients send (`kubectl create namespace`, `create service`, ...), turned
/// into the JSON the rest of the server reads. Portico answers in JSON (clients accept it).
///
/// Written here because the wire form is plain protobuf but the schema is Kubernetes'
/// generated.proto: `ProtobufSchema` holds its field numbers for the served kinds.
enum KubernetesProtobuf {
    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]
    static let contentType = "application/vnd.kubernetes.protobuf"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The object in a protobuf body as JSON, with kind and apiVersion from its envelope.
    static func decode(_ body: [UInt8]) throws -> JSON {
        guard !body.isEmpty else { throw Failure(description: "empty data") }
        guard body.count >= 4, Array(body.prefix(4)) == magic else {
            throw Failure(description: "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")
        }
        guard body.count > 4 else { throw Failure(description: "empty body") }
        var reader = ProtobufReader(bytes: body, start: 4, end: body.count)
        var apiVersion = ""
        var kind = ""
        var raw: [UInt8] = []
        while let (field, wire) = try reader.nextTag() {
            switch (field, wire) {
            case (1, 2):
                var typeMeta = try reader.subReader()
                while let (f, w) = try typeMeta.nextTag() {
                    if f == 1, w == 2 { apiVersion = try typeMeta.string() }
                    else if f == 2, w == 2 { kind = try typeMeta.string() }
                    else { try typeMeta.skip(w) }
                }
            case (2, 2): raw = try reader.readBytes()
            default: try reader.skip(wire)
            }
        }
        let package: String
        switch apiVersion {
        case "v1": package = "core.v1"
        case "apps/v1": package = "apps.v1"
        case "discovery.k8s.io/v1": package = "discovery.v1"
        case "coordination.k8s.io/v1": package = "coordination.v1"
        case "autoscaling/v1": package = "autoscaling.v1"
        default: throw Failure(description: "no kind \"\(kind)\" is registered for version \"\(apiVersion)\"")
        }
        let message = package + "." + kind
        guard ProtobufSchema.messages[message] != nil else {
            throw Failure(description: "no kind \"\(kind)\" is registered for version \"\(apiVersion)\"")
        }
        var objectReader = ProtobufReader(bytes: raw, start: 0, end: raw.count)
        var json = try self.message(message, &objectReader)
        json["kind"] = .string(kind)
        json["apiVersion"] = .string(apiVersion)
        return json
    }

    static func message(_ name: String, _ reader: inout ProtobufReader) throws -> JSON {
        switch name {
        case "meta.v1.Time", "meta.v1.MicroTime":
            var seconds: Int64 = 0
            var nanos: Int64 = 0
            while let (f, w) = try reader.nextTag() {
                if f == 1, w == 0 { seconds = Int64(bitPattern: try reader.varint()) }
                else if f == 2, w == 0 { nanos = Int64(Int32(truncatingIfNeeded: try reader.varint())) }
                else { try reader.skip(w) }
            }
            if seconds == 0 && nanos == 0 { return .null }
            if name == "meta.v1.Time" { return .string(Time(secondsSinceEpoch: seconds).rfc3339) }
            return .string(MicroTime(microsecondsSinceEpoch: seconds * 1_000_000 + nanos / 1000).rfc3339)
        case "intstr.IntOrString":
            var type: UInt64 = 0
            var int: Int32 = 0
            var string = ""
            while let (f, w) = try reader.nextTag() {
                switch (f, w) {
                case (1, 0): type = try reader.varint()
                case (2, 0): int = Int32(truncatingIfNeeded: try reader.varint())
                case (3, 2): string = try reader.string()
                default: try reader.skip(w)
                }
            }
            return type == 1 ? .string(string) : .integer(Int64(int))
        case "resource.Quantity":
            var string = ""
            while let (f, w) = try reader.nextTag() {
                if f == 1, w == 2 { string = try reader.string() } else { try reader.skip(w) }
            }
            return .string(string)
        case "meta.v1.FieldsV1", "runtime.RawExtension":
            var raw: [UInt8] = []
            while let (f, w) = try reader.nextTag() {
                if f == 1, w == 2 { raw = try reader.readBytes() } else { try reader.skip(w) }
            }
            return raw.isEmpty ? .null : try JSON.parse(bytes: raw)
        default:
            break
        }
        guard let fields = ProtobufSchema.messages[name] else {
            throw Failure(description: "no protobuf schema for \(name)")
        }
        var members = JSON.object([:])
        var lists: [String: [JSON]] = [:]
        var maps: [String: [(String, JSON)]] = [:]
        while let (number, wire) = try reader.nextTag() {
            guard let field = fields[number] else {
                try reader.skip(wire)
                continue
            }
            let value: JSON
            switch field.type {
            case .string: value = .string(try reader.string())
            case .bytes: value = .string(Data(try reader.readBytes()).base64EncodedString())
            case .bool: value = .bool(try reader.varint() != 0)
            case .int32:
                if wire == 2, field.repeated {
                    var packed = try reader.subReader()
                    while !packed.isAtEnd { lists[field.name, default: []].append(.integer(Int64(Int32(truncatingIfNeeded: try packed.varint())))) }
                    continue
                }
                value = .integer(Int64(Int32(truncatingIfNeeded: try reader.varint())))
            case .int64:
                if wire == 2, field.repeated {
                    var packed = try reader.subReader()
                    while !packed.isAtEnd { lists[field.name, default: []].append(.integer(Int64(bitPattern: try packed.varint()))) }
                    continue
                }
                value = .integer(Int64(bitPattern: try reader.varint()))
            case .message(let type):
                var sub = try reader.subReader()
                value = try self.message(type, &sub)
            case .mapString, .mapBytes, .mapMessage:
                var entry = try reader.subReader()
                var key = ""
                var entryValue: JSON = .null
                while let (f, w) = try entry.nextTag() {
                    switch (f, w, field.type) {
                    case (1, 2, _): key = try entry.string()
                    case (2, 2, .mapString): entryValue = .string(try entry.string())
                    case (2, 2, .mapBytes): entryValue = .string(Data(try entry.readBytes()).base64EncodedString())
                    case (2, 2, .mapMessage(let type)):
                        var sub = try entry.subReader()
                        entryValue = try self.message(type, &sub)
                    default: try entry.skip(w)
                    }
                }
                if entryValue.isNull, case .mapString = field.type { entryValue = "" }
                maps[field.name, default: []].append((key, entryValue))
                continue
            }
            if field.inline {
                for (k, v) in value.objectValue ?? [:] { members[k] = v }
            } else if field.repeated {
                lists[field.name, default: []].append(value)
            } else {
                members[field.name] = value
            }
        }
        for (name, items) in lists { members[name] = .array(items) }
        for (name, entries) in maps {
            members[name] = .object(.init(entries, uniquingKeysWith: { _, last in last }))
        }
        return members
    }
}

/// Reads protobuf wire format: varints, length-delimited fields and tags.
struct ProtobufReader {
    let bytes: [UInt8]
    var index: Int
    let end: Int

    init(bytes: [UInt8], start: Int, end: Int) {
        self.bytes = bytes
        self.index = start
        self.end = end
    }

    var isAtEnd: Bool { self.index >= self.end }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard self.index < self.end, shift < 64 else { throw KubernetesProtobuf.Failure(description: "unexpected EOF") }
            let byte = self.bytes[self.index]
            self.index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func nextTag() throws -> (Int, Int)? {
        if self.isAtEnd { return nil }
        let tag = try self.varint()
        return (Int(tag >> 3), Int(tag & 7))
    }

    mutating func length() throws -> Int {
        let n = Int(try self.varint())
        guard n >= 0, self.index + n <= self.end else { throw KubernetesProtobuf.Failure(description: "unexpected EOF") }
        return n
    }

    mutating func readBytes() throws -> [UInt8] {
        let n = try self.length()
        defer { self.index += n }
        return Array(self.bytes[self.index..<self.index + n])
    }

    mutating func string() throws -> String { String(decoding: try self.readBytes(), as: UTF8.self) }

    mutating func subReader() throws -> ProtobufReader {
        let n = try self.length()
        defer { self.index += n }
        return ProtobufReader(bytes: self.bytes, start: self.index, end: self.index + n)
    }

    mutating func skip(_ wire: Int) throws {
        switch wire {
        case 0: _ = try self.varint()
        case 1: self.index += 8
        case 2: self.index += try self.length()
        case 5: self.index += 4
        default: throw KubernetesProtobuf.Failure(description: "illegal wire type \(wire)")
        }
        if self.index > self.end { throw KubernetesProtobuf.Failure(description: "unexpected EOF") }
    }
}

/// Field numbers of Kubernetes' generated.proto (k8s.io/api and apimachinery, 1.30 and
/// later; numbers are never reused). The JSON name is empty for fields Go inlines.
enum ProtobufSchema {
    enum FieldType: Sendable {
        case string, int32, int64, bool, bytes
        case message(String)
        case mapString, mapBytes
        case mapMessage(String)
    }

    struct Field: Sendable {
        let name: String
        let type: FieldType
        let repeated: Bool
        let inline: Bool

        init(_ name: String, _ type: FieldType, repeated: Bool = false, inline: Bool = false) {
            self.name = name
            self.type = type
            self.repeated = repeated
            self.inline = inline
        }
    }

    static let messages: [String: [Int: Field]] = [
        "apps.v1.Deployment": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("spec", .message("apps.v1.DeploymentSpec")), 3: .init("status", .message("apps.v1.DeploymentStatus"))],
        "apps.v1.DeploymentCondition": [1: .init("type", .string), 2: .init("status", .string), 4: .init("reason", .string), 5: .init("message", .string), 6: .init("lastUpdateTime", .message("meta.v1.Time")), 7: .init("lastTransitionTime", .message("meta.v1.Time"))],
        "apps.v1.DeploymentSpec": [1: .init("replicas", .int32), 2: .init("selector", .message("meta.v1.LabelSelector")), 3: .init("template", .message("core.v1.PodTemplateSpec")), 4: .init("strategy", .message("apps.v1.DeploymentStrategy")), 5: .init("minReadySeconds", .int32), 6: .init("revisionHistoryLimit", .int32), 7: .init("paused", .bool), 9: .init("progressDeadlineSeconds", .int32), 10: .init("podReplacementPolicy", .string)],
        "apps.v1.DeploymentStatus": [1: .init("observedGeneration", .int64), 2: .init("replicas", .int32), 3: .init("updatedReplicas", .int32), 4: .init("availableReplicas", .int32), 5: .init("unavailableReplicas", .int32), 6: .init("conditions", .message("apps.v1.DeploymentCondition"), repeated: true), 7: .init("readyReplicas", .int32), 8: .init("collisionCount", .int32), 9: .init("terminatingReplicas", .int32)],
        "apps.v1.DeploymentStrategy": [1: .init("type", .string), 2: .init("rollingUpdate", .message("apps.v1.RollingUpdateDeployment"))],
        "apps.v1.ReplicaSet": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("spec", .message("apps.v1.ReplicaSetSpec")), 3: .init("status", .message("apps.v1.ReplicaSetStatus"))],
        "apps.v1.ReplicaSetCondition": [1: .init("type", .string), 2: .init("status", .string), 3: .init("lastTransitionTime", .message("meta.v1.Time")), 4: .init("reason", .string), 5: .init("message", .string)],
        "apps.v1.ReplicaSetSpec": [1: .init("replicas", .int32), 2: .init("selector", .message("meta.v1.LabelSelector")), 3: .init("template", .message("core.v1.PodTemplateSpec")), 4: .init("minReadySeconds", .int32)],
        "apps.v1.ReplicaSetStatus": [1: .init("replicas", .int32), 2: .init("fullyLabeledReplicas", .int32), 3: .init("observedGeneration", .int64), 4: .init("readyReplicas", .int32), 5: .init("availableReplicas", .int32), 6: .init("conditions", .message("apps.v1.ReplicaSetCondition"), repeated: true), 7: .init("terminatingReplicas", .int32)],
        "apps.v1.RollingUpdateDeployment": [1: .init("maxUnavailable", .message("intstr.IntOrString")), 2: .init("maxSurge", .message("intstr.IntOrString"))],
        "autoscaling.v1.Scale": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("spec", .message("autoscaling.v1.ScaleSpec")), 3: .init("status", .message("autoscaling.v1.ScaleStatus"))],
        "autoscaling.v1.ScaleSpec": [1: .init("replicas", .int32)],
        "autoscaling.v1.ScaleStatus": [1: .init("replicas", .int32), 2: .init("selector", .string)],
        "coordination.v1.Lease": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("spec", .message("coordination.v1.LeaseSpec"))],
        "coordination.v1.LeaseSpec": [1: .init("holderIdentity", .string), 2: .init("leaseDurationSeconds", .int32), 3: .init("acquireTime", .message("meta.v1.MicroTime")), 4: .init("renewTime", .message("meta.v1.MicroTime")), 5: .init("leaseTransitions", .int32), 6: .init("strategy", .string), 7: .init("preferredHolder", .string)],
        "core.v1.Affinity": [1: .init("nodeAffinity", .message("core.v1.NodeAffinity")), 2: .init("podAffinity", .message("core.v1.PodAffinity")), 3: .init("podAntiAffinity", .message("core.v1.PodAntiAffinity"))],
        "core.v1.AppArmorProfile": [1: .init("type", .string), 2: .init("localhostProfile", .string)],
        "core.v1.AttachedVolume": [1: .init("name", .string), 2: .init("devicePath", .string)],
        "core.v1.Capabilities": [1: .init("add", .string, repeated: true), 2: .init("drop", .string, repeated: true)],
        "core.v1.ClientIPConfig": [1: .init("timeoutSeconds", .int32)],
        "core.v1.ConfigMap": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("data", .mapString), 3: .init("binaryData", .mapBytes), 4: .init("immutable", .bool)],
        "core.v1.ConfigMapEnvSource": [1: .init("", .message("core.v1.LocalObjectReference"), inline: true), 2: .init("optional", .bool)],
        "core.v1.ConfigMapKeySelector": [1: .init("", .message("core.v1.LocalObjectReference"), inline: true), 2: .init("key", .string), 3: .init("optional", .bool)],
        "core.v1.ConfigMapProjection": [1: .init("", .message("core.v1.LocalObjectReference"), inline: true), 2: .init("items", .message("core.v1.KeyToPath"), repeated: true), 4: .init("optional", .bool)],
        "core.v1.ConfigMapVolumeSource": [1: .init("", .message("core.v1.LocalObjectReference"), inline: true), 2: .init("items", .message("core.v1.KeyToPath"), repeated: true), 3: .init("defaultMode", .int32), 4: .init("optional", .bool)],
        "core.v1.Container": [1: .init("name", .string), 2: .init("image", .string), 3: .init("command", .string, repeated: true), 4: .init("args", .string, repeated: true), 5: .init("workingDir", .string), 6: .init("ports", .message("core.v1.ContainerPort"), repeated: true), 7: .init("env", .message("core.v1.EnvVar"), repeated: true), 8: .init("resources", .message("core.v1.ResourceRequirements")), 9: .init("volumeMounts", .message("core.v1.VolumeMount"), repeated: true), 10: .init("livenessProbe", .message("core.v1.Probe")), 11: .init("readinessProbe", .message("core.v1.Probe")), 12: .init("lifecycle", .message("core.v1.Lifecycle")), 13: .init("terminationMessagePath", .string), 14: .init("imagePullPolicy", .string), 15: .init("securityContext", .message("core.v1.SecurityContext")), 16: .init("stdin", .bool), 17: .init("stdinOnce", .bool), 18: .init("tty", .bool), 19: .init("envFrom", .message("core.v1.EnvFromSource"), repeated: true), 20: .init("terminationMessagePolicy", .string), 21: .init("volumeDevices", .message("core.v1.VolumeDevice"), repeated: true), 22: .init("startupProbe", .message("core.v1.Probe")), 23: .init("resizePolicy", .message("core.v1.ContainerResizePolicy"), repeated: true), 24: .init("restartPolicy", .string), 25: .init("restartPolicyRules", .message("core.v1.ContainerRestartRule"), repeated: true)],
        "core.v1.ContainerImage": [1: .init("names", .string, repeated: true), 2: .init("sizeBytes", .int64)],
        "core.v1.ContainerPort": [1: .init("name", .string), 2: .init("hostPort", .int32), 3: .init("containerPort", .int32), 4: .init("protocol", .string), 5: .init("hostIP", .string)],
        "core.v1.ContainerResizePolicy": [1: .init("resourceName", .string), 2: .init("restartPolicy", .string)],
        "core.v1.ContainerRestartRule": [1: .init("action", .string), 2: .init("exitCodes", .message("core.v1.ContainerRestartRuleOnExitCodes"))],
        "core.v1.ContainerRestartRuleOnExitCodes": [1: .init("operator", .string), 2: .init("values", .int32, repeated: true)],
        "core.v1.ContainerState": [1: .init("waiting", .message("core.v1.ContainerStateWaiting")), 2: .init("running", .message("core.v1.ContainerStateRunning")), 3: .init("terminated", .message("core.v1.ContainerStateTerminated"))],
        "core.v1.ContainerStateRunning": [1: .init("startedAt", .message("meta.v1.Time"))],
        "core.v1.ContainerStateTerminated": [1: .init("exitCode", .int32), 2: .init("signal", .int32), 3: .init("reason", .string), 4: .init("message", .string), 5: .init("startedAt", .message("meta.v1.Time")), 6: .init("finishedAt", .message("meta.v1.Time")), 7: .init("containerID", .string)],
        "core.v1.ContainerStateWaiting": [1: .init("reason", .string), 2: .init("message", .string)],
        "core.v1.ContainerStatus": [1: .init("name", .string), 2: .init("state", .message("core.v1.ContainerState")), 3: .init("lastState", .message("core.v1.ContainerState")), 4: .init("ready", .bool), 5: .init("restartCount", .int32), 6: .init("image", .string), 7: .init("imageID", .string), 8: .init("containerID", .string), 9: .init("started", .bool), 10: .init("allocatedResources", .mapMessage("resource.Quantity")), 11: .init("resources", .message("core.v1.ResourceRequirements")), 12: .init("volumeMounts", .message("core.v1.VolumeMountStatus"), repeated: true), 13: .init("user", .message("core.v1.ContainerUser")), 14: .init("allocatedResourcesStatus", .message("core.v1.ResourceStatus"), repeated: true), 15: .init("stopSignal", .string)],
        "core.v1.ContainerUser": [1: .init("linux", .message("core.v1.LinuxContainerUser"))],
        "core.v1.DaemonEndpoint": [1: .init("Port", .int32)],
        "core.v1.DownwardAPIProjection": [1: .init("items", .message("core.v1.DownwardAPIVolumeFile"), repeated: true)],
        "core.v1.DownwardAPIVolumeFile": [1: .init("path", .string), 2: .init("fieldRef", .message("core.v1.ObjectFieldSelector")), 3: .init("resourceFieldRef", .message("core.v1.ResourceFieldSelector")), 4: .init("mode", .int32)],
        "core.v1.DownwardAPIVolumeSource": [1: .init("items", .message("core.v1.DownwardAPIVolumeFile"), repeated: true), 2: .init("defaultMode", .int32)],
        "core.v1.EmptyDirVolumeSource": [1: .init("medium", .string), 2: .init("sizeLimit", .message("resource.Quantity"))],
        "core.v1.EndpointAddress": [1: .init("ip", .string), 2: .init("targetRef", .message("core.v1.ObjectReference")), 3: .init("hostname", .string), 4: .init("nodeName", .string)],
        "core.v1.EndpointPort": [1: .init("name", .string), 2: .init("port", .int32), 3: .init("protocol", .string), 4: .init("appProtocol", .string)],
        "core.v1.EndpointSubset": [1: .init("addresses", .message("core.v1.EndpointAddress"), repeated: true), 2: .init("notReadyAddresses", .message("core.v1.EndpointAddress"), repeated: true), 3: .init("ports", .message("core.v1.EndpointPort"), repeated: true)],
        "core.v1.Endpoints": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("subsets", .message("core.v1.EndpointSubset"), repeated: true)],
        "core.v1.EnvFromSource": [1: .init("prefix", .string), 2: .init("configMapRef", .message("core.v1.ConfigMapEnvSource")), 3: .init("secretRef", .message("core.v1.SecretEnvSource"))],
        "core.v1.EnvVar": [1: .init("name", .string), 2: .init("value", .string), 3: .init("valueFrom", .message("core.v1.EnvVarSource"))],
        "core.v1.EnvVarSource": [1: .init("fieldRef", .message("core.v1.ObjectFieldSelector")), 2: .init("resourceFieldRef", .message("core.v1.ResourceFieldSelector")), 3: .init("configMapKeyRef", .message("core.v1.ConfigMapKeySelector")), 4: .init("secretKeyRef", .message("core.v1.SecretKeySelector")), 5: .init("fileKeyRef", .message("core.v1.FileKeySelector"))],
        "core.v1.EphemeralContainer": [1: .init("", .message("core.v1.EphemeralContainerCommon"), inline: true), 2: .init("targetContainerName", .string)],
        "core.v1.Event": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("involvedObject", .message("core.v1.ObjectReference")), 3: .init("reason", .string), 4: .init("message", .string), 5: .init("source", .message("core.v1.EventSource")), 6: .init("firstTimestamp", .message("meta.v1.Time")), 7: .init("lastTimestamp", .message("meta.v1.Time")), 8: .init("count", .int32), 9: .init("type", .string), 10: .init("eventTime", .message("meta.v1.MicroTime")), 11: .init("series", .message("core.v1.EventSeries")), 12: .init("action", .string), 13: .init("related", .message("core.v1.ObjectReference")), 14: .init("reportingComponent", .string), 15: .init("reportingInstance", .string)],
        "core.v1.EventSeries": [1: .init("count", .int32), 2: .init("lastObservedTime", .message("meta.v1.MicroTime"))],
        "core.v1.EventSource": [1: .init("component", .string), 2: .init("host", .string)],
        "core.v1.ExecAction": [1: .init("command", .string, repeated: true)],
        "core.v1.FileKeySelector": [1: .init("volumeName", .string), 2: .init("path", .string), 3: .init("key", .string), 4: .init("optional", .bool)],
        "core.v1.GRPCAction": [1: .init("port", .int32), 2: .init("service", .string)],
        "core.v1.HTTPGetAction": [1: .init("path", .string), 2: .init("port", .message("intstr.IntOrString")), 3: .init("host", .string), 4: .init("scheme", .string), 5: .init("httpHeaders", .message("core.v1.HTTPHeader"), repeated: true)],
        "core.v1.HTTPHeader": [1: .init("name", .string), 2: .init("value", .string)],
        "core.v1.HostAlias": [1: .init("ip", .string), 2: .init("hostnames", .string, repeated: true)],
        "core.v1.HostIP": [1: .init("ip", .string)],
        "core.v1.HostPathVolumeSource": [1: .init("path", .string), 2: .init("type", .string)],
        "core.v1.KeyToPath": [1: .init("key", .string), 2: .init("path", .string), 3: .init("mode", .int32)],
        "core.v1.Lifecycle": [1: .init("postStart", .message("core.v1.LifecycleHandler")), 2: .init("preStop", .message("core.v1.LifecycleHandler")), 3: .init("stopSignal", .string)],
        "core.v1.LifecycleHandler": [1: .init("exec", .message("core.v1.ExecAction")), 2: .init("httpGet", .message("core.v1.HTTPGetAction")), 3: .init("tcpSocket", .message("core.v1.TCPSocketAction")), 4: .init("sleep", .message("core.v1.SleepAction"))],
        "core.v1.LinuxContainerUser": [1: .init("uid", .int64), 2: .init("gid", .int64), 3: .init("supplementalGroups", .int64, repeated: true)],
        "core.v1.LoadBalancerIngress": [1: .init("ip", .string), 2: .init("hostname", .string), 3: .init("ipMode", .string), 4: .init("ports", .message("core.v1.PortStatus"), repeated: true)],
        "core.v1.LoadBalancerStatus": [1: .init("ingress", .message("core.v1.LoadBalancerIngress"), repeated: true)],
        "core.v1.LocalObjectReference": [1: .init("name", .string)],
        "core.v1.Namespace": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("spec", .message("core.v1.NamespaceSpec")), 3: .init("status", .message("core.v1.NamespaceStatus"))],
        "core.v1.NamespaceCondition": [1: .init("type", .string), 2: .init("status", .string), 4: .init("lastTransitionTime", .message("meta.v1.Time")), 5: .init("reason", .string), 6: .init("message", .string)],
        "core.v1.NamespaceSpec": [1: .init("finalizers", .string, repeated: true)],
        "core.v1.NamespaceStatus": [1: .init("phase", .string), 2: .init("conditions", .message("core.v1.NamespaceCondition"), repeated: true)],
        "core.v1.Node": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("spec", .message("core.v1.NodeSpec")), 3: .init("status", .message("core.v1.NodeStatus"))],
        "core.v1.NodeAddress": [1: .init("type", .string), 2: .init("address", .string)],
        "core.v1.NodeAffinity": [1: .init("requiredDuringSchedulingIgnoredDuringExecution", .message("core.v1.NodeSelector")), 2: .init("preferredDuringSchedulingIgnoredDuringExecution", .message("core.v1.PreferredSchedulingTerm"), repeated: true)],
        "core.v1.NodeCondition": [1: .init("type", .string), 2: .init("status", .string), 3: .init("lastHeartbeatTime", .message("meta.v1.Time")), 4: .init("lastTransitionTime", .message("meta.v1.Time")), 5: .init("reason", .string), 6: .init("message", .string)],
        "core.v1.NodeConfigSource": [2: .init("configMap", .message("core.v1.ConfigMapNodeConfigSource"))],
        "core.v1.NodeDaemonEndpoints": [1: .init("kubeletEndpoint", .message("core.v1.DaemonEndpoint"))],
        "core.v1.NodeSelector": [1: .init("nodeSelectorTerms", .message("core.v1.NodeSelectorTerm"), repeated: true)],
        "core.v1.NodeSelectorRequirement": [1: .init("key", .string), 2: .init("operator", .string), 3: .init("values", .string, repeated: true)],
        "core.v1.NodeSelectorTerm": [1: .init("matchExpressions", .message("core.v1.NodeSelectorRequirement"), repeated: true), 2: .init("matchFields", .message("core.v1.NodeSelectorRequirement"), repeated: true)],
        "core.v1.NodeSpec": [1: .init("podCIDR", .string), 2: .init("externalID", .string), 3: .init("providerID", .string), 4: .init("unschedulable", .bool), 5: .init("taints", .message("core.v1.Taint"), repeated: true), 6: .init("configSource", .message("core.v1.NodeConfigSource")), 7: .init("podCIDRs", .string, repeated: true)],
        "core.v1.NodeStatus": [1: .init("capacity", .mapMessage("resource.Quantity")), 2: .init("allocatable", .mapMessage("resource.Quantity")), 3: .init("phase", .string), 4: .init("conditions", .message("core.v1.NodeCondition"), repeated: true), 5: .init("addresses", .message("core.v1.NodeAddress"), repeated: true), 6: .init("daemonEndpoints", .message("core.v1.NodeDaemonEndpoints")), 7: .init("nodeInfo", .message("core.v1.NodeSystemInfo")), 8: .init("images", .message("core.v1.ContainerImage"), repeated: true), 9: .init("volumesInUse", .string, repeated: true), 10: .init("volumesAttached", .message("core.v1.AttachedVolume"), repeated: true), 11: .init("config", .message("core.v1.NodeConfigStatus")), 12: .init("runtimeHandlers", .message("core.v1.NodeRuntimeHandler"), repeated: true), 13: .init("features", .message("core.v1.NodeFeatures")), 14: .init("declaredFeatures", .string, repeated: true)],
        "core.v1.NodeSystemInfo": [1: .init("machineID", .string), 2: .init("systemUUID", .string), 3: .init("bootID", .string), 4: .init("kernelVersion", .string), 5: .init("osImage", .string), 6: .init("containerRuntimeVersion", .string), 7: .init("kubeletVersion", .string), 8: .init("kubeProxyVersion", .string), 9: .init("operatingSystem", .string), 10: .init("architecture", .string), 11: .init("swap", .message("core.v1.NodeSwapStatus"))],
        "core.v1.ObjectFieldSelector": [1: .init("apiVersion", .string), 2: .init("fieldPath", .string)],
        "core.v1.ObjectReference": [1: .init("kind", .string), 2: .init("namespace", .string), 3: .init("name", .string), 4: .init("uid", .string), 5: .init("apiVersion", .string), 6: .init("resourceVersion", .string), 7: .init("fieldPath", .string)],
        "core.v1.PersistentVolumeClaimVolumeSource": [1: .init("claimName", .string), 2: .init("readOnly", .bool)],
        "core.v1.Pod": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("spec", .message("core.v1.PodSpec")), 3: .init("status", .message("core.v1.PodStatus"))],
        "core.v1.PodAffinity": [1: .init("requiredDuringSchedulingIgnoredDuringExecution", .message("core.v1.PodAffinityTerm"), repeated: true), 2: .init("preferredDuringSchedulingIgnoredDuringExecution", .message("core.v1.WeightedPodAffinityTerm"), repeated: true)],
        "core.v1.PodAffinityTerm": [1: .init("labelSelector", .message("meta.v1.LabelSelector")), 2: .init("namespaces", .string, repeated: true), 3: .init("topologyKey", .string), 4: .init("namespaceSelector", .message("meta.v1.LabelSelector")), 5: .init("matchLabelKeys", .string, repeated: true), 6: .init("mismatchLabelKeys", .string, repeated: true)],
        "core.v1.PodAntiAffinity": [1: .init("requiredDuringSchedulingIgnoredDuringExecution", .message("core.v1.PodAffinityTerm"), repeated: true), 2: .init("preferredDuringSchedulingIgnoredDuringExecution", .message("core.v1.WeightedPodAffinityTerm"), repeated: true)],
        "core.v1.PodCondition": [1: .init("type", .string), 2: .init("status", .string), 3: .init("lastProbeTime", .message("meta.v1.Time")), 4: .init("lastTransitionTime", .message("meta.v1.Time")), 5: .init("reason", .string), 6: .init("message", .string), 7: .init("observedGeneration", .int64)],
        "core.v1.PodDNSConfig": [1: .init("nameservers", .string, repeated: true), 2: .init("searches", .string, repeated: true), 3: .init("options", .message("core.v1.PodDNSConfigOption"), repeated: true)],
        "core.v1.PodDNSConfigOption": [1: .init("name", .string), 2: .init("value", .string)],
        "core.v1.PodIP": [1: .init("ip", .string)],
        "core.v1.PodOS": [1: .init("name", .string)],
        "core.v1.PodReadinessGate": [1: .init("conditionType", .string)],
        "core.v1.PodResourceClaim": [1: .init("name", .string), 3: .init("resourceClaimName", .string), 4: .init("resourceClaimTemplateName", .string)],
        "core.v1.PodResourceClaimStatus": [1: .init("name", .string), 2: .init("resourceClaimName", .string)],
        "core.v1.PodSchedulingGate": [1: .init("name", .string)],
        "core.v1.PodSecurityContext": [1: .init("seLinuxOptions", .message("core.v1.SELinuxOptions")), 2: .init("runAsUser", .int64), 3: .init("runAsNonRoot", .bool), 4: .init("supplementalGroups", .int64, repeated: true), 5: .init("fsGroup", .int64), 6: .init("runAsGroup", .int64), 7: .init("sysctls", .message("core.v1.Sysctl"), repeated: true), 8: .init("windowsOptions", .message("core.v1.WindowsSecurityContextOptions")), 9: .init("fsGroupChangePolicy", .string), 10: .init("seccompProfile", .message("core.v1.SeccompProfile")), 11: .init("appArmorProfile", .message("core.v1.AppArmorProfile")), 12: .init("supplementalGroupsPolicy", .string), 13: .init("seLinuxChangePolicy", .string)],
        "core.v1.PodSpec": [1: .init("volumes", .message("core.v1.Volume"), repeated: true), 2: .init("containers", .message("core.v1.Container"), repeated: true), 3: .init("restartPolicy", .string), 4: .init("terminationGracePeriodSeconds", .int64), 5: .init("activeDeadlineSeconds", .int64), 6: .init("dnsPolicy", .string), 7: .init("nodeSelector", .mapString), 8: .init("serviceAccountName", .string), 9: .init("serviceAccount", .string), 10: .init("nodeName", .string), 11: .init("hostNetwork", .bool), 12: .init("hostPID", .bool), 13: .init("hostIPC", .bool), 14: .init("securityContext", .message("core.v1.PodSecurityContext")), 15: .init("imagePullSecrets", .message("core.v1.LocalObjectReference"), repeated: true), 16: .init("hostname", .string), 17: .init("subdomain", .string), 18: .init("affinity", .message("core.v1.Affinity")), 19: .init("schedulerName", .string), 20: .init("initContainers", .message("core.v1.Container"), repeated: true), 21: .init("automountServiceAccountToken", .bool), 22: .init("tolerations", .message("core.v1.Toleration"), repeated: true), 23: .init("hostAliases", .message("core.v1.HostAlias"), repeated: true), 24: .init("priorityClassName", .string), 25: .init("priority", .int32), 26: .init("dnsConfig", .message("core.v1.PodDNSConfig")), 27: .init("shareProcessNamespace", .bool), 28: .init("readinessGates", .message("core.v1.PodReadinessGate"), repeated: true), 29: .init("runtimeClassName", .string), 30: .init("enableServiceLinks", .bool), 31: .init("preemptionPolicy", .string), 32: .init("overhead", .mapMessage("resource.Quantity")), 33: .init("topologySpreadConstraints", .message("core.v1.TopologySpreadConstraint"), repeated: true), 34: .init("ephemeralContainers", .message("core.v1.EphemeralContainer"), repeated: true), 35: .init("setHostnameAsFQDN", .bool), 36: .init("os", .message("core.v1.PodOS")), 37: .init("hostUsers", .bool), 38: .init("schedulingGates", .message("core.v1.PodSchedulingGate"), repeated: true), 39: .init("resourceClaims", .message("core.v1.PodResourceClaim"), repeated: true), 40: .init("resources", .message("core.v1.ResourceRequirements")), 41: .init("hostnameOverride", .string), 42: .init("workloadRef", .message("core.v1.WorkloadReference"))],
        "core.v1.PodStatus": [1: .init("phase", .string), 2: .init("conditions", .message("core.v1.PodCondition"), repeated: true), 3: .init("message", .string), 4: .init("reason", .string), 5: .init("hostIP", .string), 6: .init("podIP", .string), 7: .init("startTime", .message("meta.v1.Time")), 8: .init("containerStatuses", .message("core.v1.ContainerStatus"), repeated: true), 9: .init("qosClass", .string), 10: .init("initContainerStatuses", .message("core.v1.ContainerStatus"), repeated: true), 11: .init("nominatedNodeName", .string), 12: .init("podIPs", .message("core.v1.PodIP"), repeated: true), 13: .init("ephemeralContainerStatuses", .message("core.v1.ContainerStatus"), repeated: true), 14: .init("resize", .string), 15: .init("resourceClaimStatuses", .message("core.v1.PodResourceClaimStatus"), repeated: true), 16: .init("hostIPs", .message("core.v1.HostIP"), repeated: true), 17: .init("observedGeneration", .int64), 18: .init("extendedResourceClaimStatus", .message("core.v1.PodExtendedResourceClaimStatus")), 19: .init("allocatedResources", .mapMessage("resource.Quantity")), 20: .init("resources", .message("core.v1.ResourceRequirements"))],
        "core.v1.PodTemplateSpec": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("spec", .message("core.v1.PodSpec"))],
        "core.v1.PortStatus": [1: .init("port", .int32), 2: .init("protocol", .string), 3: .init("error", .string)],
        "core.v1.PreferredSchedulingTerm": [1: .init("weight", .int32), 2: .init("preference", .message("core.v1.NodeSelectorTerm"))],
        "core.v1.Probe": [1: .init("", .message("core.v1.ProbeHandler"), inline: true), 2: .init("initialDelaySeconds", .int32), 3: .init("timeoutSeconds", .int32), 4: .init("periodSeconds", .int32), 5: .init("successThreshold", .int32), 6: .init("failureThreshold", .int32), 7: .init("terminationGracePeriodSeconds", .int64)],
        "core.v1.ProbeHandler": [1: .init("exec", .message("core.v1.ExecAction")), 2: .init("httpGet", .message("core.v1.HTTPGetAction")), 3: .init("tcpSocket", .message("core.v1.TCPSocketAction")), 4: .init("grpc", .message("core.v1.GRPCAction"))],
        "core.v1.ProjectedVolumeSource": [1: .init("sources", .message("core.v1.VolumeProjection"), repeated: true), 2: .init("defaultMode", .int32)],
        "core.v1.ResourceClaim": [1: .init("name", .string), 2: .init("request", .string)],
        "core.v1.ResourceFieldSelector": [1: .init("containerName", .string), 2: .init("resource", .string), 3: .init("divisor", .message("resource.Quantity"))],
        "core.v1.ResourceRequirements": [1: .init("limits", .mapMessage("resource.Quantity")), 2: .init("requests", .mapMessage("resource.Quantity")), 3: .init("claims", .message("core.v1.ResourceClaim"), repeated: true)],
        "core.v1.SELinuxOptions": [1: .init("user", .string), 2: .init("role", .string), 3: .init("type", .string), 4: .init("level", .string)],
        "core.v1.SeccompProfile": [1: .init("type", .string), 2: .init("localhostProfile", .string)],
        "core.v1.Secret": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("data", .mapBytes), 3: .init("type", .string), 4: .init("stringData", .mapString), 5: .init("immutable", .bool)],
        "core.v1.SecretEnvSource": [1: .init("", .message("core.v1.LocalObjectReference"), inline: true), 2: .init("optional", .bool)],
        "core.v1.SecretKeySelector": [1: .init("", .message("core.v1.LocalObjectReference"), inline: true), 2: .init("key", .string), 3: .init("optional", .bool)],
        "core.v1.SecretProjection": [1: .init("", .message("core.v1.LocalObjectReference"), inline: true), 2: .init("items", .message("core.v1.KeyToPath"), repeated: true), 4: .init("optional", .bool)],
        "core.v1.SecretVolumeSource": [1: .init("secretName", .string), 2: .init("items", .message("core.v1.KeyToPath"), repeated: true), 3: .init("defaultMode", .int32), 4: .init("optional", .bool)],
        "core.v1.SecurityContext": [1: .init("capabilities", .message("core.v1.Capabilities")), 2: .init("privileged", .bool), 3: .init("seLinuxOptions", .message("core.v1.SELinuxOptions")), 4: .init("runAsUser", .int64), 5: .init("runAsNonRoot", .bool), 6: .init("readOnlyRootFilesystem", .bool), 7: .init("allowPrivilegeEscalation", .bool), 8: .init("runAsGroup", .int64), 9: .init("procMount", .string), 10: .init("windowsOptions", .message("core.v1.WindowsSecurityContextOptions")), 11: .init("seccompProfile", .message("core.v1.SeccompProfile")), 12: .init("appArmorProfile", .message("core.v1.AppArmorProfile")), 13: .init("ulimits", .message("core.v1.Ulimit"), repeated: true)],
        "core.v1.Service": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("spec", .message("core.v1.ServiceSpec")), 3: .init("status", .message("core.v1.ServiceStatus"))],
        "core.v1.ServiceAccountTokenProjection": [1: .init("audience", .string), 2: .init("expirationSeconds", .int64), 3: .init("path", .string)],
        "core.v1.ServicePort": [1: .init("name", .string), 2: .init("protocol", .string), 3: .init("port", .int32), 4: .init("targetPort", .message("intstr.IntOrString")), 5: .init("nodePort", .int32), 6: .init("appProtocol", .string)],
        "core.v1.ServiceSpec": [1: .init("ports", .message("core.v1.ServicePort"), repeated: true), 2: .init("selector", .mapString), 3: .init("clusterIP", .string), 4: .init("type", .string), 5: .init("externalIPs", .string, repeated: true), 7: .init("sessionAffinity", .string), 8: .init("loadBalancerIP", .string), 9: .init("loadBalancerSourceRanges", .string, repeated: true), 10: .init("externalName", .string), 11: .init("externalTrafficPolicy", .string), 12: .init("healthCheckNodePort", .int32), 13: .init("publishNotReadyAddresses", .bool), 14: .init("sessionAffinityConfig", .message("core.v1.SessionAffinityConfig")), 17: .init("ipFamilyPolicy", .string), 18: .init("clusterIPs", .string, repeated: true), 19: .init("ipFamilies", .string, repeated: true), 20: .init("allocateLoadBalancerNodePorts", .bool), 21: .init("loadBalancerClass", .string), 22: .init("internalTrafficPolicy", .string), 23: .init("trafficDistribution", .string)],
        "core.v1.ServiceStatus": [1: .init("loadBalancer", .message("core.v1.LoadBalancerStatus")), 2: .init("conditions", .message("meta.v1.Condition"), repeated: true)],
        "core.v1.SessionAffinityConfig": [1: .init("clientIP", .message("core.v1.ClientIPConfig"))],
        "core.v1.SleepAction": [1: .init("seconds", .int64)],
        "core.v1.Sysctl": [1: .init("name", .string), 2: .init("value", .string)],
        "core.v1.TCPSocketAction": [1: .init("port", .message("intstr.IntOrString")), 2: .init("host", .string)],
        "core.v1.Taint": [1: .init("key", .string), 2: .init("value", .string), 3: .init("effect", .string), 4: .init("timeAdded", .message("meta.v1.Time"))],
        "core.v1.Toleration": [1: .init("key", .string), 2: .init("operator", .string), 3: .init("value", .string), 4: .init("effect", .string), 5: .init("tolerationSeconds", .int64)],
        "core.v1.TopologySpreadConstraint": [1: .init("maxSkew", .int32), 2: .init("topologyKey", .string), 3: .init("whenUnsatisfiable", .string), 4: .init("labelSelector", .message("meta.v1.LabelSelector")), 5: .init("minDomains", .int32), 6: .init("nodeAffinityPolicy", .string), 7: .init("nodeTaintsPolicy", .string), 8: .init("matchLabelKeys", .string, repeated: true)],
        "core.v1.Ulimit": [1: .init("name", .string), 2: .init("hard", .int64), 3: .init("soft", .int64)],
        "core.v1.Volume": [1: .init("name", .string), 2: .init("", .message("core.v1.VolumeSource"), inline: true)],
        "core.v1.VolumeDevice": [1: .init("name", .string), 2: .init("devicePath", .string)],
        "core.v1.VolumeMount": [1: .init("name", .string), 2: .init("readOnly", .bool), 3: .init("mountPath", .string), 4: .init("subPath", .string), 5: .init("mountPropagation", .string), 6: .init("subPathExpr", .string), 7: .init("recursiveReadOnly", .string)],
        "core.v1.VolumeMountStatus": [1: .init("name", .string), 2: .init("mountPath", .string), 3: .init("readOnly", .bool), 4: .init("recursiveReadOnly", .string), 5: .init("volumeStatus", .message("core.v1.VolumeStatus"))],
        "core.v1.VolumeProjection": [1: .init("secret", .message("core.v1.SecretProjection")), 2: .init("downwardAPI", .message("core.v1.DownwardAPIProjection")), 3: .init("configMap", .message("core.v1.ConfigMapProjection")), 4: .init("serviceAccountToken", .message("core.v1.ServiceAccountTokenProjection")), 5: .init("clusterTrustBundle", .message("core.v1.ClusterTrustBundleProjection")), 6: .init("podCertificate", .message("core.v1.PodCertificateProjection"))],
        "core.v1.VolumeSource": [1: .init("hostPath", .message("core.v1.HostPathVolumeSource")), 2: .init("emptyDir", .message("core.v1.EmptyDirVolumeSource")), 3: .init("gcePersistentDisk", .message("core.v1.GCEPersistentDiskVolumeSource")), 4: .init("awsElasticBlockStore", .message("core.v1.AWSElasticBlockStoreVolumeSource")), 5: .init("gitRepo", .message("core.v1.GitRepoVolumeSource")), 6: .init("secret", .message("core.v1.SecretVolumeSource")), 7: .init("nfs", .message("core.v1.NFSVolumeSource")), 8: .init("iscsi", .message("core.v1.ISCSIVolumeSource")), 9: .init("glusterfs", .message("core.v1.GlusterfsVolumeSource")), 10: .init("persistentVolumeClaim", .message("core.v1.PersistentVolumeClaimVolumeSource")), 11: .init("rbd", .message("core.v1.RBDVolumeSource")), 12: .init("flexVolume", .message("core.v1.FlexVolumeSource")), 13: .init("cinder", .message("core.v1.CinderVolumeSource")), 14: .init("cephfs", .message("core.v1.CephFSVolumeSource")), 15: .init("flocker", .message("core.v1.FlockerVolumeSource")), 16: .init("downwardAPI", .message("core.v1.DownwardAPIVolumeSource")), 17: .init("fc", .message("core.v1.FCVolumeSource")), 18: .init("azureFile", .message("core.v1.AzureFileVolumeSource")), 19: .init("configMap", .message("core.v1.ConfigMapVolumeSource")), 20: .init("vsphereVolume", .message("core.v1.VsphereVirtualDiskVolumeSource")), 21: .init("quobyte", .message("core.v1.QuobyteVolumeSource")), 22: .init("azureDisk", .message("core.v1.AzureDiskVolumeSource")), 23: .init("photonPersistentDisk", .message("core.v1.PhotonPersistentDiskVolumeSource")), 24: .init("portworxVolume", .message("core.v1.PortworxVolumeSource")), 25: .init("scaleIO", .message("core.v1.ScaleIOVolumeSource")), 26: .init("projected", .message("core.v1.ProjectedVolumeSource")), 27: .init("storageos", .message("core.v1.StorageOSVolumeSource")), 28: .init("csi", .message("core.v1.CSIVolumeSource")), 29: .init("ephemeral", .message("core.v1.EphemeralVolumeSource")), 30: .init("image", .message("core.v1.ImageVolumeSource"))],
        "core.v1.WeightedPodAffinityTerm": [1: .init("weight", .int32), 2: .init("podAffinityTerm", .message("core.v1.PodAffinityTerm"))],
        "core.v1.WindowsSecurityContextOptions": [1: .init("gmsaCredentialSpecName", .string), 2: .init("gmsaCredentialSpec", .string), 3: .init("runAsUserName", .string), 4: .init("hostProcess", .bool)],
        "core.v1.WorkloadReference": [1: .init("name", .string), 2: .init("podGroup", .string), 3: .init("podGroupReplicaKey", .string)],
        "discovery.v1.Endpoint": [1: .init("addresses", .string, repeated: true), 2: .init("conditions", .message("discovery.v1.EndpointConditions")), 3: .init("hostname", .string), 4: .init("targetRef", .message("core.v1.ObjectReference")), 5: .init("deprecatedTopology", .mapString), 6: .init("nodeName", .string), 7: .init("zone", .string), 8: .init("hints", .message("discovery.v1.EndpointHints"))],
        "discovery.v1.EndpointConditions": [1: .init("ready", .bool), 2: .init("serving", .bool), 3: .init("terminating", .bool)],
        "discovery.v1.EndpointHints": [1: .init("forZones", .message("discovery.v1.ForZone"), repeated: true), 2: .init("forNodes", .message("discovery.v1.ForNode"), repeated: true)],
        "discovery.v1.EndpointPort": [1: .init("name", .string), 2: .init("protocol", .string), 3: .init("port", .int32), 4: .init("appProtocol", .string)],
        "discovery.v1.EndpointSlice": [1: .init("metadata", .message("meta.v1.ObjectMeta")), 2: .init("endpoints", .message("discovery.v1.Endpoint"), repeated: true), 3: .init("ports", .message("discovery.v1.EndpointPort"), repeated: true), 4: .init("addressType", .string)],
        "discovery.v1.ForNode": [1: .init("name", .string)],
        "discovery.v1.ForZone": [1: .init("name", .string)],
        "intstr.IntOrString": [1: .init("type", .int64), 2: .init("intVal", .int32), 3: .init("strVal", .string)],
        "meta.v1.Condition": [1: .init("type", .string), 2: .init("status", .string), 3: .init("observedGeneration", .int64), 4: .init("lastTransitionTime", .message("meta.v1.Time")), 5: .init("reason", .string), 6: .init("message", .string)],
        "meta.v1.DeleteOptions": [1: .init("gracePeriodSeconds", .int64), 2: .init("preconditions", .message("meta.v1.Preconditions")), 3: .init("orphanDependents", .bool), 4: .init("propagationPolicy", .string), 5: .init("dryRun", .string, repeated: true), 6: .init("ignoreStoreReadErrorWithClusterBreakingPotential", .bool)],
        "meta.v1.FieldsV1": [1: .init("Raw", .bytes)],
        "meta.v1.LabelSelector": [1: .init("matchLabels", .mapString), 2: .init("matchExpressions", .message("meta.v1.LabelSelectorRequirement"), repeated: true)],
        "meta.v1.LabelSelectorRequirement": [1: .init("key", .string), 2: .init("operator", .string), 3: .init("values", .string, repeated: true)],
        "meta.v1.ListMeta": [1: .init("selfLink", .string), 2: .init("resourceVersion", .string), 3: .init("continue", .string), 4: .init("remainingItemCount", .int64), 5: .init("shardInfo", .message("meta.v1.ShardInfo"))],
        "meta.v1.ManagedFieldsEntry": [1: .init("manager", .string), 2: .init("operation", .string), 3: .init("apiVersion", .string), 4: .init("time", .message("meta.v1.Time")), 6: .init("fieldsType", .string), 7: .init("fieldsV1", .message("meta.v1.FieldsV1")), 8: .init("subresource", .string)],
        "meta.v1.MicroTime": [1: .init("seconds", .int64), 2: .init("nanos", .int32)],
        "meta.v1.ObjectMeta": [1: .init("name", .string), 2: .init("generateName", .string), 3: .init("namespace", .string), 4: .init("selfLink", .string), 5: .init("uid", .string), 6: .init("resourceVersion", .string), 7: .init("generation", .int64), 8: .init("creationTimestamp", .message("meta.v1.Time")), 9: .init("deletionTimestamp", .message("meta.v1.Time")), 10: .init("deletionGracePeriodSeconds", .int64), 11: .init("labels", .mapString), 12: .init("annotations", .mapString), 13: .init("ownerReferences", .message("meta.v1.OwnerReference"), repeated: true), 14: .init("finalizers", .string, repeated: true), 17: .init("managedFields", .message("meta.v1.ManagedFieldsEntry"), repeated: true)],
        "meta.v1.OwnerReference": [1: .init("kind", .string), 3: .init("name", .string), 4: .init("uid", .string), 5: .init("apiVersion", .string), 6: .init("controller", .bool), 7: .init("blockOwnerDeletion", .bool)],
        "meta.v1.Preconditions": [1: .init("uid", .string), 2: .init("resourceVersion", .string)],
        "meta.v1.Status": [1: .init("metadata", .message("meta.v1.ListMeta")), 2: .init("status", .string), 3: .init("message", .string), 4: .init("reason", .string), 5: .init("details", .message("meta.v1.StatusDetails")), 6: .init("code", .int32)],
        "meta.v1.StatusCause": [1: .init("reason", .string), 2: .init("message", .string), 3: .init("field", .string)],
        "meta.v1.StatusDetails": [1: .init("name", .string), 2: .init("group", .string), 3: .init("kind", .string), 4: .init("causes", .message("meta.v1.StatusCause"), repeated: true), 5: .init("retryAfterSeconds", .int32), 6: .init("uid", .string)],
        "meta.v1.Time": [1: .init("seconds", .int64), 2: .init("nanos", .int32)],
        "meta.v1.TypeMeta": [1: .init("kind", .string), 2: .init("apiVersion", .string)],
        "meta.v1.WatchEvent": [1: .init("type", .string), 2: .init("object", .message("runtime.RawExtension"))],
        "resource.Quantity": [1: .init("string", .string)],
        "runtime.RawExtension": [1: .init("raw", .bytes)],
        "runtime.TypeMeta": [1: .init("apiVersion", .string), 2: .init("kind", .string)],
        "runtime.Unknown": [1: .init("", .message("runtime.TypeMeta"), inline: true), 2: .init("raw", .bytes), 3: .init("contentEncoding", .string), 4: .init("contentType", .string)],
    ]
}
