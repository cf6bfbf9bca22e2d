//! Loading a VICAL into the verification trust configuration.
//!
//! The app fetches the VICAL (the core does no I/O) and passes its bytes here with the VICAL
//! anchors it was configured with. Each listed IACA joins the issuer anchors scoped to the doc
//! types the list names for it and to the list's validity (see [`mdoc::trust_list`]): a
//! credential whose IACA is listed only for other doc types fails
//! [`mdoc::verify::CheckName::IssuerCertificateChain`], and once the list's `nextUpdate` (plus
//! the policy's grace) has passed its IACAs are no longer trusted until a newer list is loaded.

use mdoc::time::Timestamp;
use mdoc::trust_list::{ListPolicy, TrustListError, VerifiedTrustList, verify_vical};
use mdoc::x509::TrustAnchors;

/// Verifies `vical` against `vical_anchors` at `now` and adds its IACAs to `issuer_anchors`
/// (the anchors a [`crate::VerificationContext`] or session is given). Nothing is added when
/// the list is refused. Returns the verified list (provider, date, entries) for display.
pub fn add_vical(
    issuer_anchors: &mut TrustAnchors,
    vical: &[u8],
    vical_anchors: &TrustAnchors,
    now: Timestamp,
    policy: &ListPolicy,
) -> Result<VerifiedTrustList, TrustListError> {
    let verified = verify_vical(vical, vical_anchors, now, policy)?;
    issuer_anchors.extend(&verified.anchors());
    Ok(verified)
}
