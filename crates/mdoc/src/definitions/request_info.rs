//! ISO 18013-5 second edition request fields: `DeviceRequestInfo` (the request's use cases) and
//! `DocRequestInfo` (per-document constraints carried in `ItemsRequest.requestInfo`).
//!
//! The structures follow the second edition's CDDL as implemented by its peers (multipaz
//! `org.multipaz.mdoc.request.{DeviceRequestInfo,UseCase,DocumentSet,DocRequestInfo,
//! AlternativeDataElementSet,ElementReference}`; isomdl `definitions/device_request.rs`):
//!
//! ```text
//! DeviceRequestInfo = { ? "useCases": [+ UseCase], * tstr => any }
//! UseCase = { "mandatory": bool, "documentSets": [+ DocumentSet], ? "purposeHints": PurposeHints }
//! DocumentSet = [+ DocRequestID]            ; indexes into docRequests
//! PurposeHints = { + tstr => int }          ; purpose controller id => purpose code
//! DocRequestInfo = { ? "alternativeDataElements": [+ AlternativeDataElementSet],
//!                    ? "issuerIdentifiers": [+ bstr], ? "uniqueDocSetRequired": bool,
//!                    ? "maximumResponseSize": uint, * tstr => any }
//! AlternativeDataElementSet = { "requestedElement": ElementReference,
//!                               "alternativeElementSets": [+ [+ ElementReference]] }
//! ElementReference = [NameSpace, DataElementIdentifier]
//! ```
//!
//! Every list is capped (the constants below) so a hostile request costs bounded work; unknown
//! keys are kept (and re-encoded) as the edition's `* tstr => any` allows.

use crate::cbor::{CborError, FieldMap, FromCbor, MapRest, ToCbor, Value};

/// Most use cases in one DeviceRequestInfo.
pub const MAX_USE_CASES: usize = 16;
/// Most document sets in one use case.
pub const MAX_DOCUMENT_SETS: usize = 16;
/// Most purpose hints in one use case.
pub const MAX_PURPOSE_HINTS: usize = 16;
/// Most alternativeDataElements entries in one DocRequestInfo.
pub const MAX_ALTERNATIVES: usize = 64;
/// Most alternative element sets for one requested element.
pub const MAX_ALTERNATIVE_SETS: usize = 8;
/// Most element references in one alternative element set.
pub const MAX_ALTERNATIVE_SET_LEN: usize = 8;
/// Most issuer identifiers in one DocRequestInfo.
pub const MAX_ISSUER_IDENTIFIERS: usize = 16;
/// Longest issuer identifier accepted (a key identifier or a hash; 64 bytes is SHA-512).
pub const MAX_ISSUER_IDENTIFIER_LEN: usize = 64;

const fn invalid(context: &'static str) -> CborError {
    CborError::InvalidValue { context }
}

/// A reference to one data element: `[NameSpace, DataElementIdentifier]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ElementReference {
    /// The namespace.
    pub namespace: String,
    /// The element identifier.
    pub identifier: String,
}

impl ElementReference {
    /// A reference to `identifier` in `namespace`.
    pub fn new(namespace: impl Into<String>, identifier: impl Into<String>) -> Self {
        ElementReference {
            namespace: namespace.into(),
            identifier: identifier.into(),
        }
    }
}

impl FromCbor for ElementReference {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        match value.as_array() {
            Some([Value::Text(namespace), Value::Text(identifier)]) => Ok(ElementReference {
                namespace: namespace.clone(),
                identifier: identifier.clone(),
            }),
            _ => Err(CborError::TypeMismatch {
                context: "ElementReference",
                expected: "[namespace, identifier]",
            }),
        }
    }
}

impl ToCbor for ElementReference {
    fn to_cbor(&self) -> Value {
        Value::Array(vec![
            Value::text(self.namespace.clone()),
            Value::text(self.identifier.clone()),
        ])
    }
}

/// A non-empty array of at most `max` items, each read with `read`.
fn bounded_array<T>(
    value: &Value,
    max: usize,
    context: &'static str,
    read: impl Fn(&Value) -> Result<T, CborError>,
) -> Result<Vec<T>, CborError> {
    let items = value.as_array().ok_or(CborError::TypeMismatch {
        context,
        expected: "array",
    })?;
    if items.is_empty() || items.len() > max {
        return Err(invalid(context));
    }
    items.iter().map(read).collect()
}

fn array_value<T>(items: &[T], write: impl Fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(write).collect())
}

/// Element references that may answer a requested element the holder does not have.
#[derive(Debug, Clone, PartialEq)]
pub struct AlternativeDataElementSet {
    /// The requested element these alternatives stand for.
    pub requested_element: ElementReference,
    /// Alternative sets in the reader's order of preference; each set answers on its own.
    pub alternative_element_sets: Vec<Vec<ElementReference>>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

impl FromCbor for AlternativeDataElementSet {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "AlternativeDataElementSet")?;
        let requested_element = f.required("requestedElement")?;
        let sets = f
            .value("alternativeElementSets")
            .ok_or(CborError::MissingField {
                context: "AlternativeDataElementSet",
                field: "alternativeElementSets",
            })?;
        let alternative_element_sets = bounded_array(
            sets,
            MAX_ALTERNATIVE_SETS,
            "AlternativeDataElementSet alternativeElementSets",
            |set| {
                bounded_array(
                    set,
                    MAX_ALTERNATIVE_SET_LEN,
                    "AlternativeDataElementSet element set",
                    ElementReference::from_cbor,
                )
            },
        )?;
        Ok(AlternativeDataElementSet {
            requested_element,
            alternative_element_sets,
            rest: f.finish(),
        })
    }
}

impl ToCbor for AlternativeDataElementSet {
    fn to_cbor(&self) -> Value {
        self.rest.build(vec![
            (
                Value::text("requestedElement"),
                self.requested_element.to_cbor(),
            ),
            (
                Value::text("alternativeElementSets"),
                array_value(&self.alternative_element_sets, |set| {
                    array_value(set, ToCbor::to_cbor)
                }),
            ),
        ])
    }
}

/// DocRequestInfo: the second edition's per-document constraints, carried in
/// `ItemsRequest.requestInfo` (so reader authentication covers them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocRequestInfo {
    /// Alternatives for requested elements the holder may not have.
    pub alternative_data_elements: Vec<AlternativeDataElementSet>,
    /// Identifiers of the issuers whose documents the reader accepts (empty: any).
    pub issuer_identifiers: Vec<Vec<u8>>,
    /// Whether the documents answering a document set must be distinct documents.
    pub unique_doc_set_required: Option<bool>,
    /// Largest response (encoded Document bytes) the reader accepts for this document.
    pub maximum_response_size: Option<u64>,
}

/// The requestInfo keys [`DocRequestInfo`] reads; any other key is left to its own reader.
pub const DOC_REQUEST_INFO_KEYS: [&str; 4] = [
    "alternativeDataElements",
    "issuerIdentifiers",
    "uniqueDocSetRequired",
    "maximumResponseSize",
];

impl DocRequestInfo {
    /// True when no second-edition field is set.
    pub fn is_empty(&self) -> bool {
        self.alternative_data_elements.is_empty()
            && self.issuer_identifiers.is_empty()
            && self.unique_doc_set_required.is_none()
            && self.maximum_response_size.is_none()
    }

    /// Reads the second-edition fields from an ItemsRequest's requestInfo entries, ignoring
    /// every other key (for example `purpose`, or registration data another reader adds).
    pub fn from_request_info(entries: &[(String, Value)]) -> Result<Self, CborError> {
        let field = |name: &str| entries.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let alternative_data_elements = field("alternativeDataElements")
            .map(|v| {
                bounded_array(
                    v,
                    MAX_ALTERNATIVES,
                    "DocRequestInfo alternativeDataElements",
                    AlternativeDataElementSet::from_cbor,
                )
            })
            .transpose()?
            .unwrap_or_default();
        let issuer_identifiers = field("issuerIdentifiers")
            .map(|v| {
                bounded_array(
                    v,
                    MAX_ISSUER_IDENTIFIERS,
                    "DocRequestInfo issuerIdentifiers",
                    |id| match id.as_bytes() {
                        Some(bytes)
                            if !bytes.is_empty() && bytes.len() <= MAX_ISSUER_IDENTIFIER_LEN =>
                        {
                            Ok(bytes.to_vec())
                        }
                        _ => Err(invalid("DocRequestInfo issuerIdentifiers")),
                    },
                )
            })
            .transpose()?
            .unwrap_or_default();
        let unique_doc_set_required = field("uniqueDocSetRequired")
            .map(bool::from_cbor)
            .transpose()?;
        let maximum_response_size = field("maximumResponseSize")
            .map(u64::from_cbor)
            .transpose()?;
        Ok(DocRequestInfo {
            alternative_data_elements,
            issuer_identifiers,
            unique_doc_set_required,
            maximum_response_size,
        })
    }

    /// The requestInfo entries for this info (only the fields that are set), to append to an
    /// ItemsRequest's other requestInfo entries.
    pub fn to_request_info(&self) -> Vec<(String, Value)> {
        let mut entries = Vec::new();
        if !self.alternative_data_elements.is_empty() {
            entries.push((
                "alternativeDataElements".to_owned(),
                array_value(&self.alternative_data_elements, ToCbor::to_cbor),
            ));
        }
        if !self.issuer_identifiers.is_empty() {
            entries.push((
                "issuerIdentifiers".to_owned(),
                array_value(&self.issuer_identifiers, |id| Value::Bytes(id.clone())),
            ));
        }
        if let Some(unique) = self.unique_doc_set_required {
            entries.push(("uniqueDocSetRequired".to_owned(), Value::Bool(unique)));
        }
        if let Some(max) = self.maximum_response_size {
            entries.push(("maximumResponseSize".to_owned(), Value::Unsigned(max)));
        }
        entries
    }

    /// The alternative sets for `element`, in the reader's order of preference.
    pub fn alternatives_for(&self, namespace: &str, identifier: &str) -> &[Vec<ElementReference>] {
        self.alternative_data_elements
            .iter()
            .find(|a| {
                a.requested_element.namespace == namespace
                    && a.requested_element.identifier == identifier
            })
            .map_or(&[], |a| a.alternative_element_sets.as_slice())
    }
}

/// One use case of a request: a purpose, and the alternative sets of documents that fulfil it.
#[derive(Debug, Clone, PartialEq)]
pub struct UseCase {
    /// Whether the reader needs this use case fulfilled.
    pub mandatory: bool,
    /// Document sets in the reader's order of preference; each lists DocRequest indexes, and
    /// one set answered in full fulfils the use case.
    pub document_sets: Vec<Vec<u64>>,
    /// Purpose hints: purpose controller identifier -> purpose code, in received order.
    pub purpose_hints: Vec<(String, i64)>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

impl UseCase {
    /// A use case over `document_sets` without purpose hints.
    pub fn new(mandatory: bool, document_sets: Vec<Vec<u64>>) -> Self {
        UseCase {
            mandatory,
            document_sets,
            purpose_hints: Vec::new(),
            rest: MapRest::default(),
        }
    }
}

impl FromCbor for UseCase {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "UseCase")?;
        let mandatory = f.required("mandatory")?;
        let sets = f.value("documentSets").ok_or(CborError::MissingField {
            context: "UseCase",
            field: "documentSets",
        })?;
        let document_sets =
            bounded_array(sets, MAX_DOCUMENT_SETS, "UseCase documentSets", |set| {
                bounded_array(
                    set,
                    super::request::MAX_DOC_REQUESTS,
                    "UseCase DocumentSet",
                    u64::from_cbor,
                )
            })?;
        let purpose_hints = match f.value("purposeHints") {
            None => Vec::new(),
            Some(hints) => {
                let entries = hints.as_map().ok_or(CborError::TypeMismatch {
                    context: "UseCase purposeHints",
                    expected: "map",
                })?;
                if entries.is_empty() || entries.len() > MAX_PURPOSE_HINTS {
                    return Err(invalid("UseCase purposeHints"));
                }
                entries
                    .iter()
                    .map(|(k, v)| Ok((String::from_cbor(k)?, i64::from_cbor(v)?)))
                    .collect::<Result<_, CborError>>()?
            }
        };
        Ok(UseCase {
            mandatory,
            document_sets,
            purpose_hints,
            rest: f.finish(),
        })
    }
}

impl ToCbor for UseCase {
    fn to_cbor(&self) -> Value {
        let mut known = vec![
            (Value::text("mandatory"), Value::Bool(self.mandatory)),
            (
                Value::text("documentSets"),
                array_value(&self.document_sets, |set| {
                    array_value(set, |id| Value::Unsigned(*id))
                }),
            ),
        ];
        if !self.purpose_hints.is_empty() {
            known.push((
                Value::text("purposeHints"),
                Value::Map(
                    self.purpose_hints
                        .iter()
                        .map(|(k, v)| (Value::text(k.clone()), Value::int(*v)))
                        .collect(),
                ),
            ));
        }
        self.rest.build(known)
    }
}

/// DeviceRequestInfo: information about the request as a whole (second edition), carried as
/// tag-24 bytes that readerAuthAll signs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceRequestInfo {
    /// The request's use cases (empty: none given).
    pub use_cases: Vec<UseCase>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

impl DeviceRequestInfo {
    /// Checks that every document set names a DocRequest of a request with `doc_requests`
    /// DocRequests.
    pub fn check_doc_request_ids(&self, doc_requests: usize) -> Result<(), CborError> {
        let in_range = self
            .use_cases
            .iter()
            .flat_map(|u| u.document_sets.iter().flatten())
            .all(|id| usize::try_from(*id).is_ok_and(|id| id < doc_requests));
        if in_range {
            Ok(())
        } else {
            Err(invalid(
                "UseCase DocumentSet: DocRequest index out of range",
            ))
        }
    }
}

impl FromCbor for DeviceRequestInfo {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "DeviceRequestInfo")?;
        let use_cases = f
            .value("useCases")
            .map(|v| {
                bounded_array(
                    v,
                    MAX_USE_CASES,
                    "DeviceRequestInfo useCases",
                    UseCase::from_cbor,
                )
            })
            .transpose()?
            .unwrap_or_default();
        Ok(DeviceRequestInfo {
            use_cases,
            rest: f.finish(),
        })
    }
}

impl ToCbor for DeviceRequestInfo {
    fn to_cbor(&self) -> Value {
        let mut known = Vec::new();
        if !self.use_cases.is_empty() {
            known.push((
                Value::text("useCases"),
                array_value(&self.use_cases, ToCbor::to_cbor),
            ));
        }
        self.rest.build(known)
    }
}
