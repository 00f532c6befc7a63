//! Configuration: built-in defaults, then a TOML file (`--config` or
//! `KEYWARD_CONFIG`), then `KEYWARD_*` environment variables, then flags; the
//! later wins. The effective configuration prints with its secrets redacted.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format as _, Serialized, Toml};
use serde::{Deserialize, Deserializer, Serialize};

/// How strictly requests are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ModeArg {
    Strict,
    Dev,
}

/// Dev mode: what happens to a policy denial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum EnforcementArg {
    Enforce,
    Audit,
    Off,
}

/// The log line format on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting, after all sources are merged. Field names are the TOML
/// keys; `KEYWARD_<NAME>` in upper case is the environment variable.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Directory of the embedded SQLite database and the key-encryption key.
    pub data_dir: PathBuf,
    /// A PostgreSQL URL to use instead of the embedded SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// The key-encryption key file (default: `<data_dir>/kek.key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kek_file: Option<PathBuf>,
    pub mode: ModeArg,
    pub enforcement: EnforcementArg,
    #[serde(deserialize_with = "string_or_number")]
    pub dev_account_id: String,
    /// Dev mode: a fixed root key `ID:SECRET`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_access_key: Option<String>,
    #[serde(default, deserialize_with = "list_or_csv")]
    pub trusted_proxies: Vec<String>,
    /// Seconds; 0 turns the clock-skew check off.
    pub max_clock_skew: u64,
    /// PEM certificate chain; with `tls_key`, keyward serves HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    pub log_format: LogFormat,
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    pub shutdown_timeout: u64,
    /// Policy denials also carry an encoded authorization message.
    #[serde(default)]
    pub encode_authorization_messages: bool,
    /// The console's public URL, for links in mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console_url: Option<String>,
    /// SMTP server for console mail (its password is redacted when printed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
    /// The sender of console mail.
    pub mail_from: String,
    /// Where console mail goes without SMTP (default: `<data_dir>/outbox`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_outbox: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 4566)),
            data_dir: PathBuf::from("keyward-data"),
            database_url: None,
            kek_file: None,
            mode: ModeArg::Strict,
            enforcement: EnforcementArg::Enforce,
            dev_account_id: "123456789012".to_owned(),
            root_access_key: None,
            trusted_proxies: Vec::new(),
            max_clock_skew: 900,
            tls_cert: None,
            tls_key: None,
            log_format: LogFormat::Text,
            shutdown_timeout: 30,
            encode_authorization_messages: false,
            console_url: None,
            smtp_url: None,
            mail_from: "keyward <no-reply@keyward.localhost>".to_owned(),
            mail_outbox: None,
        }
    }
}

/// The environment variables read, as `KEYWARD_` + the upper-cased key.
const ENV_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "kek_file",
    "mode",
    "enforcement",
    "dev_account_id",
    "root_access_key",
    "trusted_proxies",
    "max_clock_skew",
    "encode_authorization_messages",
    "console_url",
    "smtp_url",
    "mail_from",
    "mail_outbox",
    "tls_cert",
    "tls_key",
    "log_format",
    "shutdown_timeout",
];

impl Config {
    /// Merges defaults, the file, the environment and `flags` (a serializable
    /// value whose absent fields are skipped).
    pub fn load(file: Option<&Path>, flags: &impl Serialize) -> Result<Self, String> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(format!("configuration file {} not found", path.display()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment
            .merge(Env::prefixed("KEYWARD_").only(ENV_KEYS))
            .merge(Serialized::defaults(flags))
            .extract()
            .map_err(|e| format!("invalid configuration: {e}"))
    }

    /// This configuration with every secret replaced by `***`, so it can be
    /// printed and logged.
    pub fn redacted(&self) -> Self {
        let mut c = self.clone();
        c.database_url = c.database_url.as_deref().map(redact_url_password);
        c.smtp_url = c.smtp_url.as_deref().map(redact_url_password);
        c.root_access_key = c
            .root_access_key
            .as_deref()
            .map(|pair| match pair.split_once(':') {
                Some((id, _)) => format!("{id}:***"),
                None => "***".to_owned(),
            });
        c
    }

    /// The redacted configuration as TOML, loadable with `--config`.
    pub fn to_toml(&self) -> String {
        toml::to_string(&self.redacted()).unwrap_or_else(|e| format!("# cannot print: {e}\n"))
    }
}

/// `scheme://user:password@host/…` → `scheme://user:***@host/…`; a password in
/// the query (`?password=…`) is redacted too.
pub fn redact_url_password(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                out.replace_range(start..rest_start + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&");
        out = format!("{head}{query}");
    }
    out
}

/// An account id may come as a TOML or environment number.
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        N(u64),
    }
    Ok(match Either::deserialize(d)? {
        Either::S(s) => s,
        // Keep leading zeros of a 12-digit id that was read as a number.
        Either::N(n) => format!("{n:012}"),
    })
}

/// A list may come as a TOML array or a comma-separated string.
fn list_or_csv<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::List(v) => v,
        Either::Csv(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_redacted() {
        assert_eq!(
            redact_url_password("postgres://kw:s3cret@db:5432/keyward"),
            "postgres://kw:***@db:5432/keyward"
        );
        assert_eq!(
            redact_url_password("postgres://kw@db/keyward?password=s3cret&sslmode=require"),
            "postgres://kw@db/keyward?password=***&sslmode=require"
        );
        assert_eq!(
            redact_url_password("postgres://db/keyward"),
            "postgres://db/keyward"
        );
    }

    #[test]
    fn redacted_config_hides_every_secret() {
        let c = Config {
            database_url: Some("postgres://u:pw-123@h/d".into()),
            root_access_key: Some("AKIDEV:dev-secret-xyz".into()),
            ..Config::default()
        };
        let printed = c.to_toml();
        assert!(!printed.contains("pw-123"), "{printed}");
        assert!(!printed.contains("dev-secret-xyz"), "{printed}");
        assert!(printed.contains("AKIDEV:***"), "{printed}");
    }

    #[test]
    fn printed_config_loads_back() {
        let c = Config {
            trusted_proxies: vec!["10.0.0.0/8".into()],
            dev_account_id: "000000000042".into(),
            ..Config::default()
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("k.toml");
        std::fs::write(&path, c.to_toml()).expect("write");
        let back = Config::load(Some(&path), &serde_json::json!({})).expect("load");
        assert_eq!(back.trusted_proxies, c.trusted_proxies);
        assert_eq!(back.dev_account_id, "000000000042");
        assert_eq!(back.listen, c.listen);
    }
}
