//! Counting a run: per-worker tallies (an HDR histogram of latencies, errors
//! by code) merged into one report.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::client::Reply;
use crate::error::RequestError;

/// Latencies are recorded in microseconds, up to a minute, to three
/// significant digits.
const MAX_LATENCY_MICROS: u64 = 60_000_000;

/// What one worker saw.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    latency: Histogram<u64>,
    ok: u64,
    errors: BTreeMap<String, u64>,
    samples: BTreeMap<String, String>,
}

impl Tally {
    pub(crate) fn new() -> Self {
        Self {
            // Infallible: the bounds are constants within hdrhistogram's limits.
            latency: Histogram::new_with_bounds(1, MAX_LATENCY_MICROS, 3)
                .expect("valid histogram bounds"),
            ok: 0,
            errors: BTreeMap::new(),
            samples: BTreeMap::new(),
        }
    }

    /// Records one request: its latency and how it ended.
    pub(crate) fn record(&mut self, latency: Duration, outcome: Result<Reply, RequestError>) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency.saturating_record(micros.max(1));
        match outcome {
            Ok(reply) if reply.status == 200 => self.ok += 1,
            Ok(reply) => {
                let message = reply.element("Message").unwrap_or_default();
                self.error(reply.error_code(), message);
            }
            Err(e) => self.error(e.code().to_owned(), e.to_string()),
        }
    }

    fn error(&mut self, code: String, message: String) {
        self.samples.entry(code.clone()).or_insert(message);
        *self.errors.entry(code).or_default() += 1;
    }

    pub(crate) fn merge(&mut self, other: &Self) {
        // Infallible: both histograms have the same bounds.
        let _ = self.latency.add(&other.latency);
        self.ok += other.ok;
        for (code, n) in &other.errors {
            *self.errors.entry(code.clone()).or_default() += n;
        }
        for (code, message) in &other.samples {
            self.samples
                .entry(code.clone())
                .or_insert_with(|| message.clone());
        }
    }

    pub(crate) fn requests(&self) -> u64 {
        self.latency.len()
    }
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

/// The result of one scenario's run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub endpoint: String,
    pub concurrency: usize,
    /// The paced total rate asked for (requests per second); `None` is as fast as answered.
    pub target_rate: Option<f64>,
    /// Wall time of the measured part.
    pub seconds: f64,
    /// Requests completed (answered or failed).
    pub requests: u64,
    /// Requests answered with HTTP 200.
    pub ok: u64,
    /// Failed requests by AWS error code (`ConnectError`, `Timeout`,
    /// `TransportError` when no answer came).
    pub errors: BTreeMap<String, u64>,
    /// The first message seen for each error code.
    pub error_samples: BTreeMap<String, String>,
    /// Completed requests per second.
    pub throughput: f64,
    pub latency_ms: Latency,
    /// Set when the user, policies or role made for the scenario could not all be deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup_error: Option<String>,
}

impl Report {
    pub(crate) fn new(
        scenario: &str,
        endpoint: &str,
        concurrency: usize,
        target_rate: Option<f64>,
        elapsed: Duration,
        tally: Tally,
    ) -> Self {
        let h = &tally.latency;
        let ms = |micros: u64| micros as f64 / 1000.0;
        let seconds = elapsed.as_secs_f64();
        let requests = tally.requests();
        let empty = h.is_empty();
        Self {
            scenario: scenario.to_owned(),
            endpoint: endpoint.to_owned(),
            concurrency,
            target_rate,
            seconds,
            requests,
            ok: tally.ok,
            errors: tally.errors,
            error_samples: tally.samples,
            throughput: if seconds > 0.0 {
                requests as f64 / seconds
            } else {
                0.0
            },
            latency_ms: Latency {
                p50: ms(h.value_at_quantile(0.5)),
                p90: ms(h.value_at_quantile(0.9)),
                p99: ms(h.value_at_quantile(0.99)),
                p999: ms(h.value_at_quantile(0.999)),
                max: ms(h.max()),
                mean: if empty { 0.0 } else { h.mean() / 1000.0 },
            },
            cleanup_error: None,
        }
    }

    /// Failed requests.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pace = match self.target_rate {
            Some(r) => format!(", paced at {r:.0} req/s"),
            None => String::new(),
        };
        writeln!(
            f,
            "{} against {} (concurrency {}{pace}, {:.2} s)",
            self.scenario, self.endpoint, self.concurrency, self.seconds
        )?;
        writeln!(
            f,
            "  requests   {} ({} ok, {} errors)   throughput {:.1} req/s",
            self.requests,
            self.ok,
            self.error_count(),
            self.throughput
        )?;
        let l = &self.latency_ms;
        writeln!(
            f,
            "  latency ms p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}  mean {:.3}",
            l.p50, l.p90, l.p99, l.p999, l.max, l.mean
        )?;
        for (code, n) in &self.errors {
            let sample = self.error_samples.get(code).map_or("", String::as_str);
            writeln!(f, "  error      {code}: {n}  ({sample})")?;
        }
        if let Some(e) = &self.cleanup_error {
            writeln!(f, "  cleanup failed: {e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn reply(status: u16, body: &'static str) -> Reply {
        Reply {
            status,
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn merged_tallies_give_percentiles_and_errors_by_code() {
        let mut a = Tally::new();
        for ms in 1..=99 {
            a.record(Duration::from_millis(ms), Ok(reply(200, "<ok/>")));
        }
        let mut b = Tally::new();
        b.record(
            Duration::from_millis(1000),
            Ok(reply(
                403,
                "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>",
            )),
        );
        a.merge(&b);
        let r = Report::new("x", "http://h:1/", 2, None, Duration::from_secs(2), a);
        assert_eq!((r.requests, r.ok, r.error_count()), (100, 99, 1));
        assert_eq!(r.errors.get("AccessDenied"), Some(&1));
        assert_eq!(
            r.error_samples.get("AccessDenied").map(String::as_str),
            Some("no")
        );
        assert!((r.throughput - 50.0).abs() < 1e-9);
        assert!((r.latency_ms.p50 - 50.0).abs() < 0.1, "{:?}", r.latency_ms);
        assert!((r.latency_ms.p99 - 99.0).abs() < 0.1, "{:?}", r.latency_ms);
        assert!(
            (r.latency_ms.max - 1000.0).abs() < 1.0,
            "{:?}",
            r.latency_ms
        );
        let text = r.to_string();
        assert!(text.contains("100 (99 ok, 1 errors)"), "{text}");
        let json: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(json["errors"]["AccessDenied"], 1);
        assert!(json.get("cleanup_error").is_none());
    }

    #[test]
    fn an_empty_run_reports_zeros() {
        let r = Report::new("x", "e", 1, Some(10.0), Duration::ZERO, Tally::new());
        assert_eq!((r.requests, r.throughput, r.latency_ms.mean), (0, 0.0, 0.0));
    }
}
