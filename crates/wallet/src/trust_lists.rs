//! Loading a RICAL into the wallet's reader trust configuration.
//!
//! The app fetches the RICAL and passes its bytes with the RICAL anchors it was configured
//! with. Each listed reader CA joins [`WalletConfig::reader_anchors`], scoped to the list's
//! validity, so the reader trust verdict shown in the consent object
//! ([`crate::consent::ReaderTrust`]) uses the listed roots exactly as it uses configured ones.

use mdoc::time::Timestamp;
use mdoc::trust_list::{ListPolicy, TrustListError, VerifiedTrustList, verify_rical};
use mdoc::x509::TrustAnchors;

use crate::wallet::WalletConfig;

impl WalletConfig {
    /// Verifies `rical` against `rical_anchors` at `now` (a RICAL of type reader
    /// authentication) and adds its reader CAs to the reader anchors. Nothing is added when the
    /// list is refused.
    pub fn add_rical(
        &mut self,
        rical: &[u8],
        rical_anchors: &TrustAnchors,
        now: Timestamp,
        policy: &ListPolicy,
    ) -> Result<VerifiedTrustList, TrustListError> {
        let verified = verify_rical(rical, rical_anchors, now, policy)?;
        self.reader_anchors.extend(&verified.anchors());
        Ok(verified)
    }
}
