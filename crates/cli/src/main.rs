//! `citizen-wallet`: a command-line tool for people who debug mdocs (ISO/IEC 18013-5).
//!
//! Presentation only: parsing, verification and issuing come from the core crates.
#![forbid(unsafe_code)]

mod authority;
mod diag;
mod input;
mod inspect;
mod qr;
mod render;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Inspect, verify and make ISO/IEC 18013-5 mdoc messages.
#[derive(Parser)]
#[command(name = "citizen-wallet", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Recognise an mdoc message and print it as an annotated tree.
    ///
    /// Recognises DeviceEngagement (binary or an `mdoc:` QR URI), SessionEstablishment,
    /// SessionData, DeviceRequest, DeviceResponse, IssuerSigned, MSO, COSE_Sign1/Mac0,
    /// SessionTranscript, certificates and x5chains (DER or PEM) and OpenID4VP vp_tokens, given
    /// as binary, hex or base64url. Tag-24 contents are expanded, elements named from the
    /// doc-type registry, certificates summarised and item digests recomputed.
    #[command(after_help = "Example:\n  citizen-wallet inspect response.cbor\n  \
                            cat response.cbor | citizen-wallet inspect --json -")]
    Inspect {
        /// The file to inspect, or `-` for standard input.
        file: PathBuf,
        /// Print JSON for scripts instead of the annotated tree.
        #[arg(long)]
        json: bool,
    },
    /// Verify a DeviceResponse and print every check, its outcome and the verified elements.
    ///
    /// Exits 0 only when the response is verified. Without --request, authenticity is verified
    /// and the report says that completeness against a request was not checked.
    #[command(
        after_help = "Example:\n  citizen-wallet verify --response response.cbor \
                            --transcript transcript.cbor --iaca iaca.pem \
                            --request request.cbor --at 2026-11-24T12:00:00Z"
    )]
    Verify {
        /// The DeviceResponse (CBOR).
        #[arg(long)]
        response: PathBuf,
        /// The SessionTranscript (SessionTranscriptBytes or the bare array).
        #[arg(long)]
        transcript: PathBuf,
        /// Trusted IACA certificates (PEM); repeat for several.
        #[arg(long, required = true, num_args = 1..)]
        iaca: Vec<PathBuf>,
        /// The DeviceRequest the response answers, to check completeness.
        #[arg(long)]
        request: Option<PathBuf>,
        /// The time to check validity at (RFC 3339); the system clock by default.
        #[arg(long)]
        at: Option<String>,
        /// The reader's ephemeral private key (PKCS#8 or SEC1 PEM, or 64 hex digits), needed to
        /// check a deviceMac.
        #[arg(long)]
        e_reader_key: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Render the engagement QR code in the terminal, and to PNG or SVG; or read one back.
    #[command(
        after_help = "Example:\n  citizen-wallet qr --engagement session/engagement.cbor --png qr.png\n  \
                            citizen-wallet qr --decode qr.png"
    )]
    Qr {
        /// The `mdoc:` URI to render.
        #[arg(conflicts_with_all = ["engagement", "decode"])]
        uri: Option<String>,
        /// DeviceEngagement bytes (CBOR) to render as their `mdoc:` URI.
        #[arg(long, conflicts_with = "decode")]
        engagement: Option<PathBuf>,
        /// Also write the code as a PNG image.
        #[arg(long)]
        png: Option<PathBuf>,
        /// Also write the code as an SVG image.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Read the QR code in this PNG image and print its text (and check the engagement).
        #[arg(long)]
        decode: Option<PathBuf>,
    },
    /// Test authority: make an IACA/DS and reader certificates and a test wallet holding a
    /// sample UK digital ID (test material only: keys in plain files, a fixed wallet passphrase).
    #[command(after_help = "Example:\n  citizen-wallet issue --dir authority \
                            --at 2026-11-24T12:00:00Z")]
    Issue {
        /// The directory to write (iaca.pem, reader-root.pem, reader.pem, reader-key.pem,
        /// credential.cbor, wallet/).
        #[arg(long)]
        dir: PathBuf,
        /// The issuing time (RFC 3339); the system clock by default.
        #[arg(long)]
        at: Option<String>,
    },
    /// Present from the test wallet that `issue` made, approving everything requested it holds.
    ///
    /// With --request and --transcript it answers that DeviceRequest (writing response.cbor).
    /// Without them it runs a proximity session in-process, the reader side too, for --purpose,
    /// and writes every message: qr.txt, engagement.cbor, session-establishment.cbor,
    /// session-data.cbor, request.cbor, transcript.cbor and response.cbor.
    #[command(
        after_help = "Example:\n  citizen-wallet present --dir authority --out session \
                            --at 2026-11-24T12:00:00Z"
    )]
    Present {
        /// The directory `issue` wrote.
        #[arg(long)]
        dir: PathBuf,
        /// The directory to write the messages to.
        #[arg(long)]
        out: PathBuf,
        /// A DeviceRequest (CBOR) to answer.
        #[arg(long, requires = "transcript")]
        request: Option<PathBuf>,
        /// The SessionTranscript the request was made in.
        #[arg(long, requires = "request")]
        transcript: Option<PathBuf>,
        /// The purpose profile the in-process reader asks for.
        #[arg(long, default_value = "right_to_work")]
        purpose: String,
        /// The presentation time (RFC 3339); the system clock by default.
        #[arg(long)]
        at: Option<String>,
    },
}

/// A command's failure: the message and the exit code.
struct Failure(String, u8);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(Failure(message, code)) => {
            eprintln!("citizen-wallet: {message}");
            ExitCode::from(code)
        }
    }
}

/// Exit code for bad input (a file that is not what the command needs).
const BAD_INPUT: u8 = 2;

fn run(command: Command) -> Result<u8, Failure> {
    let bad = |message: String| Failure(message, BAD_INPUT);
    match command {
        Command::Inspect { file, json } => {
            let bytes = input::read(&file).map_err(bad)?;
            let found = inspect::inspect(&bytes).map_err(|e| bad(e.to_string()))?;
            if json {
                let out = serde_json::json!({
                    "type": found.message_type,
                    "carriedAs": found.carried_as,
                    "tree": found.tree,
                });
                println!("{out:#}");
            } else {
                println!("{} ({})", found.message_type, found.carried_as);
                print!("{}", render::tree(&found.tree));
            }
            Ok(0)
        }
        Command::Verify {
            response,
            transcript,
            iaca,
            request,
            at,
            e_reader_key,
            json,
        } => {
            let args = verify::VerifyArgs {
                response,
                transcript,
                iaca,
                request,
                at,
                e_reader_key,
            };
            let verification = verify::run(&args).map_err(bad)?;
            if json {
                println!("{:#}", verify::json(&verification));
            } else {
                print!("{}", verify::render(&verification));
            }
            Ok(if verification.passed() { 0 } else { 1 })
        }
        Command::Qr {
            uri,
            engagement,
            png,
            svg,
            decode,
        } => {
            if let Some(image) = decode {
                let text = qr::decode(&input::read(&image).map_err(bad)?).map_err(bad)?;
                println!("{text}");
                return match qr::check_uri(&text) {
                    Ok(()) => Ok(0),
                    Err(e) => Err(bad(e)),
                };
            }
            let uri = match (uri, engagement) {
                (Some(uri), None) => {
                    qr::check_uri(&uri).map_err(bad)?;
                    uri
                }
                (None, Some(path)) => {
                    qr::uri_of_engagement(&input::read(&path).map_err(bad)?).map_err(bad)?
                }
                _ => {
                    return Err(bad(
                        "give an mdoc: URI, --engagement FILE or --decode IMAGE".to_owned(),
                    ));
                }
            };
            println!("{}", qr::terminal(&uri).map_err(bad)?);
            println!("{uri}");
            if let Some(path) = png {
                input::write(&path, &qr::png(&uri).map_err(bad)?).map_err(bad)?;
            }
            if let Some(path) = svg {
                input::write(&path, qr::svg(&uri).map_err(bad)?.as_bytes()).map_err(bad)?;
            }
            Ok(0)
        }
        Command::Issue { dir, at } => {
            print!("{}", authority::issue(&dir, at.as_deref()).map_err(bad)?);
            Ok(0)
        }
        Command::Present {
            dir,
            out,
            request,
            transcript,
            purpose,
            at,
        } => {
            let args = authority::PresentArgs {
                dir,
                out,
                request,
                transcript,
                purpose,
                at,
            };
            print!("{}", authority::present(&args).map_err(bad)?);
            Ok(0)
        }
    }
}
