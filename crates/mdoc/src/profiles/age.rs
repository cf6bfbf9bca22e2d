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

#[cfg(test)]
mod tests {
    use super::*;

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
