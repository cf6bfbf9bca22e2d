package org.citizenwallet

import java.nio.file.Files
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.test.fail

/** The citizen's presentation history and the consent in Welsh, through the Kotlin bindings. */
class HistoryTest {
    private val authority = TestAuthority("UK Digital Identity", "GB")
    private val employer = authority.newReader("Acme Ltd")

    private fun provisionedWallet(): Wallet {
        val dir = Files.createTempDirectory("citizen-wallet-kotlin-history")
        val wallet = Wallet.open(
            dir.resolve("store").toString(),
            ByteArray(32) { 5 },
            JavaSecureArea(),
            authority.iacaPem(),
            employer.rootPem,
            DeviceAuthentication.SIGNATURE,
        )
        val pending = wallet.prepare("uk.gov.digital-id.1")
        wallet.accept(pending, authority.issue(SampleDocument.UK_DIGITAL_ID_TOMASZ, pending.deviceKey))
        return wallet
    }

    private fun consentSession(wallet: Wallet): Pair<PresentationSession, VerifierSession> {
        val session = wallet.startPresentation()
        val verifier = Verifier(authority.iacaPem(), employer.privateKeyPkcs8, employer.chainPem)
        val readerSession = verifier.startSession(session.qrUri())
        val event = session.handle(readerSession.request(listOf(profileRequest("right_to_work", "uk.gov.digital-id.1"))))
        if (event !is SessionEvent.Consent) fail("expected a consent request, got $event")
        return session to readerSession
    }

    @Test
    fun welshConsentAndAccessibleSentences() {
        val wallet = provisionedWallet()
        val (session, _) = consentSession(wallet)
        val welsh = session.consentIn("cy-GB")
        assertEquals("ID digidol y DU", welsh.documents.single().displayName)
        assertEquals("Gwiriad hawl i weithio", welsh.documents.single().purposeName)
        assertTrue(welsh.documents.single().elements.any { it.label == "Hawl i weithio yn y DU" })
        val english = session.consentIn("en")
        assertTrue(english.documents.single().elements.any { it.label == "Right to work in the UK" })
        val spoken = session.accessibleConsent("cy")
        assertTrue(spoken.sentences.any { it.startsWith("Bydd Acme Ltd yn cael eich dyddiad geni") }, spoken.text)
        assertTrue(spoken.sentences.all { it.endsWith(".") }, spoken.text)
        session.decline()
        assertFailsWith<CitizenWalletException> { session.consentIn("cy") }

        // The remote sessions speak Welsh too.
        val verifier = Verifier(authority.iacaPem(), employer.privateKeyPkcs8, employer.chainPem)
        val origin = "https://hr.acme.example"
        val documents = listOf(profileRequest("right_to_work", "uk.gov.digital-id.1"))
        val dcapi = wallet.startDcapi(verifier.dcapiRequest(documents, origin).requestJson(), origin)
        assertEquals("ID digidol y DU", dcapi.consentIn("cy").documents.single().displayName)
        assertTrue(dcapi.accessibleConsent("cy").sentences.any { it.startsWith("Bydd Acme Ltd yn cael") })
        val openid4vp = wallet.startOpenid4vp(
            verifier.openid4vpDcApiRequest(documents, origin, true).requestJson(), origin)
        assertEquals("Gwiriad hawl i weithio", openid4vp.consentIn("cy-GB").documents.single().purposeName)
        val spokenOnline = openid4vp.accessibleConsent("cy")
        assertTrue(spokenOnline.sentences.isNotEmpty() && spokenOnline.sentences.all { it.endsWith(".") }, spokenOnline.text)
        assertTrue(spokenOnline.text != openid4vp.accessibleConsent("en").text)
    }

    @Test
    fun historyRecordsIdentifiersPagesExportsAndDeletes() {
        val wallet = provisionedWallet()
        val (approved, reader) = consentSession(wallet)
        reader.handleResponse(approved.approve(approved.recommendedSelection()))
        val (declined, _) = consentSession(wallet)
        declined.decline()

        val page = wallet.history(null, null, 0u, 10u, "en")
        assertEquals(3u, page.total)
        assertEquals(listOf("declined", "approved", "issued"), page.entries.map { it.outcome })
        val shared = page.entries[1]
        assertEquals("proximity", shared.channel)
        assertEquals("Acme Ltd", shared.party)
        assertEquals("trusted", shared.trust)
        assertTrue("org.iso.18013.5.1/family_name" in shared.documents.single().disclosed)
        assertTrue(shared.sentence.contains("Acme Ltd received from you"), shared.sentence)
        val welsh = wallet.history(null, null, 1u, 1u, "cy").entries.single()
        assertTrue(welsh.sentence.contains("cafodd Acme Ltd y canlynol gennych"), welsh.sentence)
        assertEquals(2u, wallet.history("Acme Ltd", null, 0u, 10u, "en").total)

        val export = wallet.exportHistory()
        assertTrue(export.contains("citizen-wallet-history-1"))
        assertFalse(export.contains("Kowalski"), "the export holds a value")

        assertEquals(null, wallet.historyRetention())
        wallet.setHistoryRetention(30u)
        assertEquals(30u, wallet.historyRetention())
        assertEquals(3u, wallet.history(null, null, 0u, 10u, "en").total)

        wallet.deleteHistoryEntry(page.entries[0].id)
        assertFailsWith<CitizenWalletException> { wallet.deleteHistoryEntry(page.entries[0].id) }
        assertEquals(2u, wallet.deleteHistory())
        assertEquals(0u, wallet.history(null, null, 0u, 10u, "en").total)
    }

    @Test
    fun registrationVerdictOnTheConsentAndInTheHistory() {
        val wallet = provisionedWallet()
        val verifier = Verifier(authority.iacaPem(), employer.privateKeyPkcs8, employer.chainPem)
        val origin = "https://hr.acme.example"
        val documents = listOf(profileRequest("right_to_work", "uk.gov.digital-id.1"))
        val request = verifier.openid4vpDcApiRequest(documents, origin, false).requestJson()
        // A registration this wallet cannot verify (not a registration certificate at all).
        val withRegistration = request.trimEnd().removeSuffix("}") +
            ",\"verifier_info\":[{\"format\":\"rc-wrp+cwt\",\"data\":\"AQI\"}]}"
        val session = wallet.startOpenid4vp(withRegistration, origin)
        val shown = session.consentIn("cy").documents.single().registration ?: fail("no registration verdict")
        assertEquals("unverified", shown.status)
        assertEquals("malformed", shown.reason)
        assertTrue(shown.sentences.first().contains("nad oedd modd ei wirio"), shown.sentences.toString())
        session.decline()
        val recorded = wallet.history(null, null, 0u, 1u, "en").entries.single()
        assertEquals("unverified", recorded.documents.single().registration?.status)
        assertTrue(recorded.sentence.endsWith("it could not be read."), recorded.sentence)
    }
}
