//! The compiled message tables format exactly what `fluent-bundle` formats from the same `.ftl`
//! files, for every message and attribute of both locales: with every argument given (each
//! select's every variant key, and a value no key matches), with each argument missing in turn,
//! and with none. Any message added to the files later is covered, since the test walks them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
use fluent_syntax::ast::{
    Entry, Expression, InlineExpression, Pattern, PatternElement, VariantKey,
};
use wallet::i18n::{self, Locale, messages};

/// The variables a pattern uses, and the variant keys of each one it selects on.
#[derive(Default)]
struct Uses {
    variables: BTreeSet<String>,
    keys: Vec<(String, String)>,
}

fn walk_pattern(pattern: &Pattern<&str>, uses: &mut Uses) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            walk_expression(expression, uses);
        }
    }
}

fn walk_expression(expression: &Expression<&str>, uses: &mut Uses) {
    match expression {
        Expression::Inline(inline) => walk_inline(inline, uses),
        Expression::Select { selector, variants } => {
            walk_inline(selector, uses);
            if let InlineExpression::VariableReference { id } = selector {
                for variant in variants {
                    if let VariantKey::Identifier { name } = variant.key {
                        uses.keys.push((id.name.to_owned(), name.to_owned()));
                    }
                }
            }
            for variant in variants {
                walk_pattern(&variant.value, uses);
            }
        }
    }
}

fn walk_inline(inline: &InlineExpression<&str>, uses: &mut Uses) {
    match inline {
        InlineExpression::VariableReference { id } => {
            uses.variables.insert(id.name.to_owned());
        }
        InlineExpression::Placeable { expression } => walk_expression(expression, uses),
        _ => {}
    }
}

/// Every key of `source` with the pattern's uses, first definition of an id only.
fn keys_of(source: &str) -> Vec<(String, Uses)> {
    let resource = match fluent_syntax::parser::parse_runtime(source) {
        Ok(resource) | Err((resource, _)) => resource,
    };
    let mut seen = BTreeSet::new();
    let mut keys = Vec::new();
    for entry in &resource.body {
        if let Entry::Message(message) = entry {
            if !seen.insert(message.id.name) {
                continue;
            }
            if let Some(value) = &message.value {
                let mut uses = Uses::default();
                walk_pattern(value, &mut uses);
                keys.push((message.id.name.to_owned(), uses));
            }
            for attribute in &message.attributes {
                let mut uses = Uses::default();
                walk_pattern(&attribute.value, &mut uses);
                keys.push((format!("{}.{}", message.id.name, attribute.id.name), uses));
            }
        }
    }
    keys
}

fn bundle(locale: Locale) -> (FluentBundle<FluentResource>, usize) {
    let (resource, mut errors) = match FluentResource::try_new(locale.source().to_owned()) {
        Ok(resource) => (resource, 0),
        Err((resource, errors)) => (resource, errors.len()),
    };
    let mut bundle = FluentBundle::new(vec![locale.tag().parse().unwrap()]);
    bundle.set_use_isolating(false);
    if let Err(duplicates) = bundle.add_resource(resource) {
        errors += duplicates.len();
    }
    (bundle, errors)
}

fn fluent(
    bundle: &FluentBundle<FluentResource>,
    key: &str,
    args: &[(&str, &str)],
) -> Option<String> {
    let (id, attribute) = match key.split_once('.') {
        Some((id, attribute)) => (id, Some(attribute)),
        None => (key, None),
    };
    let message = bundle.get_message(id)?;
    let pattern = match attribute {
        Some(attribute) => message.get_attribute(attribute)?.value(),
        None => message.value()?,
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, *value);
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    errors.is_empty().then(|| text.into_owned())
}

#[test]
fn every_message_formats_as_fluent_bundle_formats_it() {
    let mut compared = 0;
    let mut selects = 0;
    for locale in Locale::ALL {
        let (bundle, errors) = bundle(locale);
        let ours = messages(locale);
        assert_eq!(ours.errors(), errors, "{locale:?}: error counts differ");
        let keys = keys_of(locale.source());
        let listed: BTreeSet<String> = keys.iter().map(|(k, _)| k.clone()).collect();
        let compiled: BTreeSet<String> = i18n::keys(locale).into_iter().collect();
        assert_eq!(listed, compiled, "{locale:?}: the tables hold other keys");
        for (key, uses) in &keys {
            let generic: Vec<(String, String)> = uses
                .variables
                .iter()
                .map(|v| (v.clone(), format!("«{v} value»")))
                .collect();
            let mut cases: Vec<Vec<(String, String)>> = vec![generic.clone(), Vec::new()];
            for (variable, variant) in &uses.keys {
                let mut case = generic.clone();
                for (name, value) in &mut case {
                    if name == variable {
                        value.clone_from(variant);
                    }
                }
                cases.push(case);
                selects += 1;
            }
            for missing in &uses.variables {
                cases.push(
                    generic
                        .iter()
                        .filter(|(n, _)| n != missing)
                        .cloned()
                        .collect(),
                );
            }
            for case in cases {
                let args: Vec<(&str, &str)> =
                    case.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                let expected = fluent(&bundle, key, &args);
                assert_eq!(
                    ours.lookup(key, &args),
                    expected,
                    "{locale:?} {key} with {args:?}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 500, "only {compared} comparisons");
    assert!(selects >= 18, "only {selects} select variants exercised");
}

#[test]
fn arguments_are_text_even_when_they_look_like_numbers() {
    // fluent-bundle takes `&str` arguments as strings: `18` is written as given, never
    // number-formatted, and the tables do the same.
    for locale in Locale::ALL {
        let (bundle, _) = bundle(locale);
        for age in ["18", "018", "1e3", "-0"] {
            let args = [("age", age)];
            assert_eq!(
                messages(locale).lookup("age-over", &args),
                fluent(&bundle, "age-over", &args)
            );
        }
    }
}
