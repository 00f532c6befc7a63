//! `keyward mfa …`: MFA device tasks that belong to the operator, not to
//! the API (AWS ships hardware tokens with their seeds on file; here an
//! operator imports them).

use std::io::{IsTerminal as _, Read as _};

use clap::Subcommand;
use keyward_core::crypto::Secret;

use crate::cli::StoreArgs;
use crate::wiring;

#[derive(Debug, Subcommand)]
pub enum MfaCommand {
    /// Import a hardware TOTP token (SHA-1, 6 digits, 30 s) into an account.
    /// The Base32 seed is read from standard input (never from the command
    /// line) and sealed under the KEK. A user or the root user then enables
    /// it with `aws iam enable-mfa-device --serial-number <serial> …`.
    ImportHardware {
        /// The account the token belongs to (12 digits).
        #[arg(long)]
        account_id: String,
        /// The serial number printed on the token, e.g. GAHT12345678.
        #[arg(long)]
        serial_number: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run(command: MfaCommand) -> Result<(), String> {
    match command {
        MfaCommand::ImportHardware {
            account_id,
            serial_number,
            store,
        } => {
            wiring::init_logging(crate::config::LogFormat::Text);
            let seed = read_seed()?;
            let keyward = wiring::open(&store).await?;
            let device = keyward
                .import_hardware_mfa_device(&account_id, &serial_number, &seed)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::json!({
                    "AccountId": device.account_id,
                    "SerialNumber": device.serial_number,
                    "Type": "hardware",
                })
            );
            Ok(())
        }
    }
}

fn read_seed() -> Result<Secret, String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Base32 seed: ")
            .map(Secret::new)
            .map_err(|e| format!("cannot read the seed: {e}"));
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| format!("cannot read the seed from standard input: {e}"))?;
    Ok(Secret::new(s.lines().next().unwrap_or("").trim()))
}
