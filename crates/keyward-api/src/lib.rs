//! AWS wire protocols for keyward: the Query protocol's form decoding and XML
//! encoding, AWS error envelopes, the action table for IAM and STS, HTTP
//! routing, and SigV4 authentication that turns a request into a
//! [`keyward_core::caller::Caller`].

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod actions;
mod auth;
pub mod error;
pub mod ops;
pub mod params;
pub mod server;
pub mod xml;

pub use server::{ApiConfig, AppState, Enforcement, Mode, router};
