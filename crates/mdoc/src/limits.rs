//! How large each message may be, in one table.
//!
//! Every entry point that takes bytes from another party (or from storage) checks the message's
//! limit here before decoding, and refuses a larger message with [`CborError::TooLarge`]. Each
//! limit is a realistic message's size with ample headroom, not a number that merely stops the
//! process running out of memory; the decoder's own budget ([`cbor::Limits::max_expansion`])
//! then keeps the decoded value within a small multiple of the input, so peak memory stays
//! proportional to what was actually received.
//!
//! | Message | Limit | A realistic message |
//! |---|---|---|
//! | DeviceEngagement (`mdoc:` QR URI) | 8 KiB of URI ([`MAX_QR_URI_LEN`]) | ~150 bytes; a QR code holds < 3 KiB |
//! | SessionEstablishment / SessionData to the wallet | [`SESSION_TO_WALLET`]: 256 KiB | a DeviceRequest plus ~100 bytes |
//! | DeviceRequest | [`DEVICE_REQUEST`]: 256 KiB | 1–10 KiB: a few documents, dozens of elements, a reader chain of 2–3 certificates |
//! | SessionData to the reader | [`SESSION_TO_READER`]: 4 MiB | a DeviceResponse plus ~100 bytes |
//! | DeviceResponse | [`DEVICE_RESPONSE`]: 4 MiB | 150–300 KiB: a 100 KiB portrait, a signature image, an MSO, an issuer chain |
//! | IssuerSigned (provisioning) | [`ISSUER_SIGNED`]: 4 MiB | 120–250 KiB, as a DeviceResponse's document |
//! | Stored credential record | [`STORED_RECORD`]: 4 MiB | an IssuerSigned plus ~1 KiB of metadata |
//! | DC API request JSON | [`DCAPI_REQUEST`]: 512 KiB | 2–15 KiB: a base64url DeviceRequest and encryptionInfo |
//! | DC API EncryptedResponse | [`DCAPI_RESPONSE`]: 8 MiB | 4/3 of a DeviceResponse in base64url |
//! | OpenID4VP request (wallet) | [`OPENID4VP_REQUEST`]: 256 KiB | 1–10 KiB: a DCQL query, client metadata with a JWK |
//! | OpenID4VP response (verifier: JSON, form or JWE) | [`OPENID4VP_RESPONSE`]: 8 MiB | 4/3 of a DeviceResponse in base64url, twice over inside a JWE |
//!
//! [`MAX_QR_URI_LEN`]: crate::definitions::engagement::MAX_QR_URI_LEN

use crate::cbor::{self, CborError, FromCbor};

/// The size limit of one kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageLimit {
    /// The message, for documentation and diagnostics.
    pub message: &'static str,
    /// Largest accepted message, in bytes.
    pub max_bytes: usize,
}

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// SessionEstablishment or SessionData sent by a reader: an encrypted DeviceRequest.
pub const SESSION_TO_WALLET: MessageLimit = MessageLimit {
    message: "SessionEstablishment or SessionData to the wallet",
    max_bytes: DEVICE_REQUEST.max_bytes + 4 * KIB,
};

/// A DeviceRequest (ISO 18013-5 §8.3.2.1.2.1), however it arrived.
pub const DEVICE_REQUEST: MessageLimit = MessageLimit {
    message: "DeviceRequest",
    max_bytes: 256 * KIB,
};

/// SessionData sent by the wallet: an encrypted DeviceResponse.
pub const SESSION_TO_READER: MessageLimit = MessageLimit {
    message: "SessionData to the reader",
    max_bytes: DEVICE_RESPONSE.max_bytes + 4 * KIB,
};

/// A DeviceResponse (ISO 18013-5 §8.3.2.1.2.2), however it arrived.
pub const DEVICE_RESPONSE: MessageLimit = MessageLimit {
    message: "DeviceResponse",
    max_bytes: 4 * MIB,
};

/// The IssuerSigned structure an issuer provisions.
pub const ISSUER_SIGNED: MessageLimit = MessageLimit {
    message: "IssuerSigned",
    max_bytes: 4 * MIB,
};

/// A credential record as stored (after decryption).
pub const STORED_RECORD: MessageLimit = MessageLimit {
    message: "stored credential record",
    max_bytes: ISSUER_SIGNED.max_bytes + 64 * KIB,
};

/// The `data` of a Digital Credentials API request (JSON).
pub const DCAPI_REQUEST: MessageLimit = MessageLimit {
    message: "Digital Credentials API request",
    max_bytes: 512 * KIB,
};

/// A Digital Credentials API EncryptedResponse (JSON around an HPKE-sealed DeviceResponse).
pub const DCAPI_RESPONSE: MessageLimit = MessageLimit {
    message: "Digital Credentials API response",
    max_bytes: 8 * MIB,
};

/// An OpenID4VP authorization request as the wallet receives it (JSON or URL).
pub const OPENID4VP_REQUEST: MessageLimit = MessageLimit {
    message: "OpenID4VP request",
    max_bytes: 256 * KIB,
};

/// An OpenID4VP authorization response as the verifier receives it (JSON, form or JWE).
pub const OPENID4VP_RESPONSE: MessageLimit = MessageLimit {
    message: "OpenID4VP response",
    max_bytes: 8 * MIB,
};

/// Every limit, for documentation and tests.
pub const ALL: [MessageLimit; 10] = [
    SESSION_TO_WALLET,
    DEVICE_REQUEST,
    SESSION_TO_READER,
    DEVICE_RESPONSE,
    ISSUER_SIGNED,
    STORED_RECORD,
    DCAPI_REQUEST,
    DCAPI_RESPONSE,
    OPENID4VP_REQUEST,
    OPENID4VP_RESPONSE,
];

/// Heap bytes a parsed JSON value may take per input byte, beyond [`JSON_SLACK`].
pub const JSON_MAX_EXPANSION: usize = 4;

/// Heap bytes every JSON parse may use whatever its length (a small request of many short
/// tokens).
pub const JSON_SLACK: usize = 16 * KIB;

/// What one JSON value slot (an array element, an object key or value) costs once parsed, at
/// most: a `serde_json::Value` (32 bytes) in a container that may hold twice what it uses.
const JSON_SLOT_COST: usize = 64;

impl MessageLimit {
    /// Refuses `bytes` when longer than this limit.
    pub fn check(&self, bytes: &[u8]) -> Result<(), CborError> {
        if bytes.len() > self.max_bytes {
            Err(CborError::TooLarge)
        } else {
            Ok(())
        }
    }

    /// Checks this limit, then decodes `bytes` into `T`.
    pub fn decode<T: FromCbor>(&self, bytes: &[u8]) -> Result<T, CborError> {
        self.check(bytes)?;
        cbor::from_slice(bytes)
    }

    /// Checks this limit, then decodes `bytes` into an untyped CBOR value.
    pub fn decode_value(&self, bytes: &[u8]) -> Result<cbor::Value, CborError> {
        self.check(bytes)?;
        cbor::decode(bytes)
    }

    /// Refuses JSON text longer than this limit, or whose parsed value would take more than
    /// [`JSON_MAX_EXPANSION`] × its length + [`JSON_SLACK`] bytes (many tiny tokens such as
    /// `[[],[],…]`), by counting its value slots without allocating.
    pub fn check_json(&self, text: &str) -> Result<(), CborError> {
        self.check(text.as_bytes())?;
        let budget = text
            .len()
            .saturating_mul(JSON_MAX_EXPANSION)
            .saturating_add(JSON_SLACK);
        let cost = json_slots(text.as_bytes())
            .saturating_mul(JSON_SLOT_COST)
            .saturating_add(text.len());
        if cost > budget {
            Err(CborError::DecodedTooLarge)
        } else {
            Ok(())
        }
    }
}

/// Counts the places a JSON value or key may start outside strings: after `[`, `{`, `,` and
/// `:`. Malformed text is counted all the same; the parser refuses it afterwards.
fn json_slots(text: &[u8]) -> usize {
    let mut slots = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' | b',' | b':' => slots += 1,
                _ => {}
            }
        }
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_refuses_one_byte_more() {
        for limit in ALL {
            let at = vec![0u8; limit.max_bytes];
            let over = vec![0u8; limit.max_bytes + 1];
            assert_eq!(limit.check(&at), Ok(()), "{}", limit.message);
            assert_eq!(limit.check(&over), Err(CborError::TooLarge));
            assert_eq!(limit.decode_value(&over), Err(CborError::TooLarge));
        }
    }

    #[test]
    fn json_of_many_tiny_tokens_is_refused_and_ordinary_json_is_not() {
        let tiny = format!("[{}[]]", "[],".repeat(50_000));
        assert_eq!(
            OPENID4VP_REQUEST.check_json(&tiny),
            Err(CborError::DecodedTooLarge)
        );
        // Separators inside strings are content, not slots.
        let quoted = format!("{{\"nonce\":\"{}\"}}", ",".repeat(100_000));
        assert_eq!(OPENID4VP_REQUEST.check_json(&quoted), Ok(()));
        let escaped = format!("{{\"a\":\"\\\"{}\"}}", ",".repeat(100_000));
        assert_eq!(OPENID4VP_REQUEST.check_json(&escaped), Ok(()));
        let request = r#"{"response_type":"vp_token","nonce":"n-0S6_WzA2Mj","dcql_query":
            {"credentials":[{"id":"pid","format":"mso_mdoc","meta":{"doctype_value":"x"},
            "claims":[{"path":["org.iso.18013.5.1","family_name"]}]}]}}"#;
        assert_eq!(OPENID4VP_REQUEST.check_json(request), Ok(()));
    }
}
