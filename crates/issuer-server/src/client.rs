//! A minimal HTTP/1.1 client over `std::net` for the examples and tests that play the app: it
//! sends an [`HttpRequest`] record the wallet core built to a **loopback** `http://` URL and
//! returns the [`HttpResponse`]. One request per connection (`Connection: close`), connect /
//! read / write timeouts, the response bounded by [`MAX_RESPONSE`]. Not for the open internet:
//! it refuses any host but `127.0.0.1`, `[::1]` and `localhost`, and speaks no TLS.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use mdoc::online::url::is_loopback_authority;
use mdoc::openid4vci::http::{HttpRequest, HttpResponse};

/// Largest response read: a credential response's bound plus headers.
pub const MAX_RESPONSE: usize = mdoc::openid4vci::MAX_CREDENTIAL_RESPONSE + 64 * 1024;

/// Connect, read and write timeout.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a request could not be exchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Not an `http://` URL on a loopback host.
    #[error("not a loopback http:// URL")]
    NotLoopback,
    /// Connecting, sending or receiving failed (including timeouts).
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The response is larger than [`MAX_RESPONSE`].
    #[error("response too large")]
    TooLarge,
    /// The response is not HTTP/1.x as this client reads it.
    #[error("malformed response: {0}")]
    Malformed(&'static str),
}

/// Sends `request` (its `url` absolute) and returns the response.
pub fn send(request: &HttpRequest) -> Result<HttpResponse, ClientError> {
    let rest = request
        .url
        .strip_prefix("http://")
        .ok_or(ClientError::NotLoopback)?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    if !is_loopback_authority(authority) {
        return Err(ClientError::NotLoopback);
    }
    let target = if authority.contains(':') && !authority.ends_with(']') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let address: SocketAddr = target
        .to_socket_addrs()?
        .find(|a| a.ip().is_loopback())
        .ok_or(ClientError::NotLoopback)?;
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_owned()
    };
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
        request.method,
        request.body.len()
    );
    for (name, value) in &request.headers {
        if name.contains(['\r', '\n', ':']) || value.contains(['\r', '\n']) {
            return Err(ClientError::Malformed("header in the request"));
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&request.body)?;
    stream.flush()?;
    let mut raw = Vec::new();
    let limit = u64::try_from(MAX_RESPONSE).unwrap_or(u64::MAX) + 1;
    stream.take(limit).read_to_end(&mut raw)?;
    if raw.len() > MAX_RESPONSE {
        return Err(ClientError::TooLarge);
    }
    parse(&raw)
}

/// Parses a whole HTTP/1.x response (read until the peer closed).
fn parse(raw: &[u8]) -> Result<HttpResponse, ClientError> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(ClientError::Malformed("no end of headers"))?;
    let (head, rest) = raw.split_at(end);
    let body = rest.get(4..).unwrap_or_default();
    let head = std::str::from_utf8(head).map_err(|_| ClientError::Malformed("headers"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    if !parts.next().is_some_and(|v| v.starts_with("HTTP/1.")) {
        return Err(ClientError::Malformed("status line"));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..600).contains(s))
        .ok_or(ClientError::Malformed("status code"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or(ClientError::Malformed("header line"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let body = if find("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        dechunk(body)?
    } else if let Some(length) = find("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| ClientError::Malformed("content-length"))?;
        body.get(..length)
            .ok_or(ClientError::Malformed("body shorter than content-length"))?
            .to_vec()
    } else {
        body.to_vec()
    };
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// Decodes a chunked body (RFC 9112 §7.1), ignoring extensions and trailers.
fn dechunk(mut input: &[u8]) -> Result<Vec<u8>, ClientError> {
    let mut out = Vec::new();
    loop {
        let line_end = input
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or(ClientError::Malformed("chunked body"))?;
        let (line, rest) = input.split_at(line_end);
        let size = std::str::from_utf8(line)
            .ok()
            .and_then(|l| l.split(';').next())
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .ok_or(ClientError::Malformed("chunk size"))?;
        let rest = rest.get(2..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest
            .get(..size)
            .ok_or(ClientError::Malformed("short chunk"))?;
        out.extend_from_slice(chunk);
        input = rest
            .get(size..)
            .and_then(|r| r.strip_prefix(b"\r\n"))
            .ok_or(ClientError::Malformed("chunk end"))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_parse_and_garbage_is_a_typed_error() {
        let ok = parse(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}junk",
        )
        .unwrap();
        assert_eq!((ok.status, ok.body.as_slice()), (200, &b"{}"[..]));
        assert_eq!(ok.header("content-type"), Some("application/json"));
        let chunked =
            parse(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1;x=y\r\nc\r\n0\r\n\r\n")
                .unwrap();
        assert_eq!(chunked.body, b"abc");
        for garbage in [
            &b""[..],
            b"HTTP/1.1 200 OK\r\n",
            b"SMTP 200 OK\r\n\r\n",
            b"HTTP/1.1 999 What\r\n\r\n",
            b"HTTP/1.1 abc\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nab\r\n0\r\n\r\n",
            b"\xff\xfe\r\n\r\n",
        ] {
            assert!(
                parse(garbage).is_err(),
                "{}",
                String::from_utf8_lossy(garbage)
            );
        }
    }

    #[test]
    fn only_loopback_http_is_sent() {
        for url in [
            "https://127.0.0.1/x",
            "http://example.com/x",
            "http://127.0.0.1.evil.example/x",
            "http://user@127.0.0.1/x",
            "ftp://127.0.0.1/x",
        ] {
            assert!(
                matches!(send(&HttpRequest::get(url)), Err(ClientError::NotLoopback)),
                "{url}"
            );
        }
    }
}
