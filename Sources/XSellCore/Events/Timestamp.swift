/// A point in time: milliseconds since the Unix epoch (1970-01-01T00:00:00Z).
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch; negative before it.
    public var millisecondsSinceEpoch: Int64

    /// Creates a timestamp from milliseconds since the Unix epoch.
    @inlinable
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// Orders by time.
    @inlinable
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// This instant plus `milliseconds`.
    @inlinable
    public func adding(milliseconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
    }

    /// This instant plus `days` whole days of 86,400,000 ms.
    public func adding(days: Int) -> Timestamp {
        adding(milliseconds: Int64(days) * Timestamp.millisecondsPerDay)
    }

    /// Milliseconds in one day.
    public static let millisecondsPerDay: Int64 = 86_400_000

    /// The RFC 3339 form, in UTC with millisecond precision: `2024-05-01T12:00:00.000Z`.
    public var description: String { rfc3339 }

    /// The RFC 3339 form, in UTC with millisecond precision: `2024-05-01T12:00:00.000Z`.
    public var rfc3339: String {
        let ms = millisecondsSinceEpoch
        let (days, msOfDay) = ms.quotientAndRemainderFloored(dividingBy: Timestamp.millisecondsPerDay)
        let (y, m, d) = Timestamp.civil(fromDays: days)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func pad(_ v: Int64, _ width: Int) {
            var digits: [UInt8] = []
            var x = v
            for _ in 0..<width { digits.append(UInt8(truncatingIfNeeded: x % 10) + 0x30); x /= 10 }
            if x > 0 { out.append(contentsOf: String(v).utf8); return }
            out.append(contentsOf: digits.reversed())
        }
        if y < 0 { out.append(UInt8(ascii: "-")) }
        pad(abs(y), 4); out.append(UInt8(ascii: "-"))
        pad(m, 2); out.append(UInt8(ascii: "-"))
        pad(d, 2); out.append(UInt8(ascii: "T"))
        pad(msOfDay / 3_600_000, 2); out.append(UInt8(ascii: ":"))
        pad(msOfDay / 60_000 % 60, 2); out.append(UInt8(ascii: ":"))
        pad(msOfDay / 1000 % 60, 2); out.append(UInt8(ascii: "."))
        pad(msOfDay % 1000, 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a strict RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    ///
    /// `T` and `Z` may be lower case; fractions beyond milliseconds are truncated;
    /// a leap second (`:60`) counts as the next second. Returns `nil` for anything else.
    public init?(rfc3339 text: some StringProtocol) {
        var s = String(text)
        guard let v = s.withUTF8({ Timestamp.parse($0) }) else {
            return nil
        }
        self = v
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = b.count
        guard n >= 20 else { return nil }
        func num(_ at: Int, _ len: Int) -> Int64? {
            var v: Int64 = 0
            for k in at..<(at + len) {
                let c = b[k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == UInt8(ascii: "-"),
              let month = num(5, 2), b[7] == UInt8(ascii: "-"),
              let day = num(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = num(11, 2), b[13] == UInt8(ascii: ":"),
              let minute = num(14, 2), b[16] == UInt8(ascii: ":"),
              let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(year: year, month: month),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = 19
        var millis: Int64 = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < n, b[i] >= 0x30, b[i] <= 0x39 {
                if digits < 3 { millis = millis * 10 + Int64(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        guard i < n else { return nil }
        var offsetMinutes: Int64 = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard n - i == 6, let oh = num(i + 1, 2), b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                  oh <= 23, om <= 59 else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return Timestamp(millisecondsSinceEpoch: seconds * 1000 + millis)
    }

    static func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

extension Int64 {
    fileprivate func quotientAndRemainderFloored(dividingBy d: Int64) -> (Int64, Int64) {
        var (q, r) = quotientAndRemainder(dividingBy: d)
        if r < 0 { q -= 1; r += d }
        return (q, r)
    }
}
