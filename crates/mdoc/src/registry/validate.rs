//! Checking element values against their registered type.

use super::{ElementDefinition, ElementType};
use crate::cbor::{FromCbor, Value};
use crate::time::{FullDate, TDate};

/// Why a value does not fit its element. Names the expected type, never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The value has the wrong type or an out-of-range value.
    #[error("value of {identifier} is not a valid {expected}")]
    InvalidValue {
        /// The element identifier.
        identifier: &'static str,
        /// The expected type.
        expected: &'static str,
    },
}

fn is_country(value: &Value) -> bool {
    value
        .as_text()
        .is_some_and(|t| t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase()))
}

fn is_driving_privileges(value: &Value) -> bool {
    value.as_array().is_some_and(|items| {
        items.iter().all(|item| {
            item.get("vehicle_category_code")
                .and_then(Value::as_text)
                .is_some()
                && ["issue_date", "expiry_date"]
                    .iter()
                    .all(|k| item.get(k).is_none_or(|d| FullDate::from_cbor(d).is_ok()))
        })
    })
}

/// Checks `value` against `definition`'s type.
pub fn validate(definition: &ElementDefinition, value: &Value) -> Result<(), RegistryError> {
    let (ok, expected) = match definition.value_type {
        ElementType::Text => (value.as_text().is_some(), "text"),
        ElementType::Bool => (value.as_bool().is_some(), "boolean"),
        ElementType::UInt => (value.as_u64().is_some(), "unsigned integer"),
        ElementType::Bytes => (value.as_bytes().is_some(), "byte string"),
        ElementType::FullDate => (FullDate::from_cbor(value).is_ok(), "full-date"),
        ElementType::DateOrDateTime => (
            FullDate::from_cbor(value).is_ok() || TDate::from_cbor(value).is_ok(),
            "date or date-time",
        ),
        ElementType::CountryCode => (is_country(value), "ISO 3166-1 alpha-2 code"),
        ElementType::CountryCodes => (
            is_country(value)
                || value
                    .as_array()
                    .is_some_and(|a| !a.is_empty() && a.iter().all(is_country)),
            "country code or list of country codes",
        ),
        ElementType::Sex => (
            matches!(value.as_u64(), Some(0 | 1 | 2 | 9)),
            "ISO/IEC 5218 code",
        ),
        ElementType::DrivingPrivileges => (is_driving_privileges(value), "driving privileges"),
        ElementType::Any => (true, "value"),
    };
    if ok {
        Ok(())
    } else {
        Err(RegistryError::InvalidValue {
            identifier: definition.identifier,
            expected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{EU_PID, ISO_NAMESPACE, MDL, UK_DIGITAL_ID, element};
    use super::*;
    use crate::cbor::ToCbor;

    fn check(doc: &str, ns: &str, id: &str, value: Value) -> Result<(), RegistryError> {
        validate(
            &element(doc, ns, id).ok_or(RegistryError::InvalidValue {
                identifier: "?",
                expected: "?",
            })?,
            &value,
        )
    }

    #[test]
    fn accepts_good_and_refuses_bad_values_of_every_type() {
        let date = FullDate::new(1990, 4, 12)
            .map(|d| d.to_cbor())
            .unwrap_or(Value::Null);
        let cases: Vec<(&str, &str, &str, Value, Value)> = vec![
            (
                MDL,
                ISO_NAMESPACE,
                "family_name",
                Value::text("Okafor"),
                Value::Unsigned(1),
            ),
            (
                MDL,
                ISO_NAMESPACE,
                "age_over_18",
                Value::Bool(true),
                Value::text("yes"),
            ),
            (
                MDL,
                ISO_NAMESPACE,
                "height",
                Value::Unsigned(170),
                Value::int(-1),
            ),
            (
                MDL,
                ISO_NAMESPACE,
                "portrait",
                Value::Bytes(vec![0xff, 0xd8]),
                Value::text("jpeg"),
            ),
            (
                MDL,
                ISO_NAMESPACE,
                "birth_date",
                date.clone(),
                Value::text("1990-02-30"),
            ),
            (
                MDL,
                ISO_NAMESPACE,
                "expiry_date",
                date.clone(),
                Value::Bool(false),
            ),
            (
                MDL,
                ISO_NAMESPACE,
                "issuing_country",
                Value::text("GB"),
                Value::text("gbr"),
            ),
            (
                MDL,
                ISO_NAMESPACE,
                "sex",
                Value::Unsigned(2),
                Value::Unsigned(3),
            ),
            (
                MDL,
                ISO_NAMESPACE,
                "driving_privileges",
                Value::Array(vec![Value::Map(vec![(
                    Value::text("vehicle_category_code"),
                    Value::text("B"),
                )])]),
                Value::Array(vec![Value::Map(vec![])]),
            ),
            (
                EU_PID,
                EU_PID,
                "nationality",
                Value::Array(vec![Value::text("PL")]),
                Value::Array(vec![]),
            ),
            (
                UK_DIGITAL_ID,
                UK_DIGITAL_ID,
                "max_weekly_hours",
                Value::Unsigned(20),
                Value::text("20"),
            ),
            (
                UK_DIGITAL_ID,
                UK_DIGITAL_ID,
                "right_to_work_expiry",
                date,
                Value::text("soon"),
            ),
        ];
        for (doc, ns, id, good, bad) in cases {
            assert_eq!(check(doc, ns, id, good), Ok(()), "{id} good");
            assert!(check(doc, ns, id, bad).is_err(), "{id} bad");
        }
        assert_eq!(
            check(EU_PID, EU_PID, "nationality", Value::text("PL")),
            Ok(())
        );
    }

    #[test]
    fn errors_name_the_type_not_the_value() {
        let err = check(MDL, ISO_NAMESPACE, "family_name", Value::Unsigned(123_456)).err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("family_name") && !text.contains("123456"));
    }
}
