import Crdkafka

/// The consumer's C callbacks and the conversion of native messages.
enum ConsumerCallbacks {
    /// Installs the rebalance callback.
    ///
    /// librdkafka requires the callback itself to (un)assign; it does so, eager or cooperative
    /// per the group's protocol, and otherwise only records the event in the sink.
    static func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, _ in
            guard let rk, let partitions else { return }
            let changed = PartitionList.read(partitions).map(\.partition)
            let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
            var events: [RebalanceEvent]
            switch err {
            case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
                events = [.assigned(changed)]
                let failure = cooperative
                    ? rd_kafka_incremental_assign(rk, partitions).map { KafkaError(consuming: $0) }
                    : ConsumerCallbacks.failure(of: rd_kafka_assign(rk, partitions), "assign")
                if let failure { events.append(.failed(failure)) }
            case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
                events = [.revoked(changed, lost: rd_kafka_assignment_lost(rk) != 0)]
                let failure = cooperative
                    ? rd_kafka_incremental_unassign(rk, partitions).map { KafkaError(consuming: $0) }
                    : ConsumerCallbacks.failure(of: rd_kafka_assign(rk, nil), "unassign")
                if let failure { events.append(.failed(failure)) }
            default:
                _ = rd_kafka_assign(rk, nil)
                events = [.failed(KafkaError(err, context: "rebalance"))]
            }
            CallbackSink.of(rk)?.record { $0.rebalances.append(contentsOf: events) }
        }
    }

    private static func failure(of err: rd_kafka_resp_err_t, _ context: String) -> KafkaError? {
        err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(err, context: context)
    }
}

extension KafkaMessage {
    /// Copies a native message (the caller still owns and destroys it).
    init(_ native: UnsafeMutablePointer<rd_kafka_message_t>) {
        let message = native.pointee
        func copy(_ pointer: UnsafeRawPointer?, _ count: Int) -> [UInt8]? {
            pointer.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) }
        }
        var headers: [KafkaHeader] = []
        var nativeHeaders: OpaquePointer?  // owned by the message
        if rd_kafka_message_headers(native, &nativeHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(nativeHeaders, headers.count, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(String(cString: name!), copy(value, size) ?? []))
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(native, &timestampType)
        self.init(
            topic: String(cString: rd_kafka_topic_name(message.rkt)),
            partition: message.partition,
            offset: message.offset,
            key: copy(message.key, message.key_len),
            value: copy(message.payload, message.len) ?? [],
            headers: headers,
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
    }
}
