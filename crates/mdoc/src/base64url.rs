//! Unpadded base64url (RFC 4648 §5), the form JOSE, OpenID4VP/VCI and the `mdoc:` URI use,
//! through `base64ct` (constant-time, already in the tree for PEM): one encoder for the crate.

use base64ct::{Base64UrlUnpadded, Encoding};

/// Refused base64url text: a character outside the alphabet, padding, or non-canonical bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBase64;

/// `bytes` as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    Base64UrlUnpadded::encode_string(bytes.as_ref())
}

/// The bytes of unpadded base64url `text`.
pub fn decode(text: impl AsRef<[u8]>) -> Result<Vec<u8>, InvalidBase64> {
    Base64UrlUnpadded::decode_vec(core::str::from_utf8(text.as_ref()).map_err(|_| InvalidBase64)?)
        .map_err(|_| InvalidBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_forms() {
        // RFC 4648 §10 test vectors, in the URL alphabet without padding.
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(b"fo"), "Zm8");
        assert_eq!(encode([0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8").unwrap(), vec![0xfb, 0xff]);
        for bad in ["Zm8=", "+/8", "Zm9", "Zm8 ", "Z"] {
            assert_eq!(decode(bad), Err(InvalidBase64), "{bad}");
        }
    }
}
