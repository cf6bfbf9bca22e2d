//! DeviceRequest (ISO 18013-5 §8.3.2.1.2.1).

use super::request_info::{DOC_REQUEST_INFO_KEYS, DeviceRequestInfo, DocRequestInfo};
use super::{ElementMap, check_version};
use crate::cbor::{
    CborError, FieldMap, FromCbor, MapRest, Tagged, ToCbor, Value, text_map, text_map_value,
};

/// The first edition's DeviceRequest version.
pub const VERSION_1_0: &str = "1.0";
/// The second edition's DeviceRequest version (deviceRequestInfo, readerAuthAll, DocRequestInfo).
pub const VERSION_1_1: &str = "1.1";

/// Most readerAuthAll signatures accepted in one DeviceRequest (a reader may sign once per
/// trust framework it belongs to; each costs the wallet a chain validation).
pub const MAX_READER_AUTH_ALL: usize = 4;

/// Most DocRequests accepted in one DeviceRequest. A real request asks for a handful of
/// documents; each DocRequest costs the wallet a credential lookup and a reader signature check.
pub const MAX_DOC_REQUESTS: usize = 16;

/// Most element identifiers accepted in one ItemsRequest, across its namespaces (an mDL has
/// about 35 elements plus its age_over_NN attestations).
pub const MAX_REQUESTED_ELEMENTS: usize = 256;

/// Most namespaces accepted in one ItemsRequest.
pub const MAX_REQUEST_NAMESPACES: usize = 32;

const TOO_MANY_DOC_REQUESTS: CborError = CborError::InvalidValue {
    context: "DeviceRequest docRequests: more than MAX_DOC_REQUESTS",
};
const TOO_MANY_ELEMENTS: CborError = CborError::InvalidValue {
    context: "ItemsRequest nameSpaces: more than MAX_REQUESTED_ELEMENTS elements",
};
const BAD_READER_AUTH_ALL: CborError = CborError::InvalidValue {
    context: "DeviceRequest readerAuthAll: empty or more than MAX_READER_AUTH_ALL",
};
const TOO_MANY_NAMESPACES: CborError = CborError::InvalidValue {
    context: "ItemsRequest nameSpaces: more than MAX_REQUEST_NAMESPACES namespaces",
};

/// A reader's request for one or more documents.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRequest {
    /// Version, "1.0" (or "1.1").
    pub version: String,
    /// One request per document.
    pub doc_requests: Vec<DocRequest>,
    /// DeviceRequestInfoBytes (second edition), tag 24, bytes as received: readerAuthAll signs
    /// them. Read only from a version 1.1 (or later) request; a 1.0 request's key is kept in
    /// `rest` and ignored.
    pub device_request_info: Option<Tagged<DeviceRequestInfo>>,
    /// readerAuthAll (second edition): COSE_Sign1 signatures with detached payload, each over
    /// ReaderAuthenticationAllBytes, kept as CBOR values. Read only from version 1.1 or later.
    pub reader_auth_all: Option<Vec<Value>>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

/// The request for one document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocRequest {
    /// ItemsRequestBytes, kept as received (reader authentication signs them).
    pub items_request: Tagged<ItemsRequest>,
    /// ReaderAuth: a COSE_Sign1 with detached payload, kept as a CBOR value.
    pub reader_auth: Option<Value>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

/// The elements requested from one document type.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsRequest {
    /// The document type requested.
    pub doc_type: String,
    /// Namespace -> element identifier -> IntentToRetain, in received order.
    pub name_spaces: ElementMap<bool>,
    /// Optional request info, kept as received.
    pub request_info: Option<Vec<(String, Value)>>,
    /// Unknown keys and the key order.
    pub rest: MapRest,
}

impl DeviceRequest {
    /// A version 1.0 request.
    pub fn new(doc_requests: Vec<DocRequest>) -> Self {
        DeviceRequest {
            version: VERSION_1_0.to_owned(),
            doc_requests,
            device_request_info: None,
            reader_auth_all: None,
            rest: MapRest::default(),
        }
    }

    /// A version 1.1 (second edition) request, with `info` as DeviceRequestInfoBytes when given.
    /// readerAuthAll is added by the signer once the request is complete.
    pub fn second_edition(doc_requests: Vec<DocRequest>, info: Option<DeviceRequestInfo>) -> Self {
        DeviceRequest {
            version: VERSION_1_1.to_owned(),
            doc_requests,
            device_request_info: info.map(Tagged::new),
            reader_auth_all: None,
            rest: MapRest::default(),
        }
    }

    /// True for a version 1.1 (or later) request, whose second-edition fields are read.
    pub fn is_second_edition(&self) -> bool {
        is_second_edition(&self.version)
    }

    /// The DocRequestInfo of DocRequest `index`: its ItemsRequest's second-edition requestInfo
    /// fields, or the empty info for a 1.0 request (whose requestInfo is not interpreted) and
    /// for an index out of range.
    pub fn doc_request_info(&self, index: usize) -> Result<DocRequestInfo, CborError> {
        match self.doc_requests.get(index) {
            Some(doc) if self.is_second_edition() => doc.items_request.value().doc_request_info(),
            _ => Ok(DocRequestInfo::default()),
        }
    }

    /// Checks the caps a parsed request already meets ([`MAX_DOC_REQUESTS`],
    /// [`MAX_REQUEST_NAMESPACES`], [`MAX_REQUESTED_ELEMENTS`]), for requests built in memory
    /// (for example from an OpenID4VP DCQL query).
    pub fn check_limits(&self) -> Result<(), CborError> {
        if self.doc_requests.len() > MAX_DOC_REQUESTS {
            return Err(TOO_MANY_DOC_REQUESTS);
        }
        self.doc_requests
            .iter()
            .try_for_each(|doc| doc.items_request.value().check_limits())?;
        self.check_second_edition()
    }

    /// Checks the second-edition fields of a 1.1 request: readerAuthAll's count, document set
    /// indexes within docRequests, and each DocRequestInfo well-formed within its caps.
    fn check_second_edition(&self) -> Result<(), CborError> {
        if !self.is_second_edition() {
            return Ok(());
        }
        if let Some(all) = &self.reader_auth_all
            && (all.is_empty() || all.len() > MAX_READER_AUTH_ALL)
        {
            return Err(BAD_READER_AUTH_ALL);
        }
        if let Some(info) = &self.device_request_info {
            info.value()
                .check_doc_request_ids(self.doc_requests.len())?;
        }
        self.doc_requests
            .iter()
            .try_for_each(|doc| doc.items_request.value().doc_request_info().map(|_| ()))
    }
}

/// True for a version of major 1 and minor 1 or more.
pub(crate) fn is_second_edition(version: &str) -> bool {
    version
        .split_once('.')
        .and_then(|(_, minor)| minor.parse::<u32>().ok())
        .is_some_and(|minor| minor >= 1)
}

impl ItemsRequest {
    /// A request for `doc_type` with the given namespaces.
    pub fn new(
        doc_type: impl Into<String>,
        name_spaces: Vec<(String, Vec<(String, bool)>)>,
    ) -> Self {
        ItemsRequest {
            doc_type: doc_type.into(),
            name_spaces,
            request_info: None,
            rest: MapRest::default(),
        }
    }

    /// Checks [`MAX_REQUEST_NAMESPACES`] and [`MAX_REQUESTED_ELEMENTS`].
    pub fn check_limits(&self) -> Result<(), CborError> {
        if self.name_spaces.len() > MAX_REQUEST_NAMESPACES {
            return Err(TOO_MANY_NAMESPACES);
        }
        if self.elements().count() > MAX_REQUESTED_ELEMENTS {
            return Err(TOO_MANY_ELEMENTS);
        }
        Ok(())
    }

    /// The second-edition DocRequestInfo fields of this ItemsRequest's requestInfo (empty when
    /// there is no requestInfo). Other requestInfo keys are left alone.
    pub fn doc_request_info(&self) -> Result<DocRequestInfo, CborError> {
        self.request_info.as_deref().map_or(
            Ok(DocRequestInfo::default()),
            DocRequestInfo::from_request_info,
        )
    }

    /// Sets the second-edition DocRequestInfo fields in requestInfo, replacing any set before
    /// and keeping every other requestInfo key.
    pub fn set_doc_request_info(&mut self, info: &DocRequestInfo) {
        let mut entries: Vec<(String, Value)> = self
            .request_info
            .take()
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| !DOC_REQUEST_INFO_KEYS.contains(&k.as_str()))
            .collect();
        entries.extend(info.to_request_info());
        self.request_info = (!entries.is_empty()).then_some(entries);
    }

    /// Every requested element as (namespace, identifier, intent to retain).
    pub fn elements(&self) -> impl Iterator<Item = (&str, &str, bool)> {
        self.name_spaces.iter().flat_map(|(ns, elements)| {
            elements
                .iter()
                .map(move |(id, retain)| (ns.as_str(), id.as_str(), *retain))
        })
    }
}

impl FromCbor for DeviceRequest {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "DeviceRequest")?;
        let version: String = f.required("version")?;
        check_version(&version, "DeviceRequest version")?;
        let doc_requests_value = f.value("docRequests").ok_or(CborError::MissingField {
            context: "DeviceRequest",
            field: "docRequests",
        })?;
        // Counted before any DocRequest is mapped, so an oversized request costs no more work.
        if let Value::Array(items) = doc_requests_value
            && items.len() > MAX_DOC_REQUESTS
        {
            return Err(TOO_MANY_DOC_REQUESTS);
        }
        let doc_requests: Vec<DocRequest> = FromCbor::from_cbor(doc_requests_value)?;
        let (device_request_info, reader_auth_all) = if is_second_edition(&version) {
            // Counted before any signature is copied.
            let reader_auth_all = match f.value("readerAuthAll") {
                None => None,
                Some(value) => {
                    let all = value.as_array().ok_or(CborError::TypeMismatch {
                        context: "DeviceRequest readerAuthAll",
                        expected: "array",
                    })?;
                    if all.is_empty() || all.len() > MAX_READER_AUTH_ALL {
                        return Err(BAD_READER_AUTH_ALL);
                    }
                    Some(all.to_vec())
                }
            };
            (f.optional("deviceRequestInfo")?, reader_auth_all)
        } else {
            (None, None)
        };
        let request = DeviceRequest {
            version,
            doc_requests,
            device_request_info,
            reader_auth_all,
            rest: f.finish(),
        };
        request.check_second_edition()?;
        Ok(request)
    }
}

impl ToCbor for DeviceRequest {
    fn to_cbor(&self) -> Value {
        let mut known = vec![
            (Value::text("version"), Value::text(self.version.clone())),
            (Value::text("docRequests"), self.doc_requests.to_cbor()),
        ];
        if let Some(info) = &self.device_request_info {
            known.push((Value::text("deviceRequestInfo"), info.to_cbor()));
        }
        if let Some(all) = &self.reader_auth_all {
            known.push((Value::text("readerAuthAll"), Value::Array(all.clone())));
        }
        self.rest.build(known)
    }
}

impl FromCbor for DocRequest {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "DocRequest")?;
        Ok(DocRequest {
            items_request: f.required("itemsRequest")?,
            reader_auth: f.optional("readerAuth")?,
            rest: f.finish(),
        })
    }
}

impl ToCbor for DocRequest {
    fn to_cbor(&self) -> Value {
        let mut known = vec![(Value::text("itemsRequest"), self.items_request.to_cbor())];
        if let Some(auth) = &self.reader_auth {
            known.push((Value::text("readerAuth"), auth.clone()));
        }
        self.rest.build(known)
    }
}

impl FromCbor for ItemsRequest {
    fn from_cbor(value: &Value) -> Result<Self, CborError> {
        let mut f = FieldMap::new(value, "ItemsRequest")?;
        let doc_type = f.required("docType")?;
        let name_spaces_value = f.value("nameSpaces").ok_or(CborError::MissingField {
            context: "ItemsRequest",
            field: "nameSpaces",
        })?;
        if let Value::Map(entries) = name_spaces_value
            && entries.len() > MAX_REQUEST_NAMESPACES
        {
            return Err(TOO_MANY_NAMESPACES);
        }
        let raw: Vec<(String, Value)> = text_map(name_spaces_value, "ItemsRequest nameSpaces")?;
        let mut element_count = 0usize;
        let name_spaces = raw
            .iter()
            .map(|(ns, elements)| {
                if let Value::Map(entries) = elements {
                    element_count = element_count.saturating_add(entries.len());
                    if element_count > MAX_REQUESTED_ELEMENTS {
                        return Err(TOO_MANY_ELEMENTS);
                    }
                }
                Ok((ns.clone(), text_map(elements, "ItemsRequest DataElements")?))
            })
            .collect::<Result<_, CborError>>()?;
        let request_info = f
            .value("requestInfo")
            .map(|v| text_map(v, "ItemsRequest requestInfo"))
            .transpose()?;
        Ok(ItemsRequest {
            doc_type,
            name_spaces,
            request_info,
            rest: f.finish(),
        })
    }
}

impl ToCbor for ItemsRequest {
    fn to_cbor(&self) -> Value {
        let name_spaces: Vec<(String, Value)> = self
            .name_spaces
            .iter()
            .map(|(ns, elements)| (ns.clone(), text_map_value(elements)))
            .collect();
        let mut known = vec![
            (Value::text("docType"), Value::text(self.doc_type.clone())),
            (Value::text("nameSpaces"), text_map_value(&name_spaces)),
        ];
        if let Some(info) = &self.request_info {
            known.push((Value::text("requestInfo"), text_map_value(info)));
        }
        self.rest.build(known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cbor;

    fn items(namespaces: usize, per_namespace: usize) -> ItemsRequest {
        ItemsRequest::new(
            "org.example.doc",
            (0..namespaces)
                .map(|n| {
                    let ids = (0..per_namespace)
                        .map(|i| (format!("e{i}"), false))
                        .collect();
                    (format!("ns{n}"), ids)
                })
                .collect(),
        )
    }

    fn round_trip(request: &DeviceRequest) -> Result<DeviceRequest, CborError> {
        cbor::from_slice(&cbor::to_vec(&request.to_cbor()))
    }

    fn request_of(items: ItemsRequest, copies: usize) -> DeviceRequest {
        let doc = DocRequest {
            items_request: Tagged::new(items),
            reader_auth: None,
            rest: MapRest::default(),
        };
        DeviceRequest::new(vec![doc; copies])
    }

    #[test]
    fn caps_hold_at_parse_time_and_in_memory() {
        let at_caps = request_of(items(2, MAX_REQUESTED_ELEMENTS / 2), MAX_DOC_REQUESTS);
        assert_eq!(at_caps.check_limits(), Ok(()));
        assert_eq!(round_trip(&at_caps).map(|r| r.doc_requests.len()), Ok(16));
        for (over, error) in [
            (
                request_of(items(1, 1), MAX_DOC_REQUESTS + 1),
                TOO_MANY_DOC_REQUESTS,
            ),
            (
                request_of(items(3, MAX_REQUESTED_ELEMENTS / 2), 1),
                TOO_MANY_ELEMENTS,
            ),
            (
                request_of(items(MAX_REQUEST_NAMESPACES + 1, 0), 1),
                TOO_MANY_NAMESPACES,
            ),
        ] {
            assert_eq!(over.check_limits(), Err(error.clone()));
            // Parsed from bytes, the decoder's budget (decoded size relative to the input) may
            // refuse a request of many tiny identifiers before the cap is counted.
            let parsed = round_trip(&over).err();
            assert!(
                parsed == Some(error) || parsed == Some(CborError::DecodedTooLarge),
                "{parsed:?}"
            );
        }
    }

    #[test]
    fn malformed_doc_requests_are_typed_errors() {
        let not_array = Value::Map(vec![
            (Value::text("version"), Value::text("1.0")),
            (Value::text("docRequests"), Value::text("x")),
        ]);
        assert!(DeviceRequest::from_cbor(&not_array).is_err());
        let missing = Value::Map(vec![(Value::text("version"), Value::text("1.0"))]);
        assert!(matches!(
            DeviceRequest::from_cbor(&missing),
            Err(CborError::MissingField {
                field: "docRequests",
                ..
            })
        ));
    }

    fn text_map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Value::text(k), v))
                .collect(),
        )
    }

    fn element(ns: &str, id: &str) -> Value {
        Value::Array(vec![Value::text(ns), Value::text(id)])
    }

    /// A 1.1 request of two DocRequests, the first with `request_info`, plus `extra` top-level
    /// entries.
    fn second_edition(request_info: Option<Value>, extra: Vec<(&str, Value)>) -> Value {
        let mut items = vec![
            ("docType", Value::text("org.example.doc")),
            (
                "nameSpaces",
                text_map(vec![("ns", text_map(vec![("a", Value::Bool(false))]))]),
            ),
        ];
        if let Some(info) = request_info {
            items.push(("requestInfo", info));
        }
        let doc = |items: Value| {
            text_map(vec![(
                "itemsRequest",
                Value::Embedded(crate::cbor::Embedded::of(&items)),
            )])
        };
        let mut entries = vec![
            ("version", Value::text("1.1")),
            (
                "docRequests",
                Value::Array(vec![
                    doc(text_map(items.clone())),
                    doc(text_map(items[..2].to_vec())),
                ]),
            ),
        ];
        entries.extend(extra);
        text_map(entries)
    }

    fn parse(value: &Value) -> Result<DeviceRequest, CborError> {
        cbor::from_slice(&cbor::encode(value))
    }

    fn info_bytes(info: Value) -> Value {
        Value::Embedded(crate::cbor::Embedded::of(&info))
    }

    #[test]
    fn second_edition_request_round_trips_byte_for_byte() {
        let info = DocRequestInfo {
            alternative_data_elements: vec![super::super::AlternativeDataElementSet {
                requested_element: super::super::ElementReference::new("ns", "a"),
                alternative_element_sets: vec![vec![super::super::ElementReference::new(
                    "ns", "b",
                )]],
                rest: MapRest::default(),
            }],
            issuer_identifiers: vec![vec![1; 20]],
            unique_doc_set_required: Some(true),
            maximum_response_size: Some(4096),
        };
        let mut items = items(1, 2);
        items.request_info = Some(vec![("purpose".to_owned(), Value::text("age"))]);
        items.set_doc_request_info(&info);
        let doc = DocRequest {
            items_request: Tagged::new(items),
            reader_auth: None,
            rest: MapRest::default(),
        };
        let mut use_case = super::super::UseCase::new(true, vec![vec![0], vec![0, 1]]);
        use_case.purpose_hints = vec![("org.example".to_owned(), 3)];
        let mut request = DeviceRequest::second_edition(
            vec![doc.clone(), doc],
            Some(DeviceRequestInfo {
                use_cases: vec![use_case],
                rest: MapRest::default(),
            }),
        );
        request.reader_auth_all = Some(vec![Value::Array(vec![])]);
        assert_eq!(request.check_limits(), Ok(()));
        let bytes = cbor::to_vec(&request);
        let parsed: DeviceRequest = cbor::from_slice(&bytes).unwrap();
        assert_eq!(parsed, request);
        assert_eq!(cbor::to_vec(&parsed), bytes);
        assert_eq!(parsed.doc_request_info(0), Ok(info));
        // The other requestInfo key survives next to the second-edition ones.
        let kept = parsed.doc_requests[0].items_request.request_info.clone();
        assert!(kept.unwrap().iter().any(|(k, _)| k == "purpose"));
        // A 1.0 request's requestInfo is not interpreted.
        let mut first = parsed.clone();
        first.version = VERSION_1_0.to_owned();
        assert_eq!(first.doc_request_info(0), Ok(DocRequestInfo::default()));
    }

    #[test]
    fn every_second_edition_field_refuses_bad_input() {
        let use_case = |mandatory: Value, sets: Value| {
            info_bytes(text_map(vec![(
                "useCases",
                Value::Array(vec![text_map(vec![
                    ("mandatory", mandatory),
                    ("documentSets", sets),
                ])]),
            )]))
        };
        let sets = |ids: Vec<u64>| {
            Value::Array(vec![Value::Array(
                ids.into_iter().map(Value::Unsigned).collect(),
            )])
        };
        let many = |n: usize, v: Value| Value::Array(vec![v; n]);
        let bad_top: Vec<(&str, Value)> = vec![
            ("deviceRequestInfo", text_map(vec![])), // not tag 24
            ("deviceRequestInfo", info_bytes(Value::Array(vec![]))),
            (
                "deviceRequestInfo",
                info_bytes(text_map(vec![("useCases", Value::Array(vec![]))])),
            ),
            (
                "deviceRequestInfo",
                info_bytes(text_map(vec![("useCases", many(17, Value::Null))])),
            ),
            (
                "deviceRequestInfo",
                use_case(Value::text("yes"), sets(vec![0])),
            ),
            (
                "deviceRequestInfo",
                use_case(Value::Bool(true), Value::Array(vec![])),
            ),
            (
                "deviceRequestInfo",
                use_case(Value::Bool(true), sets(vec![])),
            ),
            (
                "deviceRequestInfo",
                use_case(Value::Bool(true), sets(vec![2])),
            ), // out of range
            (
                "deviceRequestInfo",
                use_case(
                    Value::Bool(true),
                    many(17, Value::Array(vec![Value::Unsigned(0)])),
                ),
            ),
            (
                "deviceRequestInfo",
                use_case(
                    Value::Bool(true),
                    Value::Array(vec![many(17, Value::Unsigned(0))]),
                ),
            ),
            (
                "deviceRequestInfo",
                info_bytes(text_map(vec![(
                    "useCases",
                    Value::Array(vec![text_map(vec![
                        ("mandatory", Value::Bool(true)),
                        ("documentSets", sets(vec![0])),
                        ("purposeHints", text_map(vec![("x", Value::text("1"))])),
                    ])]),
                )])),
            ),
            ("readerAuthAll", Value::Array(vec![])),
            ("readerAuthAll", many(MAX_READER_AUTH_ALL + 1, Value::Null)),
            ("readerAuthAll", Value::Null),
        ];
        for (key, value) in bad_top {
            let request = second_edition(None, vec![(key, value.clone())]);
            assert!(parse(&request).is_err(), "{key}: {value:?}");
        }
        let alt = |requested: Value, sets: Value| {
            text_map(vec![(
                "alternativeDataElements",
                Value::Array(vec![text_map(vec![
                    ("requestedElement", requested),
                    ("alternativeElementSets", sets),
                ])]),
            )])
        };
        let one_set = Value::Array(vec![Value::Array(vec![element("ns", "b")])]);
        let bad_info: Vec<Value> = vec![
            alt(Value::text("ns/a"), one_set.clone()),
            alt(Value::Array(vec![Value::text("ns")]), one_set.clone()),
            alt(element("ns", "a"), Value::Array(vec![])),
            alt(element("ns", "a"), Value::Array(vec![Value::Array(vec![])])),
            alt(
                element("ns", "a"),
                many(9, Value::Array(vec![element("ns", "b")])),
            ),
            alt(
                element("ns", "a"),
                Value::Array(vec![many(9, element("ns", "b"))]),
            ),
            text_map(vec![("alternativeDataElements", many(65, Value::Null))]),
            text_map(vec![(
                "issuerIdentifiers",
                Value::Array(vec![Value::text("x")]),
            )]),
            text_map(vec![(
                "issuerIdentifiers",
                Value::Array(vec![Value::Bytes(vec![])]),
            )]),
            text_map(vec![(
                "issuerIdentifiers",
                Value::Array(vec![Value::Bytes(vec![0; 65])]),
            )]),
            text_map(vec![("issuerIdentifiers", many(17, Value::Bytes(vec![1])))]),
            text_map(vec![("uniqueDocSetRequired", Value::Unsigned(1))]),
            text_map(vec![("maximumResponseSize", Value::int(-1))]),
            text_map(vec![("maximumResponseSize", Value::text("1k"))]),
        ];
        for info in bad_info {
            let request = second_edition(Some(info.clone()), vec![]);
            assert!(parse(&request).is_err(), "{info:?}");
            // The same requestInfo in a 1.0 request is not interpreted, so not refused.
            let mut first = request.clone();
            if let Value::Map(entries) = &mut first {
                entries[0].1 = Value::text("1.0");
            }
            assert!(parse(&first).is_ok(), "{info:?}");
        }
        // Well-formed, with unknown keys at each level kept.
        let good = second_edition(
            Some(text_map(vec![
                ("maximumResponseSize", Value::Unsigned(1)),
                ("futureKey", Value::Null),
            ])),
            vec![
                (
                    "deviceRequestInfo",
                    info_bytes(text_map(vec![("futureInfo", Value::Unsigned(7))])),
                ),
                ("futureTop", Value::Bool(true)),
            ],
        );
        let parsed = parse(&good).unwrap();
        assert_eq!(cbor::to_vec(&parsed), cbor::encode(&good));
        assert_eq!(
            parsed
                .device_request_info
                .unwrap()
                .value()
                .rest
                .unknown
                .len(),
            1
        );
    }
}
