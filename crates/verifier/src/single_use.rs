//! The single-use mark of an outstanding online request.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::session::VerifierError;

/// Set once, atomically, by the first response that answers a request.
#[derive(Debug, Default)]
pub(crate) struct SingleUse(AtomicBool);

impl SingleUse {
    /// Marks the request answered; refuses when it already was (also under concurrent calls:
    /// exactly one caller wins).
    pub(crate) fn take(&self) -> Result<(), VerifierError> {
        if self.0.swap(true, Ordering::AcqRel) {
            Err(VerifierError::AlreadyAnswered)
        } else {
            Ok(())
        }
    }
}
