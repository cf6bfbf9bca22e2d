//! The message tables `build.rs` compiles from the Fluent files, and the small formatter for
//! the subset of Fluent they use (text, variables, select expressions on a variable with a
//! default variant). A message formats exactly as `fluent-bundle` would format it with text
//! arguments and Unicode isolation off (`tests/fluent_equivalence.rs` compares every message);
//! a message that needs an argument it is not given does not format (`None`), as `fluent-bundle`
//! reports an error for it.

use super::Arg;

// The markers; must match build.rs.
const VAR: char = '\u{1}';
const NAME_END: char = '\u{2}';
const SELECT: char = '\u{3}';
const VARIANT: char = '\u{4}';
const DEFAULT: char = '\u{5}';
const SELECT_END: char = '\u{6}';
const KEY_END: char = '\u{7}';

/// One locale's messages: entries `key` KEY_END pattern, sorted by key, back to back.
pub(super) struct Table {
    /// Syntax errors and repeated ids in the source file (the build warns; tests require 0).
    pub(super) errors: usize,
    /// The entries.
    pub(super) text: &'static str,
    /// Where each entry starts, and where the last ends.
    pub(super) offsets: &'static [u32],
}

include!(concat!(env!("OUT_DIR"), "/messages.rs"));

impl Table {
    /// Entry `i` as (key, pattern).
    fn entry(&self, i: usize) -> Option<(&'static str, &'static str)> {
        let start = usize::try_from(*self.offsets.get(i)?).ok()?;
        let end = usize::try_from(*self.offsets.get(i + 1)?).ok()?;
        self.text.get(start..end)?.split_once(KEY_END)
    }

    /// How many entries.
    fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The encoded pattern of `key` (`id` or `id.attribute`).
    pub(super) fn pattern(&self, key: &str) -> Option<&'static str> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            let (at, pattern) = self.entry(middle)?;
            match at.cmp(key) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(pattern),
            }
        }
        None
    }

    /// Every key, sorted.
    pub(super) fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        (0..self.len()).filter_map(|i| self.entry(i).map(|(key, _)| key))
    }
}

/// `pattern` formatted with `args`; `None` when it uses an argument not in `args`.
pub(super) fn format(pattern: &str, args: &[Arg<'_>]) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let rest = sequence(pattern, args, Some(&mut out))?;
    rest.is_empty().then_some(out)
}

fn argument<'a>(args: &[Arg<'a>], name: &str) -> Option<&'a str> {
    args.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, value)| *value)
}

/// Writes (into `out`, when given) the text and placeables up to the end of `rest` or the next
/// variant or select end at this level; returns the rest from there.
fn sequence<'p>(
    mut rest: &'p str,
    args: &[Arg<'_>],
    mut out: Option<&mut String>,
) -> Option<&'p str> {
    loop {
        let at = rest.find(|c| c <= SELECT_END).unwrap_or(rest.len());
        let (text, tail) = rest.split_at(at);
        if let Some(out) = out.as_deref_mut() {
            out.push_str(text);
        }
        let mut chars = tail.chars();
        match chars.next() {
            Some(VAR) => {
                let (name, after) = chars.as_str().split_once(NAME_END)?;
                if let Some(out) = out.as_deref_mut() {
                    out.push_str(argument(args, name)?);
                }
                rest = after;
            }
            Some(SELECT) => {
                let (name, after) = chars.as_str().split_once(NAME_END)?;
                let value = match out {
                    Some(_) => Some(argument(args, name)?),
                    None => None,
                };
                rest = select(after, value, args, out.as_deref_mut())?;
            }
            _ => return Some(tail),
        }
    }
}

/// The variants of a select whose selector is `value` (`None`: only skipping): writes the first
/// variant keyed `value`, else the default (always last); returns the rest after the select.
fn select<'p>(
    mut rest: &'p str,
    value: Option<&str>,
    args: &[Arg<'_>],
    mut out: Option<&mut String>,
) -> Option<&'p str> {
    let mut written = false;
    loop {
        let mut chars = rest.chars();
        let (take, body) = match chars.next()? {
            VARIANT => {
                let (key, body) = chars.as_str().split_once(NAME_END)?;
                (value == Some(key), body)
            }
            DEFAULT => (value.is_some(), chars.as_str()),
            SELECT_END => return Some(chars.as_str()),
            _ => return None,
        };
        let take = take && !written;
        written |= take;
        let target = if take { out.as_deref_mut() } else { None };
        rest = sequence(body, args, target)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `key = Hello { $name }` and a select with a nested select, encoded as build.rs does.
    fn encoded() -> String {
        format!(
            "Hello {VAR}name{NAME_END}, {SELECT}kind{NAME_END}{VARIANT}a{NAME_END}A \
             {SELECT}inner{NAME_END}{VARIANT}x{NAME_END}X{DEFAULT}Y{VAR}name{NAME_END}\
             {SELECT_END}{DEFAULT}other{SELECT_END}."
        )
    }

    #[test]
    fn formats_text_variables_and_selects() {
        let pattern = encoded();
        let args = [("name", "Cai"), ("kind", "a"), ("inner", "x")];
        assert_eq!(format(&pattern, &args).as_deref(), Some("Hello Cai, A X."));
        let args = [("name", "Cai"), ("kind", "a"), ("inner", "z")];
        assert_eq!(
            format(&pattern, &args).as_deref(),
            Some("Hello Cai, A YCai.")
        );
        // The nested select is only skipped, so its argument is not needed.
        let args = [("name", "Cai"), ("kind", "b")];
        assert_eq!(
            format(&pattern, &args).as_deref(),
            Some("Hello Cai, other.")
        );
    }

    #[test]
    fn a_missing_argument_does_not_format() {
        let pattern = encoded();
        assert_eq!(format(&pattern, &[("kind", "b")]), None);
        assert_eq!(format(&pattern, &[("name", "Cai")]), None);
        assert_eq!(format(&pattern, &[("name", "C"), ("kind", "a")]), None);
    }

    #[test]
    fn broken_encodings_do_not_format_or_panic() {
        let pattern = encoded();
        let args = [("name", "C"), ("kind", "a"), ("inner", "x")];
        let select_at = pattern.find(SELECT).unwrap();
        let select_end = pattern.rfind(SELECT_END).unwrap();
        // Every prefix that cuts the select (nested or not) is refused.
        for end in select_at + 1..=select_end {
            if let Some(prefix) = pattern.get(..end) {
                assert_eq!(format(prefix, &args), None, "{prefix:?}");
            }
        }
        assert_eq!(
            format(pattern.get(..select_at).unwrap(), &args).as_deref(),
            Some("Hello C, ")
        );
        assert_eq!(format(&format!("{VARIANT}a{NAME_END}"), &[]), None);
        assert_eq!(format(&format!("{SELECT_END}"), &[]), None);
        assert_eq!(
            format(&format!("{SELECT}k{NAME_END}{KEY_END}"), &[("k", "a")]),
            None
        );
    }

    #[test]
    fn the_generated_tables_are_sorted_and_searchable() {
        for table in [&ENGLISH, &WELSH] {
            let keys: Vec<_> = table.keys().collect();
            assert!(keys.len() > 100);
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "not sorted");
            for key in &keys {
                assert!(table.pattern(key).is_some(), "{key}");
            }
            assert!(table.pattern("no-such-key").is_none());
            assert!(table.pattern("").is_none());
        }
    }
}
