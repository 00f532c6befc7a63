//! Outgoing mail (root password reset links): SMTP when configured, else
//! `.eml` files in an outbox directory, so a fresh machine works without a
//! mail server.

use std::path::PathBuf;

use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum MailConfig {
    /// An SMTP server, as lettre's URL: `smtps://user:pass@host:465`,
    /// `smtp://user:pass@host:587?tls=required`, or `smtp://host:25`.
    Smtp { url: String, from: String },
    /// A directory that receives each message as an `.eml` file.
    Outbox { dir: PathBuf, from: String },
}

/// Sends mail as configured.
#[derive(Debug)]
pub struct Mailer {
    config: MailConfig,
}

impl Mailer {
    pub fn new(config: MailConfig) -> Self {
        Self { config }
    }

    /// Where mail goes, for the start-up log.
    pub fn describe(&self) -> String {
        match &self.config {
            MailConfig::Smtp { url, .. } => {
                // The URL may carry a password: show its host only.
                let host = url
                    .rsplit_once('@')
                    .map_or(url.as_str(), |(_, h)| h)
                    .trim_start_matches("smtp://")
                    .trim_start_matches("smtps://");
                format!("SMTP via {host}")
            }
            MailConfig::Outbox { dir, .. } => format!("outbox directory {}", dir.display()),
        }
    }

    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let from = match &self.config {
            MailConfig::Smtp { from, .. } | MailConfig::Outbox { from, .. } => from,
        };
        let from: Mailbox = from.parse().map_err(|e| format!("sender address: {e}"))?;
        let to: Mailbox = to.parse().map_err(|e| format!("recipient address: {e}"))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("message: {e}"))?;
        match &self.config {
            MailConfig::Smtp { url, .. } => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("SMTP URL: {e}"))?
                    .build();
                transport
                    .send(message)
                    .await
                    .map_err(|e| format!("SMTP: {e}"))?;
            }
            MailConfig::Outbox { dir, .. } => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("outbox {}: {e}", dir.display()))?;
                let id = AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .map_err(|e| format!("outbox {}: {e}", dir.display()))?;
                tracing::info!(file = %dir.join(format!("{id}.eml")).display(), "mail written to the outbox");
            }
        }
        Ok(())
    }
}
