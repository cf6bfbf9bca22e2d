//! The Status List Token in CWT form (draft-ietf-oauth-status-list-20 §5.2).

use p256::ecdsa::VerifyingKey;

use super::cwt::{self, Envelope};
use super::{StatusError, StatusList, TokenClaims};
use crate::cbor::Value;
use crate::cose::Es256Signer;

/// The protected `typ` of a Status List Token (draft §5.2, RFC 9596).
pub const STATUS_LIST_TYP: &str = "application/statuslist+cwt";
/// CWT claim key of the status list (draft §5.2).
const STATUS_LIST: i64 = 65533;

/// A Status List Token, opened and its list inflated; not trusted until verified.
#[derive(Debug, Clone)]
pub struct StatusListToken {
    envelope: Envelope,
    /// `sub`, `iat`, `exp`, `ttl`.
    pub claims: TokenClaims,
    /// The inflated list.
    pub list: StatusList,
}

impl StatusListToken {
    /// Signs a token over `list` with `x5chain` (DER, leaf first) in the protected header.
    pub fn sign(
        signer: &(impl Es256Signer + ?Sized),
        x5chain: &[Vec<u8>],
        claims: &TokenClaims,
        list: &StatusList,
    ) -> Result<Vec<u8>, StatusError> {
        let mut entries = claims.to_entries();
        entries.push((Value::int(STATUS_LIST), list.to_cbor()));
        cwt::sign(
            signer,
            STATUS_LIST_TYP,
            x5chain,
            &Value::canonical_map(entries),
        )
    }

    /// Opens token bytes: structure, `typ`, claims, and `lst` inflated within `max_inflated`.
    pub fn open(bytes: &[u8], max_inflated: usize) -> Result<Self, StatusError> {
        let envelope = cwt::open(bytes)?;
        if envelope.typ.as_deref() != Some(STATUS_LIST_TYP) {
            return Err(StatusError::WrongType {
                expected: STATUS_LIST_TYP,
            });
        }
        let claims = TokenClaims::from_claims(&envelope.claims)?;
        let list = envelope
            .claims
            .get_int(STATUS_LIST)
            .ok_or(StatusError::Malformed("status_list claim"))?;
        let list = StatusList::from_cbor(list, max_inflated)?;
        Ok(StatusListToken {
            envelope,
            claims,
            list,
        })
    }

    /// The COSE envelope (for [`super::verify_signer`]).
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The envelope, claims and list, without copying them.
    pub fn into_parts(self) -> (Envelope, TokenClaims, StatusList) {
        (self.envelope, self.claims, self.list)
    }

    /// Verifies the signature with a key resolved out of band (the draft's examples use `kid`).
    pub fn verify_with_key(&self, key: &VerifyingKey) -> Result<(), StatusError> {
        self.envelope.verify(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{Bits, DEFAULT_MAX_INFLATED};
    use crate::time::Timestamp;

    fn draft_example() -> Vec<u8> {
        let text = include_str!("testdata/status_list_cwt.hex");
        let hex_text: String = text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .flat_map(str::chars)
            .filter(char::is_ascii_hexdigit)
            .collect();
        hex::decode(hex_text).unwrap()
    }

    /// The draft's example signing key (src/util.py at the same commit), public part.
    fn draft_key() -> VerifyingKey {
        let x = crate::base64url::decode("I3HWm_0Ds1dPMI-IWmf4mBmH-YaeAVbPVu7vB27CxXo").unwrap();
        let y = crate::base64url::decode("6N_d5Elj9bs1htgV3okJKIdbHEpkgTmAluYKJemzn1M").unwrap();
        let sec1 = [&[0x04][..], &x, &y].concat();
        VerifyingKey::from_sec1_bytes(&sec1).unwrap()
    }

    #[test]
    fn the_draft_cwt_example_opens_and_verifies_with_its_published_key() {
        // draft-ietf-oauth-status-list-20 §5.2 (examples/status_list_cwt.md).
        let token = StatusListToken::open(&draft_example(), DEFAULT_MAX_INFLATED).unwrap();
        token.verify_with_key(&draft_key()).unwrap();
        assert_eq!(token.claims.sub, "https://example.com/statuslists/1");
        assert_eq!(
            token.claims.iat,
            Timestamp::from_unix_seconds(1_686_920_170)
        );
        assert_eq!(
            token.claims.exp,
            Some(Timestamp::from_unix_seconds(2_291_720_170))
        );
        assert_eq!(token.claims.ttl, Some(43_200));
        assert_eq!(token.list.bits(), Bits::One);
        let statuses: Vec<u8> = (0..16).map(|i| token.list.get(i).unwrap()).collect();
        assert_eq!(statuses, [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]);
        // The draft's example resolves its key by kid: it has no x5chain at all.
        assert!(token.envelope().protected_x5chain.is_empty());
        // Signed by the published key only.
        let other = p256::ecdsa::SigningKey::from(crate::rng::new_p256_secret_key());
        assert_eq!(
            token.verify_with_key(other.verifying_key()),
            Err(StatusError::BadSignature)
        );
    }

    #[test]
    fn a_tampered_draft_example_fails_its_signature() {
        let mut bytes = draft_example();
        // Flip one bit inside the compressed list (still valid structure, so the signature
        // check is what catches it; it may also fail to inflate).
        let at = bytes.len() - 70;
        bytes[at] ^= 0x01;
        match StatusListToken::open(&bytes, DEFAULT_MAX_INFLATED) {
            Ok(token) => assert_eq!(
                token.verify_with_key(&draft_key()),
                Err(StatusError::BadSignature)
            ),
            Err(e) => assert!(matches!(
                e,
                StatusError::Compression | StatusError::Malformed(_)
            )),
        }
    }

    #[test]
    fn sign_then_open_round_trips_with_x5chain_protected() {
        let key = p256::ecdsa::SigningKey::from(crate::rng::new_p256_secret_key());
        let mut list = StatusList::new(Bits::Two, 1000).unwrap();
        list.set(7, 1).unwrap();
        list.set(8, 2).unwrap();
        let claims = TokenClaims {
            sub: "https://issuer.example/status/1".into(),
            iat: Timestamp::from_unix_seconds(1_800_000_000),
            exp: Some(Timestamp::from_unix_seconds(1_800_086_400)),
            ttl: Some(3600),
        };
        let bytes =
            StatusListToken::sign(&key, &[vec![0x30, 0x01], vec![0x30, 0x02]], &claims, &list)
                .unwrap();
        assert_eq!(bytes.first(), Some(&0xd2), "COSE_Sign1_Tagged");
        let token = StatusListToken::open(&bytes, DEFAULT_MAX_INFLATED).unwrap();
        token.verify_with_key(key.verifying_key()).unwrap();
        assert_eq!(token.claims, claims);
        assert_eq!(token.list, list);
        assert_eq!(
            token.envelope().protected_x5chain,
            vec![vec![0x30, 0x01], vec![0x30, 0x02]]
        );
        assert!(!token.envelope().unprotected_x5chain);
        assert_eq!(
            claims.check("https://issuer.example/status/1", claims.iat),
            Ok(())
        );
        assert_eq!(
            claims.check("https://issuer.example/status/2", claims.iat),
            Err(StatusError::SubjectMismatch)
        );
        assert_eq!(
            claims.check(&claims.sub, claims.exp.unwrap()),
            Err(StatusError::Expired)
        );
        assert_eq!(
            claims.check(&claims.sub, claims.iat.plus_seconds(-400)),
            Err(StatusError::IssuedInFuture)
        );
        assert_eq!(
            claims.reusable_until(claims.iat),
            Some(claims.iat.plus_seconds(3600))
        );
        // Truncations at every length are typed errors, never panics.
        for len in 0..bytes.len() {
            assert!(StatusListToken::open(&bytes[..len], DEFAULT_MAX_INFLATED).is_err());
        }
    }

    #[test]
    fn wrong_type_and_bad_structures_are_refused() {
        let key = p256::ecdsa::SigningKey::from(crate::rng::new_p256_secret_key());
        let claims = Value::canonical_map(vec![
            (Value::int(2), Value::text("https://x.example/1")),
            (Value::int(6), Value::int(1)),
            (
                Value::int(STATUS_LIST),
                StatusList::new(Bits::One, 8).unwrap().to_cbor(),
            ),
        ]);
        let other_typ = cwt::sign(&key, "application/cwt", &[], &claims).unwrap();
        assert_eq!(
            StatusListToken::open(&other_typ, 1024).unwrap_err(),
            StatusError::WrongType {
                expected: STATUS_LIST_TYP
            }
        );
        let good = cwt::sign(&key, STATUS_LIST_TYP, &[], &claims).unwrap();
        StatusListToken::open(&good, 1024).unwrap();
        // CWT tag 61 around it is forbidden; garbage is malformed.
        let mut tagged = vec![0xd8, 0x3d];
        tagged.extend(&good);
        assert!(matches!(
            StatusListToken::open(&tagged, 1024),
            Err(StatusError::Malformed(_))
        ));
        assert!(matches!(
            StatusListToken::open(b"\xff\x00", 1024),
            Err(StatusError::Malformed(_))
        ));
        // Missing iat.
        let no_iat = Value::canonical_map(vec![
            (Value::int(2), Value::text("https://x.example/1")),
            (
                Value::int(STATUS_LIST),
                StatusList::new(Bits::One, 8).unwrap().to_cbor(),
            ),
        ]);
        let bytes = cwt::sign(&key, STATUS_LIST_TYP, &[], &no_iat).unwrap();
        assert_eq!(
            StatusListToken::open(&bytes, 1024).unwrap_err(),
            StatusError::Malformed("iat")
        );
        assert!(matches!(
            StatusListToken::open(&vec![0u8; cwt::MAX_TOKEN_LEN + 1], 1024),
            Err(StatusError::TokenTooLarge { .. })
        ));
    }
}
