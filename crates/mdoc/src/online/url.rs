//! Which URLs a wallet may send secrets to: `https://` with a host, or — only behind a test-only
//! switch — `http://` to exactly `127.0.0.1`, `[::1]` or `localhost` (with at most a numeric
//! port), for an issuer or verifier under test on the same machine. One rule for OpenID4VP
//! `response_uri`s and OpenID4VCI offers, metadata and endpoints.

/// Whether plain `http://` to a loopback host is allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UrlPolicy {
    /// Only `https://` (the default, and the only setting for production).
    #[default]
    HttpsOnly,
    /// Test only: also `http://127.0.0.1`, `http://[::1]` and `http://localhost`.
    AllowInsecureLoopback,
}

impl UrlPolicy {
    /// [`UrlPolicy::AllowInsecureLoopback`] when `allow`, else [`UrlPolicy::HttpsOnly`].
    pub fn from_switch(allow: bool) -> Self {
        if allow {
            UrlPolicy::AllowInsecureLoopback
        } else {
            UrlPolicy::HttpsOnly
        }
    }

    /// Whether `url` may be used: no whitespace or control characters, a non-empty authority,
    /// scheme `https` (any case) or, under [`UrlPolicy::AllowInsecureLoopback`], `http` to an
    /// exact loopback host.
    pub fn allows(self, url: &str) -> bool {
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return false;
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return false;
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty() {
            return false;
        }
        scheme.eq_ignore_ascii_case("https")
            || (self == UrlPolicy::AllowInsecureLoopback
                && scheme.eq_ignore_ascii_case("http")
                && is_loopback_authority(authority))
    }
}

/// Whether a URL authority is exactly a loopback host (`127.0.0.1`, `[::1]`, `localhost` in any
/// case) with an optional numeric port: no user info, no look-alike hosts.
pub fn is_loopback_authority(authority: &str) -> bool {
    let (host, port) = match authority.strip_prefix("[::1]") {
        Some(port) => ("[::1]", port),
        None => match authority.find(':') {
            Some(colon) => authority.split_at(colon),
            None => (authority, ""),
        },
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|digits| {
            (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        });
    let host_ok = host == "127.0.0.1" || host == "[::1]" || host.eq_ignore_ascii_case("localhost");
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOPBACK: &[&str] = &[
        "http://127.0.0.1:8080/post",
        "http://[::1]:8080/post",
        "http://localhost/post",
        "http://LOCALHOST:1",
        "http://127.0.0.1",
    ];

    const NEVER: &[&str] = &[
        "http://v.example/post",
        "http://127.0.0.1.evil.example/post",
        "http://127.0.0.1@evil.example/post",
        "http://evil.example@127.0.0.1/post",
        "http://localhost.evil.example/",
        "http://127.0.0.2/post",
        "http://127.0.0.1:port/post",
        "http://127.0.0.1:123456/post",
        "http://[::1]evil/post",
        "http://[::2]/post",
        "http://0.0.0.0/post",
        "ftp://127.0.0.1/post",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://",
        "https:///post",
        "https:v.example/post",
        "v.example/post",
        "",
        "https://v.example/p ost",
        "http://127.0.0.1/\n",
    ];

    #[test]
    fn https_only_by_default() {
        assert_eq!(UrlPolicy::default(), UrlPolicy::HttpsOnly);
        for url in ["https://v.example/post", "HTTPS://v.example:8443/post?x=1"] {
            assert!(UrlPolicy::HttpsOnly.allows(url), "{url}");
            assert!(UrlPolicy::AllowInsecureLoopback.allows(url), "{url}");
        }
        for url in LOOPBACK.iter().chain(NEVER) {
            assert!(!UrlPolicy::HttpsOnly.allows(url), "{url}");
        }
    }

    #[test]
    fn loopback_only_behind_the_switch_and_only_exact_hosts() {
        let policy = UrlPolicy::from_switch(true);
        for url in LOOPBACK {
            assert!(policy.allows(url), "{url}");
        }
        for url in NEVER {
            assert!(!policy.allows(url), "{url}");
        }
        assert_eq!(UrlPolicy::from_switch(false), UrlPolicy::HttpsOnly);
    }
}
