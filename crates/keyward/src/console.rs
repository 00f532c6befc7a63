//! The `serve` command's console settings: the public URL and where mail goes.

use std::path::PathBuf;

use clap::Args;
use keyward_console::{ConsoleConfig, MailConfig};
use serde::Serialize;

use crate::config::Config;

/// The console's flags; like every `serve` flag, each is also a
/// configuration-file key and a `KEYWARD_*` variable (see [`crate::config`]).
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct ConsoleArgs {
    /// The console's address as users reach it, for links in mail (e.g. https://iam.example.com). An https URL also marks cookies Secure.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_url: Option<String>,
    /// SMTP server for console mail: smtps://user:pass@host:465, smtp://user:pass@host:587?tls=required or smtp://host:25. Without it, mail goes to the outbox directory.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
    /// The sender of console mail [default: keyward <no-reply@keyward.localhost>].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_from: Option<String>,
    /// Where mail goes without SMTP (default: <data-dir>/outbox).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_outbox: Option<PathBuf>,
}

/// The console's configuration from the effective `serve` configuration.
/// Cookies are Secure when keyward serves TLS itself or its public URL is https.
pub fn console_config(config: &Config) -> ConsoleConfig {
    let from = config.mail_from.clone();
    let mail = match &config.smtp_url {
        Some(url) => MailConfig::Smtp {
            url: url.clone(),
            from,
        },
        None => MailConfig::Outbox {
            dir: config
                .mail_outbox
                .clone()
                .unwrap_or_else(|| config.data_dir.join("outbox")),
            from,
        },
    };
    let https_url = config
        .console_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    ConsoleConfig {
        secure_cookies: https_url || config.tls_cert.is_some(),
        public_url: config.console_url.clone(),
        mail,
    }
}
