//! `qr`: the engagement QR code in the terminal, as PNG and SVG, and read back from a PNG.

use std::io::Cursor;

use mdoc::definitions::DeviceEngagement;
use qrcode::render::{svg, unicode};
use qrcode::{Color, QrCode};

/// Pixels per QR module in the PNG.
const SCALE: usize = 8;
/// Quiet zone around the code, in modules (ISO/IEC 18004 asks for four).
const QUIET: usize = 4;
/// Largest image `decode` accepts, in pixels (bounds what the QR detector allocates).
const MAX_PIXELS: u64 = 16 * 1024 * 1024;

/// The `mdoc:` URI of DeviceEngagement bytes, checked by the core parser.
pub fn uri_of_engagement(bytes: &[u8]) -> Result<String, String> {
    let engagement =
        DeviceEngagement::parse(bytes).map_err(|e| format!("not a DeviceEngagement: {e}"))?;
    Ok(DeviceEngagement::qr_uri(&engagement))
}

/// Checks that `uri` is an `mdoc:` URI holding a DeviceEngagement the core accepts.
pub fn check_uri(uri: &str) -> Result<(), String> {
    DeviceEngagement::from_qr_uri(uri)
        .map(|_| ())
        .map_err(|e| format!("not an mdoc: engagement URI: {e}"))
}

fn code(uri: &str) -> Result<QrCode, String> {
    QrCode::new(uri.as_bytes()).map_err(|e| format!("cannot make a QR code: {e}"))
}

/// The code drawn with Unicode half blocks for a terminal.
pub fn terminal(uri: &str) -> Result<String, String> {
    Ok(code(uri)?
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .build())
}

/// The code as an SVG document.
pub fn svg(uri: &str) -> Result<String, String> {
    Ok(code(uri)?
        .render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .build())
}

/// The code as an 8-bit greyscale PNG.
pub fn png(uri: &str) -> Result<Vec<u8>, String> {
    let code = code(uri)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
            for y in my * SCALE..(my + 1) * SCALE {
                if let Some(row) =
                    pixels.get_mut(y * side + mx * SCALE..y * side + (mx + 1) * SCALE)
                {
                    row.fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(side).map_err(|_| "QR code too large".to_owned())?;
    let mut encoder = ::png::Encoder::new(&mut out, side, side);
    encoder.set_color(::png::ColorType::Grayscale);
    encoder.set_depth(::png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// Reads the QR code in a PNG image and returns its text.
pub fn decode(image: &[u8]) -> Result<String, String> {
    let mut decoder = ::png::Decoder::new_with_limits(
        Cursor::new(image),
        ::png::Limits {
            bytes: 4 * MAX_PIXELS as usize,
        },
    );
    decoder.set_transformations(::png::Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("not a PNG image: {e}"))?;
    let info = reader.info();
    let (width, height) = (info.width as usize, info.height as usize);
    if u64::from(info.width) * u64::from(info.height) > MAX_PIXELS {
        return Err(format!("the image is larger than {MAX_PIXELS} pixels"));
    }
    let size = reader
        .output_buffer_size()
        .ok_or("the image is too large to decode")?;
    let mut buf = vec![0u8; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("cannot decode the PNG: {e}"))?;
    let channels = frame.color_type.samples();
    let line = frame.line_size;
    let luma = |x: usize, y: usize| -> u8 {
        let at = y * line + x * channels;
        match buf.get(at..at + channels) {
            Some([l]) | Some([l, _]) => *l,
            Some([r, g, b, ..]) => ((u16::from(*r) + u16::from(*g) + u16::from(*b)) / 3) as u8,
            _ => 255,
        }
    };
    // The QR detector is a third-party crate reading an untrusted image: should it panic, the
    // command still ends with an error message rather than a crash.
    let detect = || -> Result<String, String> {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, luma);
        let grids = prepared.detect_grids();
        let grid = grids.first().ok_or("no QR code found in the image")?;
        let (_, text) = grid
            .decode()
            .map_err(|e| format!("the QR code cannot be read: {e}"))?;
        Ok(text)
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(detect))
        .unwrap_or_else(|_| Err("the QR decoder failed on this image".to_owned()))
}
