//! What can stop a load run before it produces a report.

/// A run could not start or its set-up failed; errors of individual requests
/// during the run are counted in the report instead.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The endpoint URL or another option is unusable.
    #[error("{0}")]
    Config(String),
    /// The HTTP client could not be built or a set-up request did not get through.
    #[error("{context}: {source}")]
    Http {
        context: String,
        #[source]
        source: reqwest::Error,
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
