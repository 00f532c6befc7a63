//! keyward's domain: accounts, the root user, IAM users and their access keys,
//! the credential index used on the hot path, and authorization.
//!
//! This crate knows nothing of HTTP, XML or SQL. Storage is reached through the
//! [`store::Store`] port; time and randomness through [`clock::Clock`] and
//! [`random::Random`], so tests control both.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod audit;
pub mod authz;
pub mod caller;
pub mod clock;
pub mod crypto;
pub mod directory;
pub mod error;
pub mod feed;
mod guarded;
pub mod ids;
pub mod index;
pub mod model;
pub mod password;
pub mod policies;
pub mod random;
pub mod service;
pub mod session;
pub mod store;
pub mod validate;

pub use error::{Error, Result};
