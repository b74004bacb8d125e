import NIOCore

/// Writing a message with name compression (RFC 1035 §4.1.4) and truncation: records are
/// written in order until the size limit; a record that does not fit is taken back whole,
/// and if it belonged to the answer or authority section the TC bit is set (RFC 2181 §9);
/// additional records that do not fit are left out silently. Room for the OPT record is
/// kept from the start, so it is always there when the query had one.
struct DNSMessageWriter {
    var buffer: ByteBuffer
    var base: Int
    /// Name suffixes already written, by a hash of their lower-cased labels → their offset
    /// from the message start (a hit is checked against the octets before it is used).
    var offsets: [UInt64: Int] = [:]

    init(buffer: ByteBuffer) {
        self.buffer = buffer
        self.base = buffer.writerIndex
    }

    var size: Int { self.buffer.writerIndex - self.base }

    /// FNV-1a over the lower-cased labels from `start` on, with their lengths.
    static func suffixHash(_ labels: [[UInt8]], from start: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for label in labels[start...] {
            hash = (hash ^ UInt64(label.count)) &* 0x100_0000_01b3
            for byte in label { hash = (hash ^ UInt64(DNSName.lower(byte))) &* 0x100_0000_01b3 }
        }
        return hash
    }

    /// Whether the name written at `offset` (following its pointers) is `labels[start...]`.
    func written(at offset: Int, equals labels: [[UInt8]], from start: Int) -> Bool {
        var cursor = self.base + offset
        var index = start
        var hops = 0
        while let length = self.buffer.getInteger(at: cursor, as: UInt8.self) {
            if length & 0xc0 == 0xc0 {
                guard hops < 128, let pointer = self.buffer.getInteger(at: cursor, as: UInt16.self) else { return false }
                hops += 1
                cursor = self.base + Int(pointer & 0x3fff)
                continue
            }
            if length == 0 { return index == labels.count }
            guard index < labels.count, labels[index].count == Int(length),
                  let bytes = self.buffer.viewBytes(at: cursor + 1, length: Int(length)),
                  zip(bytes, labels[index]).allSatisfy({ DNSName.lower($0) == DNSName.lower($1) }) else { return false }
            index += 1
            cursor += 1 + Int(length)
        }
        return false
    }

    /// Writes `name`, pointing at an earlier copy of its longest known suffix. Returns the
    /// suffix keys it added, so a record taken back can forget them.
    @discardableResult
    mutating func write(_ name: DNSName, compress: Bool = true) -> [UInt64] {
        var added: [UInt64] = []
        let labels = name.labels
        for i in 0..<labels.count {
            let key = compress ? Self.suffixHash(labels, from: i) : 0
            if compress, let offset = self.offsets[key], self.written(at: offset, equals: labels, from: i) {
                self.buffer.writeInteger(UInt16(0xc000 | offset))
                return added
            }
            let here = self.size
            if compress, here < 0x4000, self.offsets[key] == nil {
                self.offsets[key] = here
                added.append(key)
            }
            self.buffer.writeInteger(UInt8(labels[i].count))
            self.buffer.writeBytes(labels[i])
        }
        self.buffer.writeInteger(UInt8(0))
        return added
    }

    mutating func write(_ question: DNSQuestion) {
        self.write(question.name)
        self.buffer.writeInteger(question.type.rawValue)
        self.buffer.writeInteger(question.dnsClass.rawValue)
    }

    @discardableResult
    mutating func write(_ record: DNSResourceRecord) -> [UInt64] {
        var added = self.write(record.name)
        self.buffer.writeInteger(record.type.rawValue)
        self.buffer.writeInteger(record.dnsClass.rawValue)
        self.buffer.writeInteger(record.ttl)
        let lengthAt = self.buffer.writerIndex
        self.buffer.writeInteger(UInt16(0))
        let start = self.buffer.writerIndex
        switch record.data {
        case .a(let bytes), .aaaa(let bytes), .other(let bytes):
            self.buffer.writeBytes(bytes)
        case .ns(let name), .cname(let name), .ptr(let name):
            added += self.write(name)
        case .mx(let preference, let exchange):
            self.buffer.writeInteger(preference)
            added += self.write(exchange)
        case .soa(let soa):
            added += self.write(soa.mname)
            added += self.write(soa.rname)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { self.buffer.writeInteger(value) }
        case .srv(let srv):
            self.buffer.writeInteger(srv.priority)
            self.buffer.writeInteger(srv.weight)
            self.buffer.writeInteger(srv.port)
            // RFC 2782: the target is not compressed.
            self.write(srv.target, compress: false)
        case .txt(let strings):
            for string in strings {
                self.buffer.writeInteger(UInt8(min(string.count, 255)))
                self.buffer.writeBytes(string.prefix(255))
            }
        }
        self.buffer.setInteger(UInt16(self.buffer.writerIndex - start), at: lengthAt)
        return added
    }

    mutating func write(_ edns: EDNS, extendedRCode: UInt8) {
        self.buffer.writeInteger(UInt8(0))
        self.buffer.writeInteger(DNSType.opt.rawValue)
        self.buffer.writeInteger(edns.udpPayloadSize)
        let ttl = UInt32(extendedRCode) << 24 | UInt32(edns.version) << 16 | (edns.dnssecOK ? 0x8000 : 0)
        self.buffer.writeInteger(ttl)
        self.buffer.writeInteger(UInt16(edns.options.reduce(0) { $0 + 4 + $1.data.count }))
        for option in edns.options {
            self.buffer.writeInteger(option.code)
            self.buffer.writeInteger(UInt16(option.data.count))
            self.buffer.writeBytes(option.data)
        }
    }
}

extension ByteBuffer {
    /// Writes `message`, at most `maxSize` octets (512 for plain UDP, the client's EDNS size,
    /// 65535 for TCP). Returns whether records were left out with TC set.
    @discardableResult
    public mutating func writeDNSMessage(_ message: DNSMessage, maxSize: Int = 65535) -> Bool {
        // The writer takes this buffer's storage (no copy) and gives it back at the end.
        var writer = DNSMessageWriter(buffer: ByteBuffer())
        swap(&writer.buffer, &self)
        writer.base = writer.buffer.writerIndex
        let headerAt = writer.base
        let reserve = message.edns?.wireLength ?? 0
        let limit = max(maxSize, 12 + reserve)
        writer.buffer.writeRepeatingByte(0, count: 12)
        var counts: [UInt16] = [0, 0, 0, 0]
        var truncated = false
        for question in message.questions {
            writer.write(question)
            counts[0] += 1
        }
        sections: for (index, records) in [(1, message.answers), (2, message.authority), (3, message.additional)] {
            for record in records {
                let before = writer.buffer.writerIndex
                let added = writer.write(record)
                if writer.size + reserve > limit {
                    writer.buffer.moveWriterIndex(to: before)
                    for key in added { writer.offsets[key] = nil }
                    truncated = index < 3
                    break sections
                }
                counts[index] += 1
            }
        }
        var header = message.header
        if truncated { header.truncated = true }
        if let edns = message.edns {
            writer.write(edns, extendedRCode: UInt8(message.responseCode.rawValue >> 4))
            counts[3] += 1
        }
        writer.buffer.setInteger(header.id, at: headerAt)
        writer.buffer.setInteger(header.flags, at: headerAt + 2)
        for (i, count) in counts.enumerated() { writer.buffer.setInteger(count, at: headerAt + 4 + 2 * i) }
        self = writer.buffer
        return truncated
    }
}
