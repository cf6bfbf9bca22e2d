//! The registration certificate's claims set: decoding hostile CBOR with bounds, and encoding
//! (for a registrar).

use super::{MAX_CLAIMS, MAX_LIST_LEN, MAX_TEXT_LEN, RegistrationError};
use crate::cbor::Value;
use crate::time::Timestamp;

/// CWT label of `sub` (RFC 8392).
const SUB: i64 = 2;
/// CWT label of `exp` (RFC 8392).
const EXP: i64 = 4;
/// CWT label of `iat` (RFC 8392).
const IAT: i64 = 6;
/// The credential format of an mdoc (OpenID4VP, DCQL).
pub const MSO_MDOC: &str = "mso_mdoc";

/// A credential the relying party is registered to request, and which of its elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredCredential {
    /// The credential format (`mso_mdoc` for an mdoc; other formats are kept but never match).
    pub format: String,
    /// For `mso_mdoc`: the doc type (`meta.doctype_value`).
    pub doc_type: Option<String>,
    /// For `mso_mdoc`: the (namespace, element identifier) pairs of the `claim` paths.
    pub elements: Vec<(String, String)>,
}

/// The decoded claims of a registration certificate (one intended use of one relying party).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationCertificate {
    /// Trade name (`name`).
    pub name: String,
    /// Semantic identifier of the relying party (`sub`, ETSI EN 319 412-1, e.g.
    /// `VATGB-123456789`).
    pub sub: String,
    /// Legal name of a legal person (`sub_ln`).
    pub legal_name: Option<String>,
    /// ISO 3166-1 alpha-2 country (`country`).
    pub country: String,
    /// The registry's API where the registration can be looked up (`registry_uri`).
    pub registry_uri: String,
    /// Entitlements (`entitlements`): ETSI Annex A.2 URIs and this project's role URIs.
    pub entitlements: Vec<String>,
    /// The intended use identifier (`intended_use_id`): the purpose, in this project's
    /// identifiers (`right_to_work`, `benefits_check`, `age_check`, …).
    pub intended_use_id: Option<String>,
    /// The purpose in words, per language (`purpose`: `lang`, `value`).
    pub purpose: Vec<(String, String)>,
    /// The credentials and elements it may request (`credentials`).
    pub credentials: Vec<RegisteredCredential>,
    /// Whether the relying party is a public sector body (`public_body`).
    pub public_body: bool,
    /// Privacy policy URL (`privacy_policy`).
    pub privacy_policy: Option<String>,
    /// This project's extension: web origins the registered service answers from (`origins`).
    pub origins: Vec<String>,
    /// Issuance time (`iat`).
    pub issued_at: Timestamp,
    /// Expiry (`exp`), if given.
    pub expires: Option<Timestamp>,
}

fn malformed(what: &'static str) -> RegistrationError {
    RegistrationError::Malformed(what)
}

fn text(value: &Value, what: &'static str) -> Result<String, RegistrationError> {
    match value.as_text() {
        Some(t) if !t.is_empty() && t.len() <= MAX_TEXT_LEN => Ok(t.to_owned()),
        _ => Err(malformed(what)),
    }
}

fn list<'a>(value: &'a Value, what: &'static str) -> Result<&'a [Value], RegistrationError> {
    match value.as_array() {
        Some(items) if items.len() <= MAX_LIST_LEN => Ok(items),
        _ => Err(malformed(what)),
    }
}

fn time(value: &Value, what: &'static str) -> Result<Timestamp, RegistrationError> {
    let seconds = match value {
        Value::Unsigned(n) => i64::try_from(*n).map_err(|_| malformed(what))?,
        // A float NumericDate (RFC 8392 allows one): whole seconds only.
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && *f >= 0.0 && *f < 1e15 => *f as i64,
        Value::Tag(1, inner) => return time(inner, what),
        _ => return Err(malformed(what)),
    };
    Ok(Timestamp::from_unix_seconds(seconds))
}

/// A claim by its RFC 8392 integer label or its text name.
fn registered<'a>(claims: &'a Value, label: i64, name: &str) -> Option<&'a Value> {
    claims.get_int(label).or_else(|| claims.get(name))
}

fn credential(value: &Value) -> Result<RegisteredCredential, RegistrationError> {
    let format = text(
        value.get("format").ok_or(malformed("credentials format"))?,
        "format",
    )?;
    let doc_type = match value.get("meta").and_then(|m| m.get("doctype_value")) {
        Some(d) => Some(text(d, "meta doctype_value")?),
        None => None,
    };
    let mut elements = Vec::new();
    // The published edition names the list `claim`; `claims` is accepted too.
    if let Some(claims) = value.get("claim").or_else(|| value.get("claims")) {
        let claims = match claims.as_array() {
            Some(items) if items.len() <= MAX_CLAIMS => items,
            _ => return Err(malformed("claim")),
        };
        for claim in claims {
            let path = claim
                .get("path")
                .and_then(Value::as_array)
                .ok_or(malformed("claim path"))?;
            if format != MSO_MDOC {
                continue;
            }
            match path {
                [namespace, identifier] => elements.push((
                    text(namespace, "claim path namespace")?,
                    text(identifier, "claim path element")?,
                )),
                _ => return Err(malformed("mso_mdoc claim path is not [namespace, element]")),
            }
        }
    }
    if format == MSO_MDOC && doc_type.is_none() {
        return Err(malformed("mso_mdoc credential without meta doctype_value"));
    }
    Ok(RegisteredCredential {
        format,
        doc_type,
        elements,
    })
}

impl RegistrationCertificate {
    /// Decodes a claims set. Unknown claims are ignored; known ones must have their type and
    /// stay within the bounds ([`MAX_TEXT_LEN`], [`MAX_LIST_LEN`], [`MAX_CLAIMS`]).
    pub fn from_claims(claims: &Value) -> Result<Self, RegistrationError> {
        if claims.as_map().is_none() {
            return Err(malformed("claims are not a map"));
        }
        let required = |name: &'static str| claims.get(name).ok_or(malformed(name));
        let optional_text = |name: &'static str| -> Result<Option<String>, RegistrationError> {
            claims.get(name).map(|v| text(v, name)).transpose()
        };
        let texts = |name: &'static str| -> Result<Vec<String>, RegistrationError> {
            match claims.get(name) {
                None => Ok(Vec::new()),
                Some(v) => list(v, name)?.iter().map(|t| text(t, name)).collect(),
            }
        };
        let country = text(required("country")?, "country")?;
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(malformed("country"));
        }
        let entitlements = texts("entitlements")?;
        if entitlements.is_empty() {
            // GEN-5.2.4-03: at least one entitlement.
            return Err(malformed("entitlements"));
        }
        let purpose = match claims.get("purpose") {
            None => Vec::new(),
            Some(v) => list(v, "purpose")?
                .iter()
                .map(|p| {
                    Ok((
                        text(p.get("lang").ok_or(malformed("purpose lang"))?, "lang")?,
                        text(p.get("value").ok_or(malformed("purpose value"))?, "value")?,
                    ))
                })
                .collect::<Result<_, RegistrationError>>()?,
        };
        let credentials = match claims.get("credentials") {
            None => Vec::new(),
            Some(v) => list(v, "credentials")?
                .iter()
                .map(credential)
                .collect::<Result<_, _>>()?,
        };
        let public_body = match claims.get("public_body") {
            None => false,
            Some(v) => v.as_bool().ok_or(malformed("public_body"))?,
        };
        Ok(RegistrationCertificate {
            name: text(required("name")?, "name")?,
            sub: text(
                registered(claims, SUB, "sub").ok_or(malformed("sub"))?,
                "sub",
            )?,
            legal_name: optional_text("sub_ln")?,
            country,
            registry_uri: text(required("registry_uri")?, "registry_uri")?,
            entitlements,
            intended_use_id: optional_text("intended_use_id")?,
            purpose,
            credentials,
            public_body,
            privacy_policy: optional_text("privacy_policy")?,
            origins: texts("origins")?,
            issued_at: time(
                registered(claims, IAT, "iat").ok_or(malformed("iat"))?,
                "iat",
            )?,
            expires: registered(claims, EXP, "exp")
                .map(|v| time(v, "exp"))
                .transpose()?,
        })
    }

    /// The claims set as a registrar writes it (integer labels for `sub`, `iat`, `exp`).
    pub fn to_claims(&self) -> Value {
        let texts = |items: &[String]| Value::Array(items.iter().map(Value::text).collect());
        let mut map = vec![
            (Value::text("name"), Value::text(&self.name)),
            (Value::int(SUB), Value::text(&self.sub)),
            (Value::text("country"), Value::text(&self.country)),
            (Value::text("registry_uri"), Value::text(&self.registry_uri)),
            (Value::text("entitlements"), texts(&self.entitlements)),
            (Value::int(IAT), Value::int(self.issued_at.unix_seconds())),
        ];
        if let Some(legal_name) = &self.legal_name {
            map.push((Value::text("sub_ln"), Value::text(legal_name)));
        }
        if let Some(id) = &self.intended_use_id {
            map.push((Value::text("intended_use_id"), Value::text(id)));
        }
        if !self.purpose.is_empty() {
            let purpose = self
                .purpose
                .iter()
                .map(|(lang, value)| {
                    Value::Map(vec![
                        (Value::text("lang"), Value::text(lang)),
                        (Value::text("value"), Value::text(value)),
                    ])
                })
                .collect();
            map.push((Value::text("purpose"), Value::Array(purpose)));
        }
        if !self.credentials.is_empty() {
            let credentials = self.credentials.iter().map(credential_value).collect();
            map.push((Value::text("credentials"), Value::Array(credentials)));
        }
        if self.public_body {
            map.push((Value::text("public_body"), Value::Bool(true)));
        }
        if let Some(policy) = &self.privacy_policy {
            map.push((Value::text("privacy_policy"), Value::text(policy)));
        }
        if !self.origins.is_empty() {
            map.push((Value::text("origins"), texts(&self.origins)));
        }
        if let Some(expires) = self.expires {
            map.push((Value::int(EXP), Value::int(expires.unix_seconds())));
        }
        Value::Map(map)
    }

    /// Whether this registration lets its holder request `identifier` in `namespace` of
    /// `doc_type`.
    pub fn covers(&self, doc_type: &str, namespace: &str, identifier: &str) -> bool {
        self.credentials.iter().any(|c| {
            c.format == MSO_MDOC
                && c.doc_type.as_deref() == Some(doc_type)
                && c.elements
                    .iter()
                    .any(|(ns, id)| ns == namespace && id == identifier)
        })
    }
}

fn credential_value(credential: &RegisteredCredential) -> Value {
    let mut map = vec![(Value::text("format"), Value::text(&credential.format))];
    let meta = match &credential.doc_type {
        Some(doc_type) => vec![(Value::text("doctype_value"), Value::text(doc_type))],
        None => Vec::new(),
    };
    map.push((Value::text("meta"), Value::Map(meta)));
    let claims = credential
        .elements
        .iter()
        .map(|(ns, id)| {
            Value::Map(vec![(
                Value::text("path"),
                Value::Array(vec![Value::text(ns), Value::text(id)]),
            )])
        })
        .collect();
    map.push((Value::text("claim"), Value::Array(claims)));
    Value::Map(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RegistrationCertificate {
        RegistrationCertificate {
            name: "Acme Ltd".to_owned(),
            sub: "VATGB-123456789".to_owned(),
            legal_name: Some("Acme Limited".to_owned()),
            country: "GB".to_owned(),
            registry_uri: "https://registry.example.invalid/api".to_owned(),
            entitlements: vec![super::super::ENTITLEMENT_SERVICE_PROVIDER.to_owned()],
            intended_use_id: Some("right_to_work".to_owned()),
            purpose: vec![("en".to_owned(), "Right to work checks".to_owned())],
            credentials: vec![RegisteredCredential {
                format: MSO_MDOC.to_owned(),
                doc_type: Some("uk.gov.digital-id.1".to_owned()),
                elements: vec![("org.iso.18013.5.1".to_owned(), "family_name".to_owned())],
            }],
            public_body: false,
            privacy_policy: None,
            origins: vec!["https://acme.example".to_owned()],
            issued_at: Timestamp::from_unix_seconds(1_700_000_000),
            expires: Some(Timestamp::from_unix_seconds(1_710_000_000)),
        }
    }

    #[test]
    fn round_trips_and_covers() {
        let cert = sample();
        let back = RegistrationCertificate::from_claims(&cert.to_claims()).unwrap();
        assert_eq!(back, cert);
        assert!(back.covers("uk.gov.digital-id.1", "org.iso.18013.5.1", "family_name"));
        assert!(!back.covers("uk.gov.digital-id.1", "org.iso.18013.5.1", "birth_date"));
        assert!(!back.covers("org.iso.18013.5.1.mDL", "org.iso.18013.5.1", "family_name"));
    }

    #[test]
    fn text_keys_for_registered_claims_are_accepted() {
        let mut claims = sample().to_claims();
        if let Value::Map(entries) = &mut claims {
            for (k, _) in entries.iter_mut() {
                match k.as_i64() {
                    Some(2) => *k = Value::text("sub"),
                    Some(6) => *k = Value::text("iat"),
                    _ => {}
                }
            }
        }
        assert_eq!(
            RegistrationCertificate::from_claims(&claims).unwrap(),
            sample()
        );
    }

    #[test]
    fn refuses_missing_wrong_and_oversized_claims() {
        let without = |name: &str| {
            let Value::Map(entries) = sample().to_claims() else {
                unreachable!()
            };
            Value::Map(
                entries
                    .into_iter()
                    .filter(|(k, _)| k.as_text() != Some(name))
                    .collect(),
            )
        };
        for name in ["name", "country", "registry_uri", "entitlements"] {
            assert!(matches!(
                RegistrationCertificate::from_claims(&without(name)),
                Err(RegistrationError::Malformed(_))
            ));
        }
        let mut big = sample();
        big.name = "x".repeat(MAX_TEXT_LEN + 1);
        assert!(RegistrationCertificate::from_claims(&big.to_claims()).is_err());
        let mut many = sample();
        many.entitlements = vec!["e".to_owned(); MAX_LIST_LEN + 1];
        assert!(RegistrationCertificate::from_claims(&many.to_claims()).is_err());
        let mut lower = sample();
        lower.country = "gb".to_owned();
        assert!(RegistrationCertificate::from_claims(&lower.to_claims()).is_err());
        let mut none = sample();
        none.entitlements.clear();
        assert!(RegistrationCertificate::from_claims(&none.to_claims()).is_err());
        assert!(RegistrationCertificate::from_claims(&Value::Array(Vec::new())).is_err());
        // An mdoc claim path must be [namespace, element].
        let mut path = sample().to_claims();
        if let Value::Map(entries) = &mut path {
            for (k, v) in entries.iter_mut() {
                if k.as_text() == Some("credentials") {
                    *v = Value::Array(vec![Value::Map(vec![
                        (Value::text("format"), Value::text(MSO_MDOC)),
                        (
                            Value::text("meta"),
                            Value::Map(vec![(
                                Value::text("doctype_value"),
                                Value::text("uk.gov.digital-id.1"),
                            )]),
                        ),
                        (
                            Value::text("claim"),
                            Value::Array(vec![Value::Map(vec![(
                                Value::text("path"),
                                Value::Array(vec![Value::text("only_one")]),
                            )])]),
                        ),
                    ])]);
                }
            }
        }
        assert!(RegistrationCertificate::from_claims(&path).is_err());
    }
}
