//! A load generator for IAM and STS endpoints (keyward, AWS, or an emulator).
//!
//! Every request is signed with SigV4 exactly as the AWS SDKs sign the Query
//! protocol (`POST /`, form body, signed `content-type;host;x-amz-date`, the
//! payload's SHA-256 in the canonical request), by [`keyward_sigv4::sign`].
//! A run drives one [`Scenario`] with a fixed number of workers, each sending
//! one request at a time over a keep-alive connection, either as fast as the
//! endpoint answers (closed loop) or paced to a total rate; it records every
//! latency in an HDR histogram and counts errors by their AWS error code.
//!
//! Scenarios that need an IAM user with policies, or a role, create them
//! through the API with the given (administrator) credentials before the run
//! and delete them afterwards, so the same run works against any endpoint.

mod client;
mod error;
mod report;
mod run;
mod scenario;

pub use client::{Client, Reply};
pub use error::{LoadError, RequestError};
pub use keyward_sigv4::Credentials;
pub use report::{Latency, Report};
pub use run::{Limit, MAX_CONCURRENCY, Plan, run};
pub use scenario::Scenario;

#[cfg(test)]
mod test_support {
    /// An endpoint on a loopback port nothing listens on: connections are refused.
    pub(crate) fn refused_endpoint() -> String {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("its address")
            .port();
        format!("http://127.0.0.1:{port}")
    }
}
