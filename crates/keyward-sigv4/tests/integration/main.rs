//! One integration-test binary (cheaper to link than one per file).

// Test failures report through panics with context; the workspace lint targets library code.
#![allow(clippy::panic)]

mod aws_suite;
mod cross_check;
mod errors;
mod props;
mod util;
