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

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
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
