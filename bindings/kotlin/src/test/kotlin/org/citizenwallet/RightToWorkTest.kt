package org.citizenwallet

import java.nio.file.Files
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.test.fail

class RightToWorkTest {
    private val authority = TestAuthority("UK Digital Identity", "GB")
    private val employer = authority.newReader("Acme Ltd")

    private fun newWallet(area: SecureArea): Wallet {
        val dir = Files.createTempDirectory("citizen-wallet-kotlin")
        return Wallet.open(
            dir.resolve("store").toString(),
            ByteArray(32) { 7 },
            area,
            authority.iacaPem(),
            employer.rootPem,
            DeviceAuthentication.SIGNATURE,
        )
    }

    // README: kotlin-provision
    private fun provision(wallet: Wallet, document: SampleDocument) {
        val pending = wallet.prepare("uk.gov.digital-id.1")
        val issuerSigned = authority.issue(document, pending.deviceKey)
        val summary = wallet.accept(pending, issuerSigned)
        assertEquals("uk.gov.digital-id.1", summary.docType)
    }
    // README: end

    @Test
    fun coreVersionIsTheCrateVersion() {
        assertEquals("0.1.0", coreVersion())
    }

    @Test
    fun rightToWorkDisclosesExactlyTheApprovedSubset() {
        val area = JavaSecureArea()
        val wallet = newWallet(area)
        provision(wallet, SampleDocument.UK_DIGITAL_ID_TOMASZ)
        assertEquals(1, area.calls["createKey"])

        // README: kotlin-present
        val session = wallet.startPresentation()
        val verifier = Verifier(authority.iacaPem(), employer.privateKeyPkcs8, employer.chainPem)
        val readerSession = verifier.startSession(session.qrUri())
        val request = profileRequest("right_to_work", "uk.gov.digital-id.1")
        val event = session.handle(readerSession.request(listOf(request)))
        val consent = (event as? SessionEvent.Consent)?.request ?: fail("expected a consent request, got $event")
        assertTrue(consent.verifier.trusted)
        val wanted = setOf("family_name", "right_to_work", "max_weekly_hours")
        val selection = Selection(session.recommendedSelection().approved.filter { it.identifier in wanted })
        val report = readerSession.handleResponse(session.approve(selection))
        // README: end

        // A subset is genuine but not everything asked: authentic, not complete, so not verified.
        assertTrue(report.authentic && !report.complete && !report.verified, "report: $report")
        assertEquals(wanted, report.documents.single().elements.map { it.identifier }.toSet())
        assertTrue(report.documents.single().checks.all { it.passed || it.name == "Every requested element was returned" })
        assertTrue(report.documents.single().missing.isNotEmpty())
        assertEquals(1, area.calls["sign"], "the device signature was made by the Kotlin secure area")
    }

    @Test
    fun deviceMacUsesTheKotlinKeyAgreement() {
        val area = JavaSecureArea()
        val dir = Files.createTempDirectory("citizen-wallet-kotlin-mac")
        val wallet = Wallet.open(dir.toString(), ByteArray(32) { 9 }, area, authority.iacaPem(), employer.rootPem, DeviceAuthentication.MAC)
        provision(wallet, SampleDocument.UK_DIGITAL_ID_AMELIA)
        val session = wallet.startPresentation()
        val readerSession = Verifier(authority.iacaPem(), null, null).startSession(session.qrUri())
        val event = session.handle(readerSession.request(listOf(profileRequest("age_over_18", "uk.gov.digital-id.1"))))
        assertTrue(event is SessionEvent.Consent)
        val report = readerSession.handleResponse(session.approve(session.recommendedSelection()))
        assertTrue(report.verified)
        assertEquals(listOf("age_over_18"), report.documents.single().elements.map { it.identifier })
        assertEquals(1, area.calls["keyAgreement"])
    }

    @Test
    fun aRemoteCheckOverTheDigitalCredentialsApi() {
        val wallet = newWallet(JavaSecureArea())
        provision(wallet, SampleDocument.UK_DIGITAL_ID_TOMASZ)
        val verifier = Verifier(authority.iacaPem(), employer.privateKeyPkcs8, employer.chainPem)
        val origin = "https://hr.acme.example"
        val request = verifier.dcapiRequest(listOf(profileRequest("right_to_work", "uk.gov.digital-id.1")), origin)
        val session = wallet.startDcapi(request.requestJson(), origin)
        assertTrue(session.consent().verifier.trusted)
        val response = session.approve(session.recommendedSelection())
        val report = request.verify(response)
        assertTrue(report.verified, "report: $report")
        assertFailsWith<CitizenWalletException> { request.verify(response) } // single-use
        val elsewhere = wallet.startDcapi(request.requestJson(), "https://evil.example")
        assertFalse(elsewhere.consent().verifier.trusted)
        assertFailsWith<CitizenWalletException> { request.verify(elsewhere.approve(elsewhere.recommendedSelection())) }
    }

    @Test
    fun aRemoteCheckOverOpenId4VpWithAnEncryptedResponse() {
        val wallet = newWallet(JavaSecureArea())
        provision(wallet, SampleDocument.UK_DIGITAL_ID_TOMASZ)
        val verifier = Verifier(authority.iacaPem(), null, null)
        val responseUri = "https://hr.acme.example/oid4vp"
        val request = verifier.openid4vpRedirectRequest(
            listOf(profileRequest("right_to_work", "uk.gov.digital-id.1")), responseUri, true)
        val session = wallet.startOpenid4vp(request.requestUrl(), null)
        assertEquals(responseUri, session.consent().verifier.origin)
        val response = session.approve(session.recommendedSelection())
        assertEquals(responseUri, response.responseUri)
        assertFalse(response.form.contains("vp_token"), "the vp_token travels only inside the JWE")
        val reports = request.verify(response.form)
        assertTrue(reports.single().verified, "reports: $reports")
        assertFailsWith<CitizenWalletException> { request.verify("response=garbage") }
        assertFailsWith<CitizenWalletException> { wallet.startOpenid4vp("openid4vp://?nonce=%zz", null) }
    }

    @Test
    fun aTamperedResponseIsRejected() {
        val wallet = newWallet(JavaSecureArea())
        provision(wallet, SampleDocument.UK_DIGITAL_ID_AMELIA)
        val session = wallet.startPresentation()
        val readerSession = Verifier(authority.iacaPem(), employer.privateKeyPkcs8, employer.chainPem).startSession(session.qrUri())
        session.handle(readerSession.request(listOf(profileRequest("right_to_work", "uk.gov.digital-id.1"))))
        val reply = session.approve(session.recommendedSelection())
        reply[reply.size - 3] = (reply[reply.size - 3].toInt() xor 1).toByte()
        assertFailsWith<CitizenWalletException.Session> { readerSession.handleResponse(reply) }
    }

    @Test
    fun garbageGivesExceptionsNotCrashes() {
        val wallet = newWallet(JavaSecureArea())
        val session = wallet.startPresentation()
        val event = session.handle(byteArrayOf(0x01, 0x02, 0xff.toByte()))
        assertTrue(event is SessionEvent.Failed)
        assertFalse((event as SessionEvent.Failed).reply.isEmpty())
        assertFailsWith<CitizenWalletException.InvalidInput> { Verifier("not a certificate", null, null) }
        assertFailsWith<CitizenWalletException.InvalidInput> {
            Verifier(authority.iacaPem(), null, null).startSession("mdoc:@@@")
        }
        val pending = wallet.prepare("uk.gov.digital-id.1")
        assertFailsWith<CitizenWalletException.InvalidInput> { wallet.accept(pending, byteArrayOf(0x42)) }
        assertFailsWith<CitizenWalletException.InvalidInput> {
            softwareSecureArea(Files.createTempDirectory("k").toString(), ByteArray(3))
        }
        assertContentEquals(emptyList(), wallet.credentials())
    }
}
