//! The server on a real socket: it starts on an ephemeral loopback port, answers the contract's
//! endpoints, survives garbage and oversized bodies (sent with a length or chunked), and stops.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use issuer::TestIssuer;
use issuer_server::client::send;
use issuer_server::{MAX_BODY, STATUS_LIST_CWT, ServerConfig, start};
use mdoc::clock::FixedClock;
use mdoc::online::url::UrlPolicy;
use mdoc::openid4vci::http::HttpRequest;
use mdoc::openid4vci::metadata::CredentialIssuerMetadata;
use mdoc::openid4vci::offer::{OfferSource, parse_offer_uri_with};
use mdoc::time::Timestamp;

fn server() -> issuer_server::RunningServer {
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    let authority = TestIssuer::new("Test", "GB", now).unwrap();
    start(ServerConfig::new(authority, Arc::new(FixedClock(now)))).unwrap()
}

/// Sends raw bytes and returns the raw answer (the server closes or answers once).
fn raw(base: &str, bytes: &[u8]) -> String {
    let address = base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn serves_the_contract_and_stops() {
    let server = server();
    let base = server.base_url().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"));

    let metadata = send(&HttpRequest::get(&CredentialIssuerMetadata::url_for(&base))).unwrap();
    assert_eq!(metadata.status, 200);
    let metadata = CredentialIssuerMetadata::from_json_with(
        &metadata.body,
        &base,
        UrlPolicy::AllowInsecureLoopback,
    )
    .unwrap();
    assert_eq!(metadata.batch_size(), 10);

    let offer = server.offer_for("Amelia").unwrap();
    assert_eq!(offer.tx_code.len(), 6);
    assert!(offer.tx_code.bytes().all(|b| b.is_ascii_digit()));
    let OfferSource::Reference(url) =
        parse_offer_uri_with(&offer.offer_uri, UrlPolicy::AllowInsecureLoopback).unwrap()
    else {
        panic!("by reference");
    };
    assert_eq!(url, offer.credential_offer_uri);
    let fetched = send(&HttpRequest::get(&url)).unwrap();
    assert_eq!(fetched.status, 200);
    assert!(server.offer_for("mallory").is_none());

    let list = send(&HttpRequest::get(&format!("{base}/status/list"))).unwrap();
    assert_eq!(list.header("content-type"), Some(STATUS_LIST_CWT));
    let iaca = send(&HttpRequest::get(&format!("{base}/admin/iaca"))).unwrap();
    assert!(
        String::from_utf8(iaca.body)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    server.stop();
    assert!(send(&HttpRequest::get(&format!("{base}/status/list"))).is_err());
}

#[test]
fn garbage_and_oversized_bodies_are_refused_and_the_server_carries_on() {
    let server = server();
    let base = server.base_url().to_owned();
    let garbage = raw(&base, b"\x00\xff\r\n\r\nnot http at all");
    assert!(!garbage.contains("200 OK"), "{garbage}");
    let too_long = raw(
        &base,
        format!(
            "POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        )
        .as_bytes(),
    );
    assert!(too_long.starts_with("HTTP/1.1 413"), "{too_long}");
    let mut chunked =
        b"POST /token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..(MAX_BODY / chunk.len() + 2) {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(&chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = raw(&base, &chunked);
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    // Still serving.
    let ok = send(&HttpRequest::get(&format!(
        "{base}/.well-known/oauth-authorization-server"
    )))
    .unwrap();
    assert_eq!(ok.status, 200);
}
