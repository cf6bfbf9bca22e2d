//! The README's Kotlin and Swift snippets are the harness code itself: each
//! `<!-- snippet: PATH NAME -->` block must equal the lines between `// README: NAME` and
//! `// README: end` in PATH, which the harnesses compile and run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

fn region(source: &str, name: &str) -> String {
    let start = format!("// README: {name}");
    let lines: Vec<&str> = source.lines().collect();
    let from = lines
        .iter()
        .position(|l| l.trim() == start)
        .unwrap_or_else(|| panic!("no region {name}"));
    let to = lines[from..]
        .iter()
        .position(|l| l.trim() == "// README: end")
        .unwrap()
        + from;
    lines[from + 1..to].join("\n")
}

#[test]
fn readme_snippets_match_the_harness_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut checked = 0;
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("<!-- snippet: ") {
        let after = &rest[at + "<!-- snippet: ".len()..];
        let header_end = after.find(" -->").unwrap();
        let (path, name) = after[..header_end].split_once(' ').unwrap();
        let block_start = after.find("```").unwrap();
        let code_start = block_start + after[block_start..].find('\n').unwrap() + 1;
        let code_end = code_start + after[code_start..].find("```").unwrap();
        let snippet = after[code_start..code_end].trim_end_matches('\n');
        let source = std::fs::read_to_string(root.join(path)).unwrap();
        assert_eq!(
            snippet,
            region(&source, name),
            "README snippet {name} differs from {path}"
        );
        checked += 1;
        rest = &after[code_end..];
    }
    assert_eq!(checked, 8);
}
