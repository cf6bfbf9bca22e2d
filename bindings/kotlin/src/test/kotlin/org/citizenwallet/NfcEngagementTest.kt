package org.citizenwallet

import java.nio.file.Files
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlin.test.fail

/** NFC engagement through the bindings: the wallet's tag and the reader exchange every APDU. */
class NfcEngagementTest {
    private val authority = TestAuthority("UK Digital Identity", "GB")
    private val employer = authority.newReader("Acme Ltd")
    private val serviceUuid = ByteArray(16) { (0x40 + it).toByte() }

    private fun presentation(): PresentationSession {
        val dir = Files.createTempDirectory("citizen-wallet-kotlin-nfc")
        val wallet = Wallet.open(
            dir.resolve("store").toString(), ByteArray(32) { 4 }, JavaSecureArea(),
            authority.iacaPem(), employer.rootPem, DeviceAuthentication.SIGNATURE,
        )
        val pending = wallet.prepare("uk.gov.digital-id.1")
        wallet.accept(pending, authority.issue(SampleDocument.UK_DIGITAL_ID_TOMASZ, pending.deviceKey))
        return wallet.startPresentation()
    }

    /** What an app's HostApduService and reader session do: move bytes until engaged. */
    private fun tap(tag: NfcEngagement, reader: VerifierNfcEngagement): Int {
        var command: ByteArray? = reader.start()
        var apdus = 0
        while (command != null) {
            apdus++
            if (apdus > 100) fail("the conversation did not end")
            command = reader.onResponse(tag.processApdu(command))
        }
        return apdus
    }

    private fun rightToWork(session: PresentationSession, reader: VerifierNfcEngagement) {
        val readerSession = reader.session()
        val event = session.handle(readerSession.request(listOf(profileRequest("right_to_work", "uk.gov.digital-id.1"))))
        assertTrue(event is SessionEvent.Consent, "expected consent, got $event")
        val report = readerSession.handleResponse(session.approve(session.recommendedSelection()))
        assertTrue(report.verified, "report: $report")
    }

    @Test
    fun staticHandoverThenARightToWorkCheck() {
        val session = presentation()
        val tag = NfcEngagement(session, serviceUuid, false)
        assertEquals(NfcEngagementState.InProgress, tag.state())
        val verifier = Verifier(authority.iacaPem(), employer.privateKeyPkcs8, employer.chainPem)
        val reader = VerifierNfcEngagement(verifier)
        assertFailsWith<CitizenWalletException> { reader.session() }
        assertEquals(6, tap(tag, reader))
        val state = tag.state() as? NfcEngagementState.Complete ?: fail("complete expected, got ${tag.state()}")
        assertContentEquals(serviceUuid, state.bleServiceUuid)
        rightToWork(session, reader)
    }

    @Test
    fun negotiatedHandoverThenARightToWorkCheck() {
        val session = presentation()
        val tag = NfcEngagement(session, serviceUuid, true)
        val reader = VerifierNfcEngagement(Verifier(authority.iacaPem(), employer.privateKeyPkcs8, employer.chainPem))
        assertTrue(tap(tag, reader) > 6)
        assertTrue(tag.state() is NfcEngagementState.Complete)
        rightToWork(session, reader)
    }

    @Test
    fun garbageApdusEndTheConversationWithAStatusWord() {
        val session = presentation()
        val tag = NfcEngagement(session, serviceUuid, true)
        val answer = tag.processApdu(byteArrayOf(0x00, 0xa4.toByte()))
        assertContentEquals(byteArrayOf(0x67, 0x00), answer)
        assertFailsWith<CitizenWalletException> { NfcEngagement(session, ByteArray(3), false) }
        val reader = VerifierNfcEngagement(Verifier(authority.iacaPem(), null, null))
        reader.start()
        assertFailsWith<CitizenWalletException> { reader.onResponse(byteArrayOf(0x6a, 0x82.toByte())) }
        assertNotNull(tag.state())
    }
}
