//! `application/x-www-form-urlencoded` (the WHATWG URL standard's serializer and parser), for
//! OpenID4VP authorization requests passed as URL query strings and `direct_post` response
//! bodies.

/// Most parameters accepted in one form.
pub const MAX_PARAMETERS: usize = 64;

/// Why a form could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// A `%` escape is not two hex digits, or the decoded bytes are not UTF-8.
    #[error("malformed form encoding")]
    Malformed,
    /// More than [`MAX_PARAMETERS`] parameters, or a name given twice.
    #[error("too many or repeated form parameters")]
    Parameters,
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'*' | b'-' | b'.' | b'_')
}

/// Percent-encodes one name or value.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        match byte {
            b' ' => out.push('+'),
            b if is_unreserved(b) => out.push(char::from(b)),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Serializes `parameters` in order.
pub fn encode<'a>(parameters: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    parameters
        .into_iter()
        .map(|(name, value)| format!("{}={}", encode_component(name), encode_component(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Serializes the members of a JSON object as a form: text values as they are, other values
/// (objects such as `vp_token` or `dcql_query`) as their JSON text, the way OpenID4VP passes
/// parameters in URLs and `direct_post` bodies.
pub fn encode_json_object(parameters: &serde_json::Map<String, serde_json::Value>) -> String {
    let texts: Vec<(&str, String)> = parameters
        .iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => (name.as_str(), text.clone()),
            other => (name.as_str(), other.to_string()),
        })
        .collect();
    encode(texts.iter().map(|(name, value)| (*name, value.as_str())))
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Decodes one name or value (`+` is a space), refusing broken escapes and non-UTF-8.
pub fn decode_component(text: &str) -> Result<String, FormError> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = input
                    .next()
                    .and_then(hex_value)
                    .ok_or(FormError::Malformed)?;
                let low = input
                    .next()
                    .and_then(hex_value)
                    .ok_or(FormError::Malformed)?;
                bytes.push(high << 4 | low);
            }
            b => bytes.push(b),
        }
    }
    String::from_utf8(bytes).map_err(|_| FormError::Malformed)
}

/// Parses a form (without a leading `?`) into its parameters in order, refusing repeated names
/// (an ambiguity an attacker could exploit) and more than [`MAX_PARAMETERS`].
pub fn decode(form: &str) -> Result<Vec<(String, String)>, FormError> {
    let mut parameters: Vec<(String, String)> = Vec::new();
    for pair in form.split('&').filter(|p| !p.is_empty()) {
        if parameters.len() == MAX_PARAMETERS {
            return Err(FormError::Parameters);
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode_component(name)?;
        if parameters.iter().any(|(n, _)| *n == name) {
            return Err(FormError::Parameters);
        }
        parameters.push((name, decode_component(value)?));
    }
    Ok(parameters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_json_and_uris() {
        let json =
            r#"{"credentials":[{"id":"q0","meta":{"doctype_value":"org.iso.18013.5.1.mDL"}}]} & é"#;
        let form = encode([
            ("dcql_query", json),
            ("response_uri", "https://a.example/r?x=1"),
        ]);
        assert!(form.is_ascii() && !form.contains(' ') && form.matches('&').count() == 1);
        assert_eq!(
            decode(&form).unwrap(),
            vec![
                ("dcql_query".to_owned(), json.to_owned()),
                (
                    "response_uri".to_owned(),
                    "https://a.example/r?x=1".to_owned()
                )
            ]
        );
    }

    #[test]
    fn json_members_become_text_parameters() {
        let object = serde_json::json!({"state": "s 1", "vp_token": {"q0": ["AA"]}});
        let form = encode_json_object(object.as_object().unwrap());
        assert_eq!(
            decode(&form).unwrap(),
            vec![
                ("state".to_owned(), "s 1".to_owned()),
                ("vp_token".to_owned(), r#"{"q0":["AA"]}"#.to_owned()),
            ]
        );
    }

    #[test]
    fn reads_what_browsers_write() {
        assert_eq!(
            decode("a=1+2&b=%7B%22k%22%3A1%7D&c=&d").unwrap(),
            vec![
                ("a".to_owned(), "1 2".to_owned()),
                ("b".to_owned(), "{\"k\":1}".to_owned()),
                ("c".to_owned(), String::new()),
                ("d".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn refuses_broken_escapes_repeats_and_floods() {
        for bad in ["a=%", "a=%4", "a=%zz", "a=%ff%fe"] {
            assert_eq!(decode(bad), Err(FormError::Malformed), "{bad}");
        }
        assert_eq!(decode("nonce=a&nonce=b"), Err(FormError::Parameters));
        let flood = (0..=MAX_PARAMETERS)
            .map(|i| format!("p{i}=1"))
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(decode(&flood), Err(FormError::Parameters));
    }
}
