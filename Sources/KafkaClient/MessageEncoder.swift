import Crdkafka

/// Encodes an ``OutgoingMessage`` as an `rd_kafka_vu_t` array for `rd_kafka_produceva`.
///
/// All strings and bytes are laid out in one buffer that lives for the duration of the call;
/// `RD_KAFKA_MSG_F_COPY` makes librdkafka copy them, so nothing outlives the call.
enum MessageEncoder {
    /// `RD_KAFKA_MSG_F_COPY` (a macro that does not import into Swift).
    private static let copyFlag: Int32 = 0x2

    /// Enqueues `message` with `id` as its `msg_opaque`; returns the error if it was not enqueued.
    static func produce(_ message: OutgoingMessage, id: UInt, on rk: OpaquePointer) -> KafkaError? {
        var bytes: [UInt8] = []
        func append(_ part: some Collection<UInt8>, terminate: Bool = false) -> (offset: Int, count: Int) {
            let start = bytes.count
            bytes.append(contentsOf: part)
            if terminate { bytes.append(0) }
            return (start, part.count)
        }
        let topic = append(message.topic.utf8, terminate: true)
        let key = message.key.map { append($0) }
        let value = append(message.value)
        let headers = message.headers.map { (name: append($0.key.utf8, terminate: true), value: append($0.value)) }

        return bytes.withUnsafeBufferPointer { buffer -> KafkaError? in
            let base = buffer.baseAddress!  // never empty: the topic has a terminating NUL
            func text(_ span: (offset: Int, count: Int)) -> UnsafePointer<CChar> {
                UnsafeRawPointer(base + span.offset).assumingMemoryBound(to: CChar.self)
            }
            func bytes(_ span: (offset: Int, count: Int)) -> UnsafeMutableRawPointer {
                UnsafeMutableRawPointer(mutating: base + span.offset)
            }
            var fields: [rd_kafka_vu_t] = []
            func field(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) {
                var vu = rd_kafka_vu_t()
                vu.vtype = type
                set(&vu)
                fields.append(vu)
            }
            field(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = text(topic) }
            field(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = copyFlag }
            field(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: id) }
            if let partition = message.partition {
                field(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition }
            }
            if let key {
                field(RD_KAFKA_VTYPE_KEY) { $0.u.mem = .init(ptr: bytes(key), size: key.count) }
            }
            field(RD_KAFKA_VTYPE_VALUE) { $0.u.mem = .init(ptr: bytes(value), size: value.count) }
            if let timestamp = message.timestamp {
                field(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp }
            }
            for header in headers {
                field(RD_KAFKA_VTYPE_HEADER) {
                    $0.u.header = .init(name: text(header.name), val: bytes(header.value), size: header.value.count)
                }
            }
            let error = fields.withUnsafeBufferPointer { rd_kafka_produceva(rk, $0.baseAddress, $0.count) }
            return error.map { KafkaError(consuming: $0) }
        }
    }
}
