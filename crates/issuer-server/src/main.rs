//! `citizen-wallet-issuer-server [--port N] [--citizen amelia|tomasz]`: runs the loopback
//! OpenID4VCI issuer (see the library's endpoint contract) on 127.0.0.1 until killed, and
//! prints its base URL, a UK digital ID offer URI for the sample citizen with its QR code, and
//! the transaction code to type. Further offers: `curl -d amelia BASE/admin/offer`.
#![forbid(unsafe_code)]

use std::io::Write;
use std::sync::Arc;

use issuer::TestIssuer;
use issuer_server::{ServerConfig, start};
use mdoc::clock::{Clock, SystemClock};
use qrcode::QrCode;
use qrcode::render::unicode;

const USAGE: &str = "usage: citizen-wallet-issuer-server [--port N] [--citizen amelia|tomasz]";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = 0u16;
    let mut citizen = "amelia".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--port", Some(n)) => port = n.parse().map_err(|_| USAGE)?,
            ("--citizen", Some(name)) if issuer_server::sample_citizen(&name).is_some() => {
                citizen = name
            }
            _ => return Err(USAGE.into()),
        }
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let authority = TestIssuer::new("UK Digital Identity", "GB", clock.now())?;
    let mut config = ServerConfig::new(authority, clock);
    config.port = port;
    let server = start(config)?;
    let base = server.base_url().to_owned();
    let offer = server
        .offer_for(&citizen)
        .ok_or("cannot make the sample offer")?;
    let qr = QrCode::new(offer.offer_uri.as_bytes())?
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .build();
    let mut out = std::io::stdout().lock();
    writeln!(out, "base_url: {base}")?;
    writeln!(out, "iaca: {base}/admin/iaca (the trust anchor, PEM)")?;
    writeln!(out, "status_list: {base}/status/list")?;
    writeln!(out, "offer_uri: {}", offer.offer_uri)?;
    writeln!(out, "tx_code: {}", offer.tx_code)?;
    writeln!(out, "\nScan to receive {citizen}'s UK digital ID:\n{qr}")?;
    writeln!(out, "More offers: curl -d amelia {base}/admin/offer")?;
    writeln!(
        out,
        "Revoke: curl -d '{{\"index\": N}}' {base}/admin/revoke (N: any copy's status index)"
    )?;
    out.flush()?;
    drop(out);
    server.wait();
    Ok(())
}
