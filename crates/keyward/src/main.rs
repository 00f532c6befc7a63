//! The `keyward` command: `serve`, and the local administrative commands.

mod bench;
mod cli;
mod config;
mod console;
mod kek;
mod log_writer;
mod maintenance;
mod mfa_cli;
mod tls;
mod wiring;

use clap::Parser;

/// mimalloc instead of the system allocator: the request path allocates
/// from two or more runtime threads at once, and glibc's arenas showed as
/// lock waits and a fifth of the server's CPU in profiles (BENCHMARKS.md).
/// Built with `no_thp`: transparent huge pages made its arenas resident in
/// 2 MiB steps, idle RSS 27–30 MiB instead of 18.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    // The load client shares the cores with the server it measures: a
    // runtime on one thread spends the least CPU per request on it.
    let mut builder = match cli.runtime_threads() {
        Some(1) => tokio::runtime::Builder::new_current_thread(),
        Some(n) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n);
            b
        }
        None => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("keyward: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keyward: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
