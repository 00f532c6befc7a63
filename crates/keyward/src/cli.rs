//! The command line. The commands and flags here are a stable contract.

use std::io::{IsTerminal as _, Read as _};
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use keyward_core::crypto::Secret;
use keyward_core::service::Keyward;
use serde::Serialize;

use crate::config::{Config, EnforcementArg, LogFormat, ModeArg};
use crate::wiring;

#[derive(Debug, Parser)]
#[command(
    name = "keyward",
    version,
    about = "A self-hosted identity and access service that speaks AWS IAM and STS"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// The worker threads of the async runtime the command asks for; `None`
    /// is the runtime's default (one per core).
    pub fn runtime_threads(&self) -> Option<usize> {
        match &self.command {
            Command::Bench(args) => Some(args.threads()),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    ///
    /// Every setting may also come from a TOML file (--config; keys are the flag
    /// names with `_`, e.g. `max_clock_skew`) or the environment (`KEYWARD_` and
    /// the key in upper case, e.g. KEYWARD_MAX_CLOCK_SKEW, KEYWARD_TRUSTED_PROXIES
    /// comma-separated). Flags beat the environment, which beats the file.
    Serve(ServeArgs),
    /// Manage accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// The root user's credentials.
    #[command(subcommand)]
    Root(RootCommand),
    /// Operator MFA tasks (import hardware TOTP tokens).
    #[command(subcommand)]
    Mfa(crate::mfa_cli::MfaCommand),
    /// List the actions keyward serves, with the IAM action and resource kind
    /// that authorize each (JSON).
    Actions,
    /// The effective configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Copy the SQLite database to a file, consistently, while the server runs.
    Backup {
        /// The backup file to create (must not exist).
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Replace the SQLite database with a backup; refused while a server runs on the data directory.
    Restore {
        /// The backup file made by `keyward backup`.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The key-encryption key that seals stored secrets.
    #[command(subcommand)]
    Kek(KekCommand),
    /// Load-test an IAM/STS endpoint (keyward or another) with signed requests.
    Bench(crate::bench::BenchArgs),
}

#[derive(Debug, Subcommand)]
enum KekCommand {
    /// Add a new key-encryption key and re-seal every stored secret under it, while servers keep serving.
    Rotate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Drop every key but the newest from the key file, after re-sealing; servers must be stopped.
    Retire {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the configuration `serve` would use (file, environment, flags merged; secrets redacted) as TOML.
    Print(ServeArgs),
}

/// Where the data lives. Each flag overrides the configuration file and the
/// environment (see [`crate::config`]).
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct StoreArgs {
    /// A TOML configuration file; flags and KEYWARD_* variables override it.
    #[arg(long, env = "KEYWARD_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Directory for the embedded SQLite database and the key-encryption key [default: keyward-data].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL URL (postgres://…) to use instead of the embedded SQLite.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// The key-encryption key file (default: <data-dir>/kek.key). Replicas sharing a database must share it.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kek_file: Option<PathBuf>,
}

impl StoreArgs {
    /// The effective configuration for a command that only needs the store.
    pub fn config(&self) -> Result<Config, String> {
        Config::load(self.config.as_deref(), self)
    }
}

/// `keyward serve`'s flags. Every flag also has a configuration-file key of
/// the same name (with `_`) and a `KEYWARD_*` environment variable.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port) [default: 127.0.0.1:4566].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[command(flatten)]
    #[serde(flatten)]
    pub store: StoreArgs,
    /// strict: every request signed by a known key; dev: unknown keys act as the default account's root [default: strict].
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<ModeArg>,
    /// Dev mode: what happens to a policy denial. Strict mode always enforces [default: enforce].
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<EnforcementArg>,
    /// Dev mode: the default account's id [default: 123456789012].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dev_account_id: Option<String>,
    /// Policy denials also carry "Encoded authorization failure message: …",
    /// readable with `aws sts decode-authorization-message` by the same account.
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub encode_authorization_messages: bool,
    /// Dev mode: accept only this fixed root key (ID:SECRET) besides stored keys.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_access_key: Option<String>,
    /// A proxy (address or CIDR) whose X-Forwarded-For and X-Forwarded-Proto are trusted; repeatable.
    #[arg(long = "trusted-proxy", value_delimiter = ',')]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<String>,
    /// Largest accepted difference between the request's time and ours, in seconds; 0 turns the check off [default: 900].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_clock_skew: Option<u64>,
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    /// Log lines on standard error as text or JSON [default: text].
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    /// Seconds in-flight requests get to finish after SIGTERM or SIGINT [default: 30].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shutdown_timeout: Option<u64>,
    #[command(flatten)]
    #[serde(flatten)]
    pub console: crate::console::ConsoleArgs,
}

impl ServeArgs {
    pub fn config(&self) -> Result<Config, String> {
        Config::load(self.store.config.as_deref(), self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Create an account and its root user; optionally a first IAM admin user.
    Create {
        /// The root user's email address (its sign-in name).
        #[arg(long)]
        email: String,
        /// Read the root password from standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
        /// An account alias.
        #[arg(long)]
        alias: Option<String>,
        /// Also create this IAM user with AdministratorAccess and an access key (recommended over root keys).
        #[arg(long)]
        admin_user: Option<String>,
        /// A specific 12-digit account id (default: random).
        #[arg(long)]
        account_id: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, value_enum, default_value = "text")]
        output: Output,
    },
    /// Reopen an account its root user closed (within 90 days of the closure).
    Reopen {
        /// The 12-digit account id.
        #[arg(long)]
        account_id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum RootCommand {
    /// Create an access key for the root user (discouraged: prefer an IAM user).
    CreateAccessKey {
        /// The root user's email address.
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
        /// Also write the key to this file in the console's rootkey.csv format.
        #[arg(long)]
        csv: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, value_enum, default_value = "text")]
        output: Output,
    },
}

pub async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => wiring::serve(args).await,
        Command::Config(ConfigCommand::Print(args)) => {
            print!("{}", args.config()?.to_toml());
            Ok(())
        }
        Command::Backup { to, store } => {
            wiring::init_logging(LogFormat::Text);
            crate::maintenance::backup(&store.config()?, &to).await?;
            eprintln!(
                "Wrote {}. The key-encryption key is not in it: keep a copy of kek.key apart.",
                to.display()
            );
            Ok(())
        }
        Command::Kek(KekCommand::Rotate { store }) => {
            wiring::init_logging(LogFormat::Text);
            crate::maintenance::kek_rotate(&store.config()?).await
        }
        Command::Kek(KekCommand::Retire { store }) => {
            wiring::init_logging(LogFormat::Text);
            crate::maintenance::kek_retire(&store.config()?).await
        }
        Command::Restore { from, store } => {
            wiring::init_logging(LogFormat::Text);
            crate::maintenance::restore(&store.config()?, &from).await?;
            eprintln!("Restored the database from {}.", from.display());
            Ok(())
        }
        Command::Bench(args) => crate::bench::run(args).await,
        Command::Actions => {
            println!("{}", action_table());
            Ok(())
        }
        Command::Mfa(command) => crate::mfa_cli::run(command).await,
        Command::Account(AccountCommand::Create {
            email,
            password_stdin,
            alias,
            admin_user,
            account_id,
            store,
            output,
        }) => {
            wiring::init_logging(LogFormat::Text);
            let password = read_password(password_stdin, "Root password: ")?;
            let keyward = wiring::open(&store).await?;
            account_create(
                &keyward,
                &email,
                &password,
                alias.as_deref(),
                admin_user.as_deref(),
                account_id.as_deref(),
                output,
            )
            .await
        }
        Command::Account(AccountCommand::Reopen { account_id, store }) => {
            wiring::init_logging(LogFormat::Text);
            let keyward = wiring::open(&store).await?;
            keyward
                .reopen_account(&account_id)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("Account {account_id} is open again.");
            Ok(())
        }
        Command::Root(RootCommand::CreateAccessKey {
            email,
            password_stdin,
            csv,
            store,
            output,
        }) => {
            wiring::init_logging(LogFormat::Text);
            let password = read_password(password_stdin, "Root password: ")?;
            let keyward = wiring::open(&store).await?;
            root_create_access_key(&keyward, &email, &password, csv, output).await
        }
    }
}

/// The action table as JSON: what each action needs to be allowed.
fn action_table() -> serde_json::Value {
    keyward_api::actions::ACTIONS
        .iter()
        .map(|a| {
            serde_json::json!({
                "Action": a.name,
                "Service": format!("{:?}", a.service).to_lowercase(),
                "IamAction": a.iam_action,
                "Resource": format!("{:?}", a.resource),
                "RootOnly": a.root_only,
            })
        })
        .collect()
}

fn read_password(from_stdin: bool, prompt: &str) -> Result<Secret, String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        let line = s.lines().next().unwrap_or("").to_owned();
        return Ok(Secret::new(line));
    }
    rpassword::prompt_password(prompt)
        .map(Secret::new)
        .map_err(|e| format!("cannot read the password: {e}"))
}

async fn account_create(
    keyward: &Keyward,
    email: &str,
    password: &Secret,
    alias: Option<&str>,
    admin_user: Option<&str>,
    account_id: Option<&str>,
    output: Output,
) -> Result<(), String> {
    let account = keyward
        .create_account(email, password, alias, account_id)
        .await
        .map_err(|e| e.to_string())?;
    let mut json = serde_json::json!({ "AccountId": account.account_id, "Email": account.email });
    if let Some(a) = &account.alias {
        json["AccountAlias"] = a.clone().into();
    }
    let mut admin_text = String::new();
    if let Some(name) = admin_user {
        let root = keyward.root_caller(&account.account_id);
        let user = keyward
            .create_user(&root, name, None, None, Vec::new())
            .await
            .map_err(|e| e.to_string())?;
        keyward
            .attach_user_policy(
                &root,
                &user.name,
                "arn:aws:iam::aws:policy/AdministratorAccess",
            )
            .await
            .map_err(|e| e.to_string())?;
        let key = keyward
            .create_access_key(&root, Some(&user.name))
            .await
            .map_err(|e| e.to_string())?;
        json["UserName"] = user.name.clone().into();
        json["UserArn"] = user.arn("aws").into();
        json["AccessKeyId"] = key.key.access_key_id.clone().into();
        json["SecretAccessKey"] = key.secret.expose().into();
        admin_text = format!(
            "\nIAM user {} (AdministratorAccess) with access key:\n  AccessKeyId:     {}\n  SecretAccessKey: {}\nThe secret is shown this once; store it now. Use this user, not the root user, for everyday work.\n",
            user.name,
            key.key.access_key_id,
            key.secret.expose()
        );
    }
    match output {
        Output::Json => println!("{json}"),
        Output::Text => println!(
            "Created account {} for {}.{admin_text}",
            account.account_id, account.email
        ),
    }
    Ok(())
}

async fn root_create_access_key(
    keyward: &Keyward,
    email: &str,
    password: &Secret,
    csv: Option<PathBuf>,
    output: Output,
) -> Result<(), String> {
    let account = keyward
        .root_sign_in(email, password)
        .await
        .map_err(|e| e.to_string())?;
    let root = keyward.root_caller(&account.account_id);
    let key = keyward
        .create_access_key(&root, None)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!(
        "WARNING: root user access keys are not recommended. Anyone with this key has unrestricted access to the account. Prefer an IAM user with least privilege (keyward account create --admin-user, or iam create-user)."
    );
    if let Some(path) = csv {
        write_rootkey_csv(&path, &key.key.access_key_id, key.secret.expose())?;
        eprintln!(
            "Wrote {} (rootkey.csv format). Keep it safe; the secret cannot be shown again.",
            path.display()
        );
    }
    match output {
        Output::Json => println!(
            "{}",
            serde_json::json!({ "AccountId": account.account_id, "AccessKeyId": key.key.access_key_id, "SecretAccessKey": key.secret.expose() })
        ),
        Output::Text => println!(
            "AccessKeyId:     {}\nSecretAccessKey: {}\nThe secret is shown this once.",
            key.key.access_key_id,
            key.secret.expose()
        ),
    }
    Ok(())
}

/// The console's download: a header row and one data row, readable only by its owner.
fn write_rootkey_csv(path: &std::path::Path, id: &str, secret: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    write!(f, "Access key ID,Secret access key\r\n{id},{secret}\r\n")
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
