//! AWS Signature Version 4 for keyward: parse and verify signed requests (header and
//! presigned-query forms), sign and presign them (for clients, tests and benches), and
//! cache signing keys.
//!
//! Verification has two phases because the server must look up the access key in
//! between: [`parse`] checks everything that needs no secret, in AWS's order, with AWS's
//! error codes and messages; [`verify`] recomputes the signature with the
//! [`SigningKey`] (usually from a [`SigningKeyCache`]) and compares it in constant time.
//! The crate does no I/O, holds no global state and takes the time as an argument.
//!
//! ```
//! use keyward_sigv4::{
//!     parse, sign, verify, Credentials, HttpRequest, SigningKeyCache, SigningParams,
//!     VerifyOptions,
//! };
//! use time::macros::datetime;
//!
//! let now = datetime!(2026-11-23 06:52:57 UTC);
//! let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
//! let body = b"Action=GetUser&Version=2010-05-08";
//! let headers = [
//!     ("Host", "127.0.0.1:45678"),
//!     ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
//! ];
//! let unsigned = HttpRequest { method: "POST", raw_path: "/", raw_query: "", headers: &headers, body };
//!
//! // Client side.
//! let signed = sign(&unsigned, &SigningParams::new(&creds, "us-east-1", "iam", now))?;
//! let mut sent = headers.to_vec();
//! sent.extend(signed.headers());
//!
//! // Server side.
//! let req = HttpRequest { headers: &sent, ..unsigned };
//! let opts = VerifyOptions::default().with_services(["iam", "sts"]);
//! let auth = parse(&req, now, &opts)?;
//! assert_eq!(auth.access_key_id(), "AKIDEXAMPLE");
//! let cache = SigningKeyCache::default();
//! let key = cache.get_or_derive(auth.access_key_id(), auth.scope(), creds.secret_access_key.expose());
//! verify(&auth, &req, &key)?;
//! # Ok::<(), keyward_sigv4::AuthError>(())
//! ```

mod cache;
mod canonical;
mod encode;
mod error;
mod key;
mod parse;
mod request;
mod sign;
mod timefmt;
mod verify;

pub use cache::{DEFAULT_CACHE_CAPACITY, SigningKeyCache};
pub use error::{AuthError, SIGNATURE_MISMATCH_MESSAGE};
pub use key::{Credentials, SecretAccessKey, SigningKey, derive_signing_key};
pub use parse::{
    AuthLocation, CredentialScope, MAX_PRESIGNED_EXPIRES, ParsedAuth, VerifyOptions, parse,
};
pub use request::HttpRequest;
pub use sign::{PresignedRequest, SignedRequest, Signer, SigningParams, presign, sign};
pub use verify::{Explanation, explain, verify};
