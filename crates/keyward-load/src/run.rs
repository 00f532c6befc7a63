//! Driving a run: set up the scenario, spawn the workers, merge their tallies.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use keyward_sigv4::{Credentials, Signer};
use tokio::time::Instant;

use crate::client::Client;
use crate::error::LoadError;
use crate::report::{Report, Tally};
use crate::scenario::{self, Scenario, Workload};

/// The most workers a run takes: each keeps its own latency histogram
/// (about 140 KiB), merged at the end.
pub const MAX_CONCURRENCY: usize = 1024;

/// When a run stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// After this long (requests in flight then still complete and count).
    Duration(Duration),
    /// After this many requests in all.
    Requests(u64),
}

/// One scenario's run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scenario: Scenario,
    /// Workers, each with one request in flight at a time.
    pub concurrency: usize,
    pub limit: Limit,
    /// Pace the workers to this many requests per second in all; `None`
    /// sends each next request as soon as the previous one is answered.
    pub rate: Option<f64>,
    /// Run this long first without recording (connections, caches).
    pub warmup: Duration,
}

/// Runs `plan` against the client's endpoint. `credentials` sign the
/// scenarios that act as the caller and create the user, policies and role
/// of the others (they need IAM administrator rights there).
pub async fn run(
    client: &Client,
    credentials: &Credentials,
    plan: &Plan,
) -> Result<Report, LoadError> {
    if !(1..=MAX_CONCURRENCY).contains(&plan.concurrency) {
        return Err(LoadError::Config(format!(
            "the concurrency must be between 1 and {MAX_CONCURRENCY}"
        )));
    }
    if plan.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        return Err(LoadError::Config("the rate must be above 0".into()));
    }
    let (workload, fixture) = scenario::prepare(client, credentials, plan.scenario).await?;
    let workload = Arc::new(workload);
    if !plan.warmup.is_zero() {
        drive(client, &workload, plan, Limit::Duration(plan.warmup)).await;
    }
    let (tally, elapsed) = drive(client, &workload, plan, plan.limit).await;
    let mut report = Report::new(
        plan.scenario.name(),
        client.endpoint(),
        plan.concurrency,
        plan.rate,
        elapsed,
        tally,
    );
    report.cleanup_error = fixture
        .remove(client, credentials)
        .await
        .err()
        .map(|e| e.to_string());
    Ok(report)
}

/// How the workers share the limit and the pace.
struct Shared {
    start: Instant,
    deadline: Option<Instant>,
    /// Requests still to send, under [`Limit::Requests`].
    budget: Option<AtomicU64>,
    /// Each worker's time between two sends when paced.
    interval: Option<Duration>,
}

async fn drive(
    client: &Client,
    workload: &Arc<Workload>,
    plan: &Plan,
    limit: Limit,
) -> (Tally, Duration) {
    let start = Instant::now();
    let shared = Arc::new(Shared {
        start,
        deadline: match limit {
            Limit::Duration(d) => Some(start + d),
            Limit::Requests(_) => None,
        },
        budget: match limit {
            Limit::Requests(n) => Some(AtomicU64::new(n)),
            Limit::Duration(_) => None,
        },
        interval: plan
            .rate
            .map(|r| Duration::from_secs_f64(plan.concurrency as f64 / r)),
    });
    let workers: Vec<_> = (0..plan.concurrency)
        .map(|i| {
            let offset = shared.interval.map_or(Duration::ZERO, |iv| {
                iv.mul_f64(i as f64 / plan.concurrency as f64)
            });
            tokio::spawn(worker(
                client.clone(),
                Arc::clone(workload),
                Arc::clone(&shared),
                offset,
            ))
        })
        .collect();
    let mut total = Tally::new();
    for w in workers {
        // A worker cannot panic short of a bug; its requests are then lost, not the run.
        if let Ok(tally) = w.await {
            total.merge(&tally);
        }
    }
    (total, start.elapsed())
}

async fn worker(
    client: Client,
    workload: Arc<Workload>,
    shared: Arc<Shared>,
    offset: Duration,
) -> Tally {
    let mut tally = Tally::new();
    let mut connection = client.connection();
    let mut signer = Signer::new(
        workload.credentials.clone(),
        client.region(),
        workload.service,
    );
    let mut next = shared.start + offset;
    let past_deadline = || shared.deadline.is_some_and(|d| Instant::now() >= d);
    loop {
        if let Some(interval) = shared.interval {
            tokio::time::sleep_until(next).await;
            next += interval;
        }
        if past_deadline() {
            break;
        }
        if let Some(budget) = &shared.budget
            && budget
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_err()
        {
            break;
        }
        let sent = Instant::now();
        let outcome = connection.send(&mut signer, &workload.body).await;
        tally.record(sent.elapsed(), outcome);
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(concurrency: usize, rate: Option<f64>) -> Plan {
        Plan {
            scenario: Scenario::GetCallerIdentity,
            concurrency,
            limit: Limit::Requests(1),
            rate,
            warmup: Duration::ZERO,
        }
    }

    #[tokio::test]
    async fn bad_plans_are_refused_before_any_request() {
        // Nothing listens on port 9 of this endpoint; a refused plan never tries.
        let client = Client::new("http://127.0.0.1:9", "us-east-1", 1, false).unwrap();
        let creds = Credentials::new("AKIDEXAMPLE", "secret");
        for bad in [
            plan(0, None),
            plan(MAX_CONCURRENCY + 1, None),
            plan(1, Some(0.0)),
            plan(1, Some(f64::NAN)),
        ] {
            assert!(
                matches!(run(&client, &creds, &bad).await, Err(LoadError::Config(_))),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn requests_that_get_no_answer_are_counted_as_connect_errors() {
        let client = Client::new(
            &crate::test_support::refused_endpoint(),
            "us-east-1",
            2,
            false,
        )
        .unwrap();
        let creds = Credentials::new("AKIDEXAMPLE", "secret");
        let mut p = plan(2, None);
        p.limit = Limit::Requests(5);
        let report = run(&client, &creds, &p).await.unwrap();
        assert_eq!((report.requests, report.ok), (5, 0));
        assert_eq!(
            report.errors.get("ConnectError"),
            Some(&5),
            "{:?}",
            report.errors
        );
    }
}
