//! `keyward bench`: drive an IAM/STS endpoint with signed requests and report
//! throughput and latency (the engine is the `keyward-load` crate).

use std::time::Duration;

use clap::{Args, ValueEnum};
use keyward_load::{Client, Credentials, Limit, Plan, Report, Scenario};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The endpoint to load: keyward, AWS, or an emulator.
    #[arg(
        long,
        env = "AWS_ENDPOINT_URL",
        default_value = "http://127.0.0.1:4566"
    )]
    endpoint: String,
    /// What to send: get-caller-identity, list-users, authorized-action,
    /// assume-role, or all; repeatable or comma-separated.
    #[arg(long = "scenario", value_delimiter = ',', default_value = "all")]
    scenarios: Vec<String>,
    /// Workers, each with one request in flight (and one keep-alive connection); 1 to 1024.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// How long each scenario runs (`10`, `10s`, `500ms`, `2m`); the default without --requests is 10s.
    #[arg(long, value_parser = parse_duration, conflicts_with = "requests")]
    duration: Option<Duration>,
    /// Worker threads of the client's async runtime. The default, 1, runs
    /// every worker on one thread, which costs the least CPU per request (no
    /// wake-ups across threads) and leaves the other cores to a local server;
    /// more when one core cannot keep up with the endpoint.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: u16,
    /// Stop each scenario after this many requests instead.
    #[arg(long)]
    requests: Option<u64>,
    /// Pace to this many requests per second in all (default: as fast as answered).
    #[arg(long)]
    rate: Option<f64>,
    /// Unrecorded run before each scenario's measurement.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    warmup: Duration,
    /// Access key id; the authorized-action and assume-role scenarios use it
    /// to create (and afterwards delete) a user with ten policies and a role.
    #[arg(long, env = "AWS_ACCESS_KEY_ID")]
    access_key_id: String,
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    secret_access_key: String,
    #[arg(long, env = "AWS_SESSION_TOKEN", hide_env_values = true)]
    session_token: Option<String>,
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
    /// Accept any TLS certificate (self-signed test servers).
    #[arg(long)]
    insecure: bool,
    #[arg(long, value_enum, default_value = "text")]
    output: BenchOutput,
}

impl BenchArgs {
    /// The worker threads its runtime is to have, set before it starts.
    pub fn threads(&self) -> usize {
        usize::from(self.threads)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BenchOutput {
    Text,
    Json,
}

pub async fn run(args: BenchArgs) -> Result<(), String> {
    let scenarios = scenarios(&args.scenarios)?;
    let client = Client::new(
        &args.endpoint,
        &args.region,
        args.concurrency,
        args.insecure,
    )
    .map_err(|e| e.to_string())?;
    let mut credentials = Credentials::new(&args.access_key_id, &args.secret_access_key);
    if let Some(token) = &args.session_token {
        credentials = credentials.with_session_token(token);
    }
    let limit = match (args.requests, args.duration) {
        (Some(n), _) => Limit::Requests(n),
        (None, d) => Limit::Duration(d.unwrap_or(Duration::from_secs(10))),
    };
    let mut reports: Vec<Report> = Vec::new();
    for scenario in scenarios {
        let plan = Plan {
            scenario,
            concurrency: args.concurrency,
            limit,
            rate: args.rate,
            warmup: args.warmup,
        };
        let report = keyward_load::run(&client, &credentials, &plan)
            .await
            .map_err(|e| format!("{scenario}: {e}"))?;
        if args.output == BenchOutput::Text {
            emit(&report.to_string())?;
        }
        reports.push(report);
    }
    if args.output == BenchOutput::Json {
        emit(&serde_json::json!({ "endpoint": args.endpoint, "reports": reports }).to_string())?;
    }
    Ok(())
}

/// Writes a report to standard output; a closed pipe (`| head`) ends the
/// run with an error message instead of the panic of `println!`.
fn emit(text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write the report: {e}"))
}

fn scenarios(names: &[String]) -> Result<Vec<Scenario>, String> {
    let mut out = Vec::new();
    for name in names {
        let more: Vec<Scenario> = if name == "all" {
            Scenario::ALL.to_vec()
        } else {
            vec![name.parse()?]
        };
        for s in more {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    Ok(out)
}

/// `10`, `10s`, `1.5s`, `500ms`, `2m`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let (number, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a duration such as 10s, 500ms or 2m"))?;
    let secs = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("'{s}': the unit must be ms, s or m")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("'{s}' is not a usable duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_usual_units() {
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn all_expands_and_repeats_are_dropped() {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(scenarios(&names(&["all"])).unwrap(), Scenario::ALL.to_vec());
        assert_eq!(
            scenarios(&names(&["list-users", "all"])).unwrap()[0],
            Scenario::ListUsers
        );
        assert!(scenarios(&names(&["nope"])).is_err());
    }
}
