/// Why a snapshot cannot be loaded. Every case means "rebuild the state from the log".
public enum SnapshotError: Error, Equatable, CustomStringConvertible {
    /// Fewer bytes than a header and checksum.
    case truncated(Int)
    /// The bytes are not a projection snapshot.
    case badMagic
    /// Written by another version of the format.
    case unsupportedVersion(found: UInt16, expected: UInt16)
    /// The checksum does not match: the bytes were damaged.
    case checksumMismatch
    /// Written under other projection settings (schema, offers, channels or learning config).
    case settingsMismatch(found: UInt64, expected: UInt64)
    /// The checksum matched but the content is inconsistent.
    case malformed(String)

    /// A one-line reason.
    public var description: String {
        switch self {
        case .truncated(let n): "snapshot truncated: \(n) bytes"
        case .badMagic: "not a projection snapshot (bad magic)"
        case .unsupportedVersion(let found, let expected): "snapshot format version \(found), expected \(expected)"
        case .checksumMismatch: "snapshot checksum mismatch (damaged)"
        case .settingsMismatch(let found, let expected):
            "snapshot made under other settings (fingerprint \(found), expected \(expected))"
        case .malformed(let reason): "malformed snapshot: \(reason)"
        }
    }
}

/// Snapshots of a `ProjectionState` (an optimisation: the log stays the truth).
///
/// Layout, little-endian: magic `XSPJ`, format version (u16), settings fingerprint (u64),
/// `nextPosition` (u64) — the log position the snapshot reflects —, payload length (u64), the
/// payload, then a checksum of everything before it (`FNV1a64.combine(words:)`). The payload is
/// canonical: maps in sorted key order, words numbered in first-use order, doubles as bit
/// patterns, learners as they are with their progress; so equal states give equal bytes and
/// `stateDigest` is a hash of the settled state's payload. Format 4 (integers as varints, a word
/// table, packed feature vectors, the word checksum) is about half the size of format 3 and reads
/// several times faster; format 5 writes learners unsettled (a rebuild in progress, how many
/// examples are learned, the late ones, where the next rebuild starts), so writing one never learns.
public enum ProjectionSnapshot {
    /// The format version this build writes and reads.
    public static let formatVersion: UInt16 = 5
    static let magic: [UInt8] = Array("XSPJ".utf8)
    static let headerSize = 4 + 2 + 8 + 8 + 8

    /// The snapshot bytes of `state` as it is: learners are written with their progress, not
    /// settled first, so writing a snapshot never learns (a restored state learns what is left).
    public static func encode(_ state: ProjectionState) -> [UInt8] {
        let payload = SnapshotPayload.write(state)
        var w = ByteWriter()
        for b in magic { w.u8(b) }
        w.u8(UInt8(truncatingIfNeeded: formatVersion))
        w.u8(UInt8(truncatingIfNeeded: formatVersion >> 8))
        w.u64(state.settings.fingerprint)
        w.u64(state.nextPosition)
        w.u64(UInt64(payload.count))
        w.raw(payload)
        var bytes = w.bytes
        let checksum = Self.checksum(bytes[...])
        var tail = ByteWriter()
        tail.u64(checksum)
        bytes.append(contentsOf: tail.bytes)
        return bytes
    }

    /// The position a snapshot reflects (its `nextPosition`), read from the header without
    /// decoding the payload; checks magic, version and checksum.
    public static func position(of bytes: [UInt8]) throws(SnapshotError) -> UInt64 {
        try validate(bytes).position
    }

    /// Loads a snapshot made under `settings`. Throws if the bytes are damaged, of another
    /// format version, or made under other settings: the caller then rebuilds from the log.
    public static func decode(_ bytes: [UInt8], settings: ProjectionSettings) throws(SnapshotError) -> ProjectionState {
        let header = try validate(bytes)
        guard header.fingerprint == settings.fingerprint else {
            throw .settingsMismatch(found: header.fingerprint, expected: settings.fingerprint)
        }
        var r = ByteReader(bytes, offset: headerSize)
        var state = try SnapshotPayload.read(&r, settings: settings, payloadEnd: headerSize + header.payloadLength)
        state.nextPosition = header.position
        return state
    }

    private static func validate(_ bytes: [UInt8]) throws(SnapshotError)
        -> (fingerprint: UInt64, position: UInt64, payloadLength: Int)
    {
        guard bytes.count >= headerSize + 8 else { throw .truncated(bytes.count) }
        guard Array(bytes[0..<4]) == magic else { throw .badMagic }
        let version = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        guard version == formatVersion else { throw .unsupportedVersion(found: version, expected: formatVersion) }
        var r = ByteReader(bytes, offset: bytes.count - 8)
        guard try r.u64() == checksum(bytes[..<(bytes.count - 8)]) else { throw .checksumMismatch }
        r = ByteReader(bytes, offset: 6)
        let fingerprint = try r.u64()
        let position = try r.u64()
        let length = try r.u64()
        guard length == UInt64(bytes.count - headerSize - 8) else { throw .malformed("payload length \(length)") }
        return (fingerprint, position, Int(length))
    }
}

extension ProjectionSnapshot {
    /// The checksum of `bytes`: the word-at-a-time FNV variant.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h = FNV1a64()
        bytes.withUnsafeBytes { h.combine(words: $0) }
        return h.value
    }
}

extension ProjectionState {
    /// A hash (`FNV1a64`, the payload a word at a time) of the canonical serialisation of the
    /// settled state (the snapshot payload and position): identical logs give identical digests.
    public var stateDigest: UInt64 {
        var settled = self
        settled.settle()
        var h = FNV1a64()
        h.combine(settled.nextPosition)
        SnapshotPayload.write(settled).withUnsafeBytes { h.combine(words: $0) }
        return h.value
    }
}
