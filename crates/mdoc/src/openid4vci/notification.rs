//! The Notification Endpoint (OpenID4VCI 1.0 §11): the wallet tells the issuer what became of
//! an issued credential, by the `notification_id` of the Credential Response.

use serde::{Deserialize, Serialize};

use super::{MAX_JSON, Oid4vciError, check_token, parse_json, to_json};

/// What happened to the credential (§11.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationEvent {
    /// The credential was stored.
    CredentialAccepted,
    /// The credential was not stored (e.g. it failed the wallet's checks).
    CredentialFailure,
    /// The citizen deleted the credential.
    CredentialDeleted,
}

/// A Notification Request (§11.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRequest {
    /// The Credential Response's `notification_id`.
    pub notification_id: String,
    /// What happened.
    pub event: NotificationEvent,
    /// Human-readable detail (never personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_description: Option<String>,
}

impl NotificationRequest {
    /// Parses a request, refusing an empty or overlong `notification_id` and unknown events.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Oid4vciError> {
        let request: NotificationRequest = parse_json(bytes, MAX_JSON, "notification request")?;
        check_token(&request.notification_id, "notification_id")?;
        if request
            .event_description
            .as_ref()
            .is_some_and(|d| d.len() > super::MAX_TOKEN_LEN)
        {
            return Err(Oid4vciError::TooLarge("event_description"));
        }
        Ok(request)
    }

    /// The request as JSON.
    pub fn to_json(&self) -> Vec<u8> {
        to_json(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenID4VCI 1.0 §11.1, the notification request examples.
    const SPEC_ACCEPTED: &str = r#"{
  "notification_id": "3fwe98js",
  "event": "credential_accepted"
}"#;
    const SPEC_FAILURE: &str = r#"{
  "notification_id": "3fwe98js",
  "event": "credential_failure",
  "event_description": "Could not store the Credential. Out of storage."
}"#;

    #[test]
    fn the_specification_examples_parse_and_ours_match() {
        let accepted = NotificationRequest::from_json(SPEC_ACCEPTED.as_bytes()).unwrap();
        assert_eq!(accepted.event, NotificationEvent::CredentialAccepted);
        let failure = NotificationRequest::from_json(SPEC_FAILURE.as_bytes()).unwrap();
        assert_eq!(failure.event, NotificationEvent::CredentialFailure);
        let ours: serde_json::Value = serde_json::from_slice(&accepted.to_json()).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(SPEC_ACCEPTED).unwrap();
        assert_eq!(ours, theirs);
        let deleted = NotificationRequest {
            event: NotificationEvent::CredentialDeleted,
            ..accepted
        };
        assert!(
            String::from_utf8(deleted.to_json())
                .unwrap()
                .contains("credential_deleted")
        );
    }

    #[test]
    fn bad_notifications_are_refused() {
        for json in [
            "",
            "{}",
            r#"{"notification_id":"","event":"credential_accepted"}"#,
            r#"{"notification_id":"a","event":"credential_eaten"}"#,
            r#"{"notification_id":"a"}"#,
            r#"{"notification_id":1,"event":"credential_accepted"}"#,
        ] {
            assert!(
                NotificationRequest::from_json(json.as_bytes()).is_err(),
                "{json}"
            );
        }
    }
}
