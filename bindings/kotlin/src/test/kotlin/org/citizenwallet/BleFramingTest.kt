package org.citizenwallet

import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** BLE framing through the bindings, as an app's GATT server or L2CAP channel would use it. */
class BleFramingTest {
    private val message = ByteArray(60_000) { ((it * 131) shr 3).toByte() }

    @Test
    fun gattRoundTripAtMtu185() {
        val max = bleMaxMessageToReader()
        val values = bleGattChunk(message, 185u, max)
        assertEquals((message.size + 180) / 181, values.size)
        val reassembler = BleGattReassembler(185u, max)
        var received: ByteArray? = null
        for ((i, value) in values.withIndex()) {
            assertTrue(value.size <= 182)
            assertEquals(if (i == values.size - 1) 0x00.toByte() else 0x01.toByte(), value[0])
            assertNull(received, "a message before its last chunk")
            received = reassembler.push(value)
        }
        assertContentEquals(message, received)
        reassembler.finish()
        assertEquals(0x01.toUByte(), bleStateValue(BleState.START))
        assertEquals(BleState.END, bleStateParse(byteArrayOf(0x02)))
    }

    @Test
    fun badContinuationAndOversizeAreTypedErrors() {
        val reassembler = BleGattReassembler(23u, 1000u)
        val bad = assertFailsWith<BleFramingException.BadContinuation> { reassembler.push(byteArrayOf(0x07, 1)) }
        assertEquals(0x07.toUByte(), bad.byte)
        assertFailsWith<BleFramingException.MessageTooLarge> { bleGattChunk(message, 23u, 1000u) }
        assertFailsWith<BleFramingException.BadMtu> { BleGattReassembler(22u, 1000u) }
    }

    @Test
    fun l2capRoundTripInPieces() {
        val framed = bleL2capFrame(message, bleMaxMessageToReader())
        val decoder = BleL2capDecoder(bleMaxMessageToReader())
        val out = framed.toList().chunked(509).flatMap { decoder.push(it.toByteArray()) }
        assertEquals(1, out.size)
        assertContentEquals(message, out[0])
        decoder.finish()
    }
}
