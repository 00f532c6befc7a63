//! What can stop a load run before it produces a report, and why a request
//! got no answer.

use std::error::Error as StdError;
use std::fmt::Write as _;

/// A run could not start or its set-up failed; errors of individual requests
/// during the run are counted in the report instead.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The endpoint URL or another option is unusable.
    #[error("{0}")]
    Config(String),
    /// A set-up request did not get through.
    #[error("{context}: {source}")]
    Http {
        context: String,
        #[source]
        source: RequestError,
    },
    /// A set-up call was answered with an error.
    #[error("{action} failed: HTTP {status} {code}: {message}")]
    Api {
        action: String,
        status: u16,
        code: String,
        message: String,
    },
    /// A set-up answer lacked an element the scenario needs.
    #[error("{action}: the answer has no <{element}>")]
    Answer {
        action: String,
        element: &'static str,
    },
}

/// A request that got no answer: no connection, or the connection failed
/// before the answer was complete.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RequestError {
    kind: Kind,
    message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// No connection could be opened (TCP or TLS).
    Connect,
    /// Opening the connection took too long.
    Timeout,
    /// The connection failed while the request or its answer was under way.
    Transport,
}

impl RequestError {
    /// `what` with the chain of causes of `cause`, which hyper and rustls
    /// keep out of their own messages.
    pub(crate) fn new(kind: Kind, what: &str, cause: &(dyn StdError + 'static)) -> Self {
        let mut message = format!("{what}: {cause}");
        let mut next = cause.source();
        while let Some(e) = next {
            let _ = write!(message, ": {e}");
            next = e.source();
        }
        Self { kind, message }
    }

    pub(crate) fn timeout(message: String) -> Self {
        Self {
            kind: Kind::Timeout,
            message,
        }
    }

    /// The report's key for it: `ConnectError`, `Timeout` or `TransportError`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            Kind::Connect => "ConnectError",
            Kind::Timeout => "Timeout",
            Kind::Transport => "TransportError",
        }
    }

    #[cfg(test)]
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }
}
