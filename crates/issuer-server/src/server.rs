//! Starting and stopping the server: the issuer service, status lists and offers behind a
//! tiny_http listener on loopback, answered by a small pool of worker threads.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use issuer::TestIssuer;
use issuer::openid4vci::status::IssuerStatus;
use issuer::openid4vci::{CredentialIssuerService, IssuerConfig};
use issuer::status::{IdentifierListIssuer, StatusListIssuer, StatusSigner};
use mdoc::clock::Clock;
use mdoc::openid4vci::http::{HttpRequest, HttpResponse};
use mdoc::status::Bits;

use crate::MAX_BODY;
use crate::offers::Offers;
use crate::routes::{self, App};

/// How long a worker waits for a request before checking whether to stop.
pub const POLL: Duration = Duration::from_millis(100);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The listening socket could not be opened (e.g. the port is taken).
    #[error("cannot listen: {0}")]
    Listen(String),
    /// The issuer's status signer or lists could not be made.
    #[error("issuer setup: {0}")]
    Issuer(String),
}

/// What to serve and how.
pub struct ServerConfig {
    /// The signing authority (its IACA is the trust anchor for credentials and status lists).
    pub authority: TestIssuer,
    /// Time for the issuer (codes, tokens, nonces, proofs' `iat`, MSO validity, list tokens).
    pub clock: Arc<dyn Clock>,
    /// The issuer's display name.
    pub display_name: String,
    /// Doc types offered (the first is what `POST /admin/offer` offers).
    pub doc_types: Vec<String>,
    /// Port on 127.0.0.1; 0 for an ephemeral one.
    pub port: u16,
    /// Worker threads (1 to 16).
    pub workers: usize,
    /// Entries in the status list (2 bits each).
    pub status_capacity: u32,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("doc_types", &self.doc_types)
            .field("port", &self.port)
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// A UK digital ID issuer signing with `authority`, on an ephemeral port, 4 workers, a
    /// status list of 16,384 entries.
    pub fn new(authority: TestIssuer, clock: Arc<dyn Clock>) -> Self {
        ServerConfig {
            authority,
            clock,
            display_name: "UK Digital Identity".into(),
            doc_types: vec![issuer::samples::UK_DIGITAL_ID.into()],
            port: 0,
            workers: 4,
            status_capacity: 16_384,
        }
    }
}

/// A running server. Dropping it (or [`RunningServer::stop`]) stops it.
pub struct RunningServer {
    base_url: String,
    app: Arc<App>,
    listener: Arc<tiny_http::Server>,
    stopping: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// Starts the server on `127.0.0.1:config.port` and returns once it accepts connections.
pub fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let address = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), config.port);
    let listener =
        tiny_http::Server::http(address).map_err(|e| ServerError::Listen(e.to_string()))?;
    let port = listener
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .ok_or_else(|| ServerError::Listen("no IP address".into()))?;
    let base_url = format!("http://127.0.0.1:{port}");
    let status_signer: StatusSigner = config
        .authority
        .new_status_signer()
        .map_err(|e| ServerError::Issuer(e.to_string()))?;
    let status_list = StatusListIssuer::new(
        &format!("{base_url}{}", routes::STATUS_LIST_PATH),
        Bits::Two,
        config.status_capacity,
    )
    .map_err(|e| ServerError::Issuer(e.to_string()))?;
    let identifiers = IdentifierListIssuer::new(&format!("{base_url}{}", routes::IDS_PATH));
    let status = Arc::new(IssuerStatus::new(status_list, Some(identifiers)));
    let doc_types: Vec<&str> = config.doc_types.iter().map(String::as_str).collect();
    let issuer_config = IssuerConfig::new(&base_url, &config.display_name, &doc_types);
    let service = CredentialIssuerService::new(
        issuer_config,
        config.authority.clone(),
        config.clock.clone(),
    )
    .with_status(status.clone());
    let app = Arc::new(App {
        base_url: base_url.clone(),
        service,
        status,
        status_signer,
        offers: Offers::default(),
        clock: config.clock,
        iaca_pem: config.authority.iaca().certificate().to_pem(),
    });
    let listener = Arc::new(listener);
    let stopping = Arc::new(AtomicBool::new(false));
    let workers = (0..config.workers.clamp(1, 16))
        .map(|_| {
            let (listener, app, stopping) = (listener.clone(), app.clone(), stopping.clone());
            std::thread::spawn(move || work(&listener, &app, &stopping))
        })
        .collect();
    Ok(RunningServer {
        base_url,
        app,
        listener,
        stopping,
        workers,
    })
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`: the Credential Issuer Identifier.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The issuer service behind the server (e.g. to complete a deferred issuance).
    pub fn service(&self) -> &CredentialIssuerService {
        &self.app.service
    }

    /// The status lists behind `/status/list` and `/status/ids`.
    pub fn status(&self) -> &IssuerStatus {
        &self.app.status
    }

    /// A UK digital ID offer for sample citizen `name` (as `POST /admin/offer`).
    pub fn offer_for(&self, name: &str) -> Option<routes::AdminOffer> {
        routes::make_offer(&self.app, name, false).ok()
    }

    /// Stops accepting, finishes the requests in hand and joins the workers.
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// Blocks until the server stops (the binary's main loop: it runs until killed).
    pub fn wait(mut self) {
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }

    fn shutdown(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        for _ in &self.workers {
            self.listener.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One worker: takes requests until told to stop.
fn work(listener: &tiny_http::Server, app: &App, stopping: &AtomicBool) {
    while !stopping.load(Ordering::SeqCst) {
        match listener.recv_timeout(POLL) {
            Ok(Some(request)) => answer(app, request),
            Ok(None) => {}
            Err(_) => return,
        }
    }
}

/// Reads one request (bounded), routes it and writes the answer.
fn answer(app: &App, mut request: tiny_http::Request) {
    let loopback_peer = request.remote_addr().is_some_and(|a| a.ip().is_loopback());
    let response = match read(&mut request) {
        Ok(record) => routes::route(app, &record, loopback_peer),
        Err(response) => response,
    };
    let mut out = tiny_http::Response::from_data(response.body)
        .with_status_code(tiny_http::StatusCode(response.status));
    for (name, value) in &response.headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            out.add_header(header);
        }
    }
    // The peer may have gone; nothing to do about it.
    let _ = request.respond(out);
}

/// The request as a record, the body read up to [`MAX_BODY`].
fn read(request: &mut tiny_http::Request) -> Result<HttpRequest, HttpResponse> {
    if request.body_length().is_some_and(|n| n > MAX_BODY) {
        return Err(routes::error(413, "request_too_large"));
    }
    let mut body = Vec::new();
    let limit = u64::try_from(MAX_BODY).unwrap_or(u64::MAX) + 1;
    if request
        .as_reader()
        .take(limit)
        .read_to_end(&mut body)
        .is_err()
    {
        return Err(routes::error(400, "invalid_request"));
    }
    if body.len() > MAX_BODY {
        return Err(routes::error(413, "request_too_large"));
    }
    Ok(HttpRequest {
        method: request.method().as_str().to_owned(),
        url: request.url().to_owned(),
        headers: request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_owned(),
                    h.value.as_str().to_owned(),
                )
            })
            .collect(),
        body,
    })
}
