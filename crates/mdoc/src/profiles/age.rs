//! Answering age_over_NN with the nearest attestation held.

/// The age_over_MM to disclose when a verifier asks for age_over_`requested`, given the
/// holder's attestations (`(MM, value)` pairs).
///
/// ISO/IEC 18013-5 §7.2.5: the mdoc answers with the exact attestation when it holds one;
/// otherwise with the nearest true attestation above the threshold asked (being over 21
/// implies over 20), or failing that the nearest false attestation below it (not being over 18
/// implies not being over 20). With neither, nothing is disclosed.
pub fn nearest_age_attestation(held: &[(u8, bool)], requested: u8) -> Option<u8> {
    if held.iter().any(|(nn, _)| *nn == requested) {
        return Some(requested);
    }
    let nearest_true_above = held
        .iter()
        .filter(|(nn, value)| *nn > requested && *value)
        .map(|(nn, _)| *nn)
        .min();
    let nearest_false_below = || {
        held.iter()
            .filter(|(nn, value)| *nn < requested && !*value)
            .map(|(nn, _)| *nn)
            .max()
    };
    nearest_true_above.or_else(nearest_false_below)
}

/// The age_over_MM a wallet may send for a requested age_over_`requested` it does not hold
/// exactly, when the same document request also asks for the thresholds in `also_requested`:
/// [`nearest_age_attestation`], except that an attestation the verifier asked for itself is
/// never sent in place of another. The citizen approves or declines that one on its own, and
/// if approved it already answers `requested`; substituting it would send it even when declined.
pub fn age_substitute(held: &[(u8, bool)], requested: u8, also_requested: &[u8]) -> Option<u8> {
    let nearest = nearest_age_attestation(held, requested)?;
    (nearest == requested || !also_requested.contains(&nearest)).then_some(nearest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requested_attestation_is_never_a_substitute() {
        let adult = [(18, true), (21, true), (65, true)];
        // Asked for 19 and 21: 19 would be answered by 21, which is asked (and decided) itself.
        assert_eq!(age_substitute(&adult, 19, &[19, 21]), None);
        assert_eq!(age_substitute(&adult, 21, &[19, 21]), Some(21));
        // Asked for 19 alone: 21 answers it.
        assert_eq!(age_substitute(&adult, 19, &[19]), Some(21));
        // Asked for 19 and 65: 21 is not asked, so it still answers 19.
        assert_eq!(age_substitute(&adult, 19, &[19, 65]), Some(21));
        let minor = [(16, true), (18, false), (21, false)];
        // The false-below branch too: 20 would be answered by 18, which is asked itself.
        assert_eq!(age_substitute(&minor, 20, &[18, 20]), None);
        assert_eq!(age_substitute(&minor, 20, &[20]), Some(18));
        assert_eq!(age_substitute(&[], 18, &[18]), None);
    }

    #[test]
    fn nearest_attestation_cases() {
        let adult = [(18, true), (21, true), (65, false)];
        assert_eq!(nearest_age_attestation(&adult, 18), Some(18));
        assert_eq!(nearest_age_attestation(&adult, 20), Some(21));
        assert_eq!(nearest_age_attestation(&adult, 16), Some(18));
        assert_eq!(nearest_age_attestation(&adult, 25), None);
        assert_eq!(nearest_age_attestation(&adult, 70), Some(65));
        let minor = [(16, true), (18, false), (21, false)];
        assert_eq!(nearest_age_attestation(&minor, 20), Some(18));
        assert_eq!(nearest_age_attestation(&minor, 17), None);
        assert_eq!(nearest_age_attestation(&minor, 15), Some(16));
        assert_eq!(nearest_age_attestation(&minor, 19), Some(18));
        assert_eq!(nearest_age_attestation(&[], 18), None);
    }
}
