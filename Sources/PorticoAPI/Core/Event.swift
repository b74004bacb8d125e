/// core/v1 Event: a note about an object, shown by `kubectl describe` and `kubectl get events`.
public struct Event: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "Event"

    @OmitEmpty public var kind: String = ""
    @OmitEmpty public var apiVersion: String = ""
    public var metadata: ObjectMeta = ObjectMeta()
    public var involvedObject: ObjectReference = ObjectReference()
    @OmitEmpty public var reason: String = ""
    @OmitEmpty public var message: String = ""
    public var source: EventSource = EventSource()
    @NullWhenZero public var firstTimestamp: Time? = nil
    @NullWhenZero public var lastTimestamp: Time? = nil
    @OmitEmpty public var count: Int32 = 0
    @OmitEmpty public var type: String = ""
    @NullWhenZero public var eventTime: MicroTime? = nil
    public var series: EventSeries? = nil
    @OmitEmpty public var action: String = ""
    public var related: ObjectReference? = nil
    public var reportingComponent: String = ""
    public var reportingInstance: String = ""

    public init(metadata: ObjectMeta = ObjectMeta(), involvedObject: ObjectReference = ObjectReference(),
                reason: String = "", message: String = "", type: String = "") {
        self.kind = Self.kind
        self.apiVersion = Self.apiVersion
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
    }

    public static let normal = "Normal"
    public static let warning = "Warning"
}

public struct EventSource: Codable, Sendable, Hashable {
    @OmitEmpty public var component: String = ""
    @OmitEmpty public var host: String = ""

    public init(component: String = "", host: String = "") {
        self.component = component
        self.host = host
    }
}

public struct EventSeries: Codable, Sendable, Hashable {
    @OmitEmpty public var count: Int32 = 0
    @NullWhenZero public var lastObservedTime: MicroTime? = nil

    public init(count: Int32 = 0, lastObservedTime: MicroTime? = nil) {
        self.count = count
        self.lastObservedTime = lastObservedTime
    }
}
