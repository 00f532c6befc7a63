//! Integration tests: the table-driven corpus (tests/corpus/*.json) and
//! property tests. One binary so `cargo test` links once.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout)]

mod api;
mod corpus;
mod props;
