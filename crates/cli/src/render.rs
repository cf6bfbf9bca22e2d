//! Text rendering of an annotated tree: one line per item, its byte offset first, diagnostic
//! notation in the middle and notes as `/ comments /` at the end.

use serde_json::Value as Json;

/// Renders `tree` (built by [`crate::inspect`]) as indented diagnostic notation.
pub fn tree(tree: &Json) -> String {
    let mut out = String::new();
    node(tree, 0, "", &mut out);
    out
}

fn notes(json: &Json) -> String {
    match json.get("notes").and_then(Json::as_array) {
        Some(list) if !list.is_empty() => {
            let text: Vec<&str> = list.iter().filter_map(Json::as_str).collect();
            format!("  / {} /", text.join("; "))
        }
        _ => String::new(),
    }
}

fn line(json: &Json, depth: usize, prefix: &str, body: &str, out: &mut String) {
    let offset = json
        .get("offset")
        .and_then(Json::as_u64)
        .unwrap_or_default();
    out.push_str(&format!(
        "{offset:>7}  {}{prefix}{body}{}\n",
        "  ".repeat(depth),
        notes(json)
    ));
}

fn close(depth: usize, text: &str, out: &mut String) {
    out.push_str(&format!("{:>7}  {}{text}\n", "", "  ".repeat(depth)));
}

fn leaf(json: &Json) -> Option<String> {
    json.get("value").and_then(Json::as_str).map(str::to_owned)
}

fn node(json: &Json, depth: usize, prefix: &str, out: &mut String) {
    let kind = json.get("type").and_then(Json::as_str).unwrap_or_default();
    match kind {
        "array" => {
            let items = json
                .get("items")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default();
            line(json, depth, prefix, "[", out);
            for item in &items {
                node(item, depth + 1, "", out);
            }
            close(depth, "]", out);
        }
        "map" => {
            let entries = json
                .get("entries")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default();
            line(json, depth, prefix, "{", out);
            for entry in &entries {
                let key = entry
                    .get("key")
                    .and_then(leaf)
                    .unwrap_or_else(|| "(key)".to_owned());
                if let Some(value) = entry.get("value") {
                    node(value, depth + 1, &format!("{key}: "), out);
                }
            }
            close(depth, "}", out);
        }
        "tag" | "embedded" => {
            let tag = json.get("tag").and_then(Json::as_u64).unwrap_or_default();
            let open = if kind == "embedded" {
                format!("{tag}(<<")
            } else {
                format!("{tag}(")
            };
            line(json, depth, prefix, &open, out);
            if let Some(content) = json.get("content") {
                node(content, depth + 1, "", out);
            }
            close(depth, if kind == "embedded" { ">>)" } else { ")" }, out);
        }
        "bytes" if json.get("content").is_some() => {
            line(json, depth, prefix, "<<", out);
            if let Some(content) = json.get("content") {
                node(content, depth + 1, "", out);
            }
            close(depth, ">>", out);
        }
        "certificate" => line(json, depth, prefix, "certificate", out),
        _ => line(json, depth, prefix, &leaf(json).unwrap_or_default(), out),
    }
}
