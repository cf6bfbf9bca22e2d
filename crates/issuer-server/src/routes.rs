//! Routing: offers by reference, status lists and admin endpoints here; every other path goes to
//! the sans-IO [`CredentialIssuerService`]. See the crate documentation for the contract.

use std::sync::Arc;

use issuer::openid4vci::CredentialIssuerService;
use issuer::openid4vci::status::{IssuerStatus, StatusAction};
use issuer::status::{StatusIssuerError, StatusSigner};
use mdoc::clock::Clock;
use mdoc::openid4vci::credential::ErrorResponse;
use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
use mdoc::openid4vci::offer::offer_uri_by_reference;
use serde_json::{Value, json};

use crate::offers::Offers;

/// Where the Token Status List is served.
pub(crate) const STATUS_LIST_PATH: &str = "/status/list";
/// Where the identifier list is served.
pub(crate) const IDS_PATH: &str = "/status/ids";
/// Prefix of offers by reference.
const OFFER_PREFIX: &str = "/offer/";
/// Media type of a Token Status List in CWT form (draft-ietf-oauth-status-list §10.2).
pub const STATUS_LIST_CWT: &str = "application/statuslist+cwt";
/// Seconds a served list token is valid (`exp` - `iat`).
const LIST_VALID_FOR: i64 = 86_400;
/// The served lists' `ttl`: how long a relying party may cache them, seconds.
const LIST_TTL: u64 = 300;

/// Everything the routes share.
pub(crate) struct App {
    pub(crate) base_url: String,
    pub(crate) service: CredentialIssuerService,
    pub(crate) status: Arc<IssuerStatus>,
    pub(crate) status_signer: StatusSigner,
    pub(crate) offers: Offers,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) iaca_pem: String,
}

/// What `POST /admin/offer` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminOffer {
    /// `openid-credential-offer://?credential_offer_uri=…`.
    pub offer_uri: String,
    /// Where the offer is fetched (`BASE/offer/{id}`).
    pub credential_offer_uri: String,
    /// The transaction code the citizen types (6 digits).
    pub tx_code: String,
}

/// An `{"error": code}` JSON answer.
pub(crate) fn error(status: u16, code: &str) -> HttpResponse {
    HttpResponse::json(status, ErrorResponse::new(code).to_json())
}

fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![
            ("Content-Type".into(), content_type.into()),
            ("Cache-Control".into(), "no-store".into()),
        ],
        body,
    }
}

/// Answers `request` (`url` is the path with any query).
pub(crate) fn route(app: &App, request: &HttpRequest, loopback_peer: bool) -> HttpResponse {
    let path = request.url.split('?').next().unwrap_or_default();
    let method = request.method.as_str();
    if let Some(id) = path.strip_prefix(OFFER_PREFIX) {
        return match method {
            "GET" => match app.offers.get(id, app.clock.now()) {
                Some(json) => HttpResponse::json(200, json),
                None => error(404, "invalid_request"),
            },
            _ => error(405, "invalid_request"),
        };
    }
    if path.starts_with("/admin/") {
        if !loopback_peer {
            return error(403, "forbidden");
        }
        return admin(app, method, path, &request.body);
    }
    match (method, path) {
        ("GET", STATUS_LIST_PATH) => {
            match app.status.status_list_token(
                &app.status_signer,
                app.clock.now(),
                LIST_VALID_FOR,
                LIST_TTL,
            ) {
                Ok(token) => bytes(200, STATUS_LIST_CWT, token),
                Err(_) => error(500, "server_error"),
            }
        }
        ("GET", IDS_PATH) => match app.status.identifier_list_token(
            &app.status_signer,
            app.clock.now(),
            LIST_VALID_FOR,
            LIST_TTL,
        ) {
            Some(Ok(token)) => bytes(200, "application/cwt", token),
            Some(Err(_)) => error(500, "server_error"),
            None => error(404, "invalid_request"),
        },
        (_, STATUS_LIST_PATH | IDS_PATH) => error(405, "invalid_request"),
        _ => app.service.handle(request),
    }
}

fn admin(app: &App, method: &str, path: &str, body: &[u8]) -> HttpResponse {
    let action = match path {
        "/admin/iaca" if method == "GET" => {
            return bytes(
                200,
                "application/x-pem-file",
                app.iaca_pem.clone().into_bytes(),
            );
        }
        "/admin/offer" if method == "POST" => return admin_offer(app, body),
        "/admin/revoke" => StatusAction::Revoke,
        "/admin/suspend" => StatusAction::Suspend,
        "/admin/reinstate" => StatusAction::Reinstate,
        "/admin/iaca" | "/admin/offer" => return error(405, "invalid_request"),
        _ => return error(404, "invalid_request"),
    };
    if method != "POST" {
        return error(405, "invalid_request");
    }
    let Some(index) = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("index").and_then(Value::as_u64))
    else {
        return error(400, "invalid_request");
    };
    match app.status.apply(index, action) {
        Ok(indices) => {
            let status = match action {
                StatusAction::Revoke => "INVALID",
                StatusAction::Suspend => "SUSPENDED",
                StatusAction::Reinstate => "VALID",
            };
            let body = json!({"indices": indices, "status": status});
            HttpResponse::json(200, body.to_string().into_bytes())
        }
        Err(StatusIssuerError::NotAssigned(_)) => error(404, "unknown_index"),
        Err(StatusIssuerError::RevocationIsFinal) => error(409, "revocation_is_final"),
        Err(StatusIssuerError::CannotSuspend) => error(409, "cannot_suspend"),
        Err(_) => error(500, "server_error"),
    }
}

fn admin_offer(app: &App, body: &[u8]) -> HttpResponse {
    let (name, deferred) = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => (
            fields
                .get("citizen")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            fields
                .get("deferred")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        _ => (String::from_utf8_lossy(body).into_owned(), false),
    };
    match make_offer(app, &name, deferred) {
        Ok(made) => {
            let body = json!({
                "offer_uri": made.offer_uri,
                "credential_offer_uri": made.credential_offer_uri,
                "tx_code": made.tx_code,
            });
            HttpResponse::json(200, body.to_string().into_bytes())
        }
        Err(response) => response,
    }
}

/// A six-digit transaction code, uniform over 000000..=999999.
fn tx_code() -> String {
    loop {
        let r = u32::from_le_bytes(mdoc::rng::random_bytes::<4>());
        // 4,294,000,000 is the largest multiple of 10^6 below 2^32: no modulo bias.
        if r < 4_294_000_000 {
            return format!("{:06}", r % 1_000_000);
        }
    }
}

/// Offers a UK digital ID to sample citizen `name` by reference, under a fresh code.
pub(crate) fn make_offer(
    app: &App,
    name: &str,
    deferred: bool,
) -> Result<AdminOffer, HttpResponse> {
    let person = crate::sample_citizen(name).ok_or_else(|| error(404, "unknown_citizen"))?;
    let now = app.clock.now();
    let doc_type = app
        .service
        .config()
        .doc_types
        .first()
        .cloned()
        .unwrap_or_default();
    let data = match doc_type.as_str() {
        issuer::samples::MDL_DOC_TYPE => issuer::samples::mdl(person, now.date()),
        issuer::samples::EU_PID => issuer::samples::eu_pid(person, now.date()),
        _ => issuer::samples::uk_digital_id(person, now.date()),
    };
    let code = tx_code();
    let made = app
        .service
        .offer(data, Some(&code), deferred)
        .map_err(|_| error(500, "server_error"))?;
    let expires = now.plus_seconds(app.service.config().code_lifetime);
    let id = app.offers.put(made.offer.to_json(), expires, now);
    let credential_offer_uri = format!("{}{OFFER_PREFIX}{id}", app.base_url);
    Ok(AdminOffer {
        offer_uri: offer_uri_by_reference(&credential_offer_uri),
        credential_offer_uri,
        tx_code: code,
    })
}
