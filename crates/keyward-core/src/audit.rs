//! Audit events that go with no write of their own — STS credentials issued
//! by AssumeRole and GetSessionToken — leave the request path: they are
//! queued and written in batches, one transaction per batch, by an
//! [`AuditWriter`] running on its own task. Events of mutating calls never
//! come here: they are written in the transaction of the write they record.
//!
//! Delivery: an event is queued before the call answers and written within
//! one batch's time; [`crate::service::Keyward::close_audit_queue`] followed
//! by the end of [`AuditWriter::run`] writes everything queued (graceful
//! shutdown). A crash loses what was queued and not yet written (at most
//! [`QUEUE_CAPACITY`] events), as AWS CloudTrail delivers asynchronously
//! too. A full queue never drops an event: the call then writes its event
//! itself, as it does when no writer runs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::model::AuditEvent;
use crate::store::Store;

/// Events waiting for the writer at most; beyond, calls write their own.
pub const QUEUE_CAPACITY: usize = 4096;
/// Events written per transaction at most.
const BATCH: usize = 512;
/// How long the writer gathers events after the first of a batch. A batch
/// costs one transaction (on SQLite, one fsync) whatever its size, so under
/// load a short wait makes the per-event cost a fraction of a write; at rest
/// it delays an event's arrival in the store by this much.
const LINGER: Duration = Duration::from_millis(10);
/// A failed batch is retried after these delays (the database may be
/// restarting), then dropped with an error log.
const RETRY_DELAYS: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(500),
    Duration::from_secs(2),
    Duration::from_secs(5),
];

/// The sending side, shared by every clone of the service.
#[derive(Debug, Default)]
pub(crate) struct AuditQueue {
    sender: Mutex<Option<mpsc::Sender<AuditEvent>>>,
}

impl AuditQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<mpsc::Sender<AuditEvent>>> {
        self.sender
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens the queue; the receiver goes to the writer.
    pub(crate) fn open(&self) -> mpsc::Receiver<AuditEvent> {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        *self.lock() = Some(tx);
        rx
    }

    /// Queues `event`; gives it back when no writer runs or the queue is full.
    pub(crate) fn push(&self, event: AuditEvent) -> Option<AuditEvent> {
        match self.lock().as_ref() {
            Some(tx) => match tx.try_send(event) {
                Ok(()) => None,
                Err(mpsc::error::TrySendError::Full(e) | mpsc::error::TrySendError::Closed(e)) => {
                    Some(e)
                }
            },
            None => Some(event),
        }
    }

    /// Stops queueing: later events are written by their calls; the writer
    /// ends once it has written what is queued.
    pub(crate) fn close(&self) {
        self.lock().take();
    }
}

/// Writes queued audit events in batches. Run [`AuditWriter::run`] on its
/// own task; it returns after the queue is closed and emptied.
pub struct AuditWriter {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) rx: mpsc::Receiver<AuditEvent>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter").finish_non_exhaustive()
    }
}

impl AuditWriter {
    pub async fn run(mut self) {
        let mut batch = Vec::with_capacity(BATCH);
        while self.rx.recv_many(&mut batch, BATCH).await > 0 {
            gather(&mut self.rx, &mut batch).await;
            self.write(&batch).await;
            batch.clear();
        }
    }

    async fn write(&self, batch: &[AuditEvent]) {
        let mut delays = RETRY_DELAYS.iter();
        loop {
            match self.store.record_audits(batch).await {
                Ok(_) => return,
                Err(e) => match delays.next() {
                    Some(delay) => {
                        tracing::warn!(error = %e, events = batch.len(), "writing audit events failed; retrying");
                        tokio::time::sleep(*delay).await;
                    }
                    None => {
                        tracing::error!(error = %e, events = batch.len(), "audit events could not be written and are lost");
                        return;
                    }
                },
            }
        }
    }
}

/// Adds to `batch` what arrives within [`LINGER`], up to [`BATCH`] events;
/// a closed queue ends the wait at once.
async fn gather(rx: &mut mpsc::Receiver<AuditEvent>, batch: &mut Vec<AuditEvent>) {
    let deadline = tokio::time::Instant::now() + LINGER;
    while batch.len() < BATCH {
        let room = BATCH - batch.len();
        match tokio::time::timeout_at(deadline, rx.recv_many(batch, room)).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: usize) -> AuditEvent {
        AuditEvent {
            at: time::OffsetDateTime::UNIX_EPOCH,
            account_id: "123456789012".into(),
            actor: "arn:aws:iam::123456789012:user/u".into(),
            action: "sts:AssumeRole".into(),
            resource: format!("r{n}"),
            detail: "{}".into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_takes_what_arrives_within_the_linger_and_no_later() {
        let (tx, mut rx) = mpsc::channel(QUEUE_CAPACITY);
        let late = tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(LINGER / 2).await;
            tx.send(event(1)).await.expect("queue open");
            tokio::time::sleep(LINGER).await;
            late.send(event(2)).await.expect("queue open");
        });
        let mut batch = vec![event(0)];
        gather(&mut rx, &mut batch).await;
        let names: Vec<_> = batch.iter().map(|e| e.resource.as_str()).collect();
        assert_eq!(names, ["r0", "r1"]);
        let mut next = Vec::new();
        assert_eq!(rx.recv_many(&mut next, BATCH).await, 1);
        assert_eq!(next[0].resource, "r2");
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_batch_or_a_closed_queue_ends_the_wait() {
        let (tx, mut rx) = mpsc::channel(QUEUE_CAPACITY);
        for n in 0..BATCH + 5 {
            tx.try_send(event(n)).expect("room");
        }
        let started = tokio::time::Instant::now();
        let mut batch = Vec::new();
        rx.recv_many(&mut batch, BATCH).await;
        gather(&mut rx, &mut batch).await;
        assert_eq!(batch.len(), BATCH);
        drop(tx);
        let mut rest = Vec::new();
        rx.recv_many(&mut rest, BATCH).await;
        gather(&mut rx, &mut rest).await;
        assert_eq!(rest.len(), 5);
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "no wait on a full batch or a closed queue"
        );
    }
}
