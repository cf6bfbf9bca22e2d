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
            info.value().check_doc_request_ids(self.doc_requests.len())?;
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
        self.request_info
            .as_deref()
            .map_or(Ok(DocRequestInfo::default()), DocRequestInfo::from_request_info)
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
}
