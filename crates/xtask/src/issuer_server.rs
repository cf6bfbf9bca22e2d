//! The loopback issuer server (`crates/issuer-server`, binary `citizen-wallet-issuer-server`)
//! the Kotlin and Swift harnesses issue from over real HTTP: built, started on 127.0.0.1 with
//! an ephemeral port before the harnesses run, its base URL handed to them in
//! `CITIZEN_WALLET_ISSUER_URL`, and stopped (killed and reaped) when the guard drops.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::run::{cargo, target_dir};

/// The environment variable the harnesses read the server's base URL from.
pub const URL_VAR: &str = "CITIZEN_WALLET_ISSUER_URL";

/// A running issuer server; stopped on drop.
pub struct IssuerServer {
    child: Child,
    /// The base URL, `http://127.0.0.1:PORT`.
    pub url: String,
}

/// The first `http://127.0.0.1:PORT` in `line`, without a trailing path or punctuation.
fn loopback_url(line: &str) -> Option<String> {
    let start = line.find("http://127.0.0.1:")?;
    let rest = &line[start + "http://127.0.0.1:".len()..];
    let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let port: u16 = port.parse().ok().filter(|p| *p != 0)?;
    Some(format!("http://127.0.0.1:{port}"))
}

impl IssuerServer {
    /// Builds and starts the server on an ephemeral loopback port; waits (at most a minute)
    /// for it to print its URL.
    pub fn start() -> Result<Self, String> {
        cargo(&["build", "-p", "citizen-wallet-issuer-server"])?;
        let binary = target_dir().join("debug/citizen-wallet-issuer-server");
        let mut child = Command::new(&binary)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the issuer server's stdout was not captured".to_owned());
        };
        // Read its output on a thread (echoed, so the log shows what it served), and take the
        // first loopback URL it prints.
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("issuer-server: {line}");
                if !sent && let Some(url) = loopback_url(&line) {
                    sent = sender.send(url).is_ok();
                }
            }
        });
        let mut server = IssuerServer {
            child,
            url: String::new(),
        };
        server.url = receiver
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| "the issuer server printed no http://127.0.0.1:PORT URL".to_owned())?;
        println!("xtask: issuer server listening on {}", server.url);
        Ok(server)
    }
}

impl Drop for IssuerServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::loopback_url;

    #[test]
    fn finds_the_loopback_url() {
        assert_eq!(
            loopback_url("base_url: http://127.0.0.1:41234"),
            Some("http://127.0.0.1:41234".to_owned())
        );
        assert_eq!(
            loopback_url("offer: openid-credential-offer://?credential_offer_uri=http%3A"),
            None
        );
        for other in [
            "http://127.0.0.1:0",
            "http://127.0.0.1:",
            "http://localhost:80",
            "",
        ] {
            assert_eq!(loopback_url(other), None, "{other}");
        }
    }
}
