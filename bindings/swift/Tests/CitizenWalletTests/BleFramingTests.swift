import CitizenWallet
import Foundation
import XCTest

/// BLE framing through the bindings: one GATT round trip at MTU 185, a typed error, and the
/// L2CAP framing, as an app's CoreBluetooth code would use them.
final class BleFramingTests: XCTestCase {
    private let message = Data((0..<60_000).map { UInt8(truncatingIfNeeded: ($0 * 131) >> 3) })

    func testGattRoundTripAtMtu185() throws {
        let max = bleMaxMessageToReader()
        let values = try bleGattChunk(message: message, mtu: 185, maxMessage: max)
        XCTAssertEqual(values.count, (message.count + 180) / 181)
        let reassembler = try BleGattReassembler(mtu: 185, maxMessage: max)
        var received: Data?
        for (i, value) in values.enumerated() {
            XCTAssertLessThanOrEqual(value.count, 182)
            XCTAssertEqual(value.first, i == values.count - 1 ? 0x00 : 0x01)
            XCTAssertNil(received)
            received = try reassembler.push(value: value)
        }
        XCTAssertEqual(received, message)
        try reassembler.finish()
        XCTAssertEqual(bleStateValue(state: .start), 0x01)
        XCTAssertEqual(try bleStateParse(value: Data([0x02])), .end)
    }

    func testBadContinuationIsATypedError() throws {
        let reassembler = try BleGattReassembler(mtu: 23, maxMessage: 1000)
        XCTAssertThrowsError(try reassembler.push(value: Data([0x07, 1]))) { error in
            guard case BleFramingError.BadContinuation(let byte) = error else {
                return XCTFail("expected BadContinuation, got \(error)")
            }
            XCTAssertEqual(byte, 0x07)
        }
    }

    func testL2capRoundTrip() throws {
        let framed = try bleL2capFrame(message: message, maxMessage: bleMaxMessageToReader())
        let decoder = BleL2capDecoder(maxMessage: bleMaxMessageToReader())
        var out: [Data] = []
        var start = framed.startIndex
        while start < framed.endIndex {
            let end = min(start + 509, framed.endIndex)
            out += try decoder.push(bytes: framed.subdata(in: start..<end))
            start = end
        }
        XCTAssertEqual(out, [message])
        try decoder.finish()
    }
}
