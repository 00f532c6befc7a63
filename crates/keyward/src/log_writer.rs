//! The server's log output: lines are appended to a buffer in memory and a
//! writer thread writes the buffer every [`FLUSH_INTERVAL`] (sooner once it
//! holds [`NUDGE_BYTES`]).
//!
//! A thread woken for every line (a channel to a writer thread) cost the
//! request path a futex wake-up and a context switch per line, several µs
//! per request under load; here a line costs a lock and a copy. Nothing is
//! dropped: when the buffer reaches [`MAX_BUFFERED`] the line's own thread
//! writes the buffer out itself before going on. Lines reach the output in
//! the order they were appended.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a line waits in memory at most (unless the process is killed).
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);
/// A buffer this full wakes the writer thread before its time.
const NUDGE_BYTES: usize = 64 * 1024;
/// A buffer this full is written by the thread that adds a line to it.
const MAX_BUFFERED: usize = 4 * 1024 * 1024;

struct Shared<W> {
    pending: Mutex<Pending>,
    wake: Condvar,
    /// Held while writing, taken before `pending`'s bytes are taken out, so
    /// that writes leave in the order their lines came.
    out: Mutex<W>,
}

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    closed: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<W: Write> Shared<W> {
    /// Writes out everything appended so far.
    fn flush(&self) {
        let mut out = lock(&self.out);
        let bytes = std::mem::take(&mut lock(&self.pending).bytes);
        if bytes.is_empty() {
            return;
        }
        // Logging has nowhere to report its own failure; the server goes on.
        let _ = out.write_all(&bytes).and_then(|()| out.flush());
    }
}

/// The `MakeWriter` handed to tracing: cheap to clone, one per process.
pub struct BatchedLog<W> {
    shared: Arc<Shared<W>>,
}

impl<W> Clone for BatchedLog<W> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

/// Stops the writer thread and writes what is left when dropped: keep it
/// until the server ends.
pub struct FlushGuard<W: Write + Send + 'static> {
    shared: Arc<Shared<W>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<W: Write + Send + 'static> BatchedLog<W> {
    /// A log writing to `out` from a thread named `keyward-log`.
    pub fn new(out: W) -> std::io::Result<(Self, FlushGuard<W>)> {
        Self::with_interval(out, FLUSH_INTERVAL)
    }

    fn with_interval(out: W, interval: Duration) -> std::io::Result<(Self, FlushGuard<W>)> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            out: Mutex::new(out),
        });
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("keyward-log".into())
            .spawn(move || run(&worker, interval))?;
        Ok((
            Self {
                shared: Arc::clone(&shared),
            },
            FlushGuard {
                shared,
                thread: Some(thread),
            },
        ))
    }

    fn append(&self, line: &[u8]) {
        let mut pending = lock(&self.shared.pending);
        pending.bytes.extend_from_slice(line);
        let size = pending.bytes.len();
        drop(pending);
        if size >= MAX_BUFFERED {
            self.shared.flush();
        } else if size >= NUDGE_BYTES && size - line.len() < NUDGE_BYTES {
            self.shared.wake.notify_one();
        }
    }
}

fn run<W: Write>(shared: &Shared<W>, interval: Duration) {
    loop {
        let pending = lock(&shared.pending);
        let (pending, _) = shared
            .wake
            .wait_timeout_while(pending, interval, |p| {
                !p.closed && p.bytes.len() < NUDGE_BYTES
            })
            .unwrap_or_else(PoisonError::into_inner);
        let closed = pending.closed;
        drop(pending);
        shared.flush();
        if closed {
            return;
        }
    }
}

impl<W: Write + Send + 'static> Drop for FlushGuard<W> {
    fn drop(&mut self) {
        lock(&self.shared.pending).closed = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.shared.flush();
    }
}

/// One event's writer: tracing formats a whole line, then writes it once.
pub struct LineWriter<'a, W> {
    log: &'a BatchedLog<W>,
}

impl<W: Write + Send + 'static> Write for LineWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.log.append(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a, W: Write + Send + 'static> tracing_subscriber::fmt::MakeWriter<'a> for BatchedLog<W> {
    type Writer = LineWriter<'a, W>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { log: self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output the test can read back.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8(lock(&self.0).clone()).expect("utf-8")
        }
    }

    fn write_line(log: &BatchedLog<Sink>, line: &str) {
        use tracing_subscriber::fmt::MakeWriter as _;
        log.make_writer()
            .write_all(line.as_bytes())
            .expect("infallible");
    }

    #[test]
    fn lines_wait_in_memory_and_the_guard_writes_them_in_order() {
        let sink = Sink::default();
        let (log, guard) =
            BatchedLog::with_interval(sink.clone(), Duration::from_secs(3600)).expect("thread");
        for n in 0..100 {
            write_line(&log, &format!("line {n}\n"));
        }
        assert_eq!(sink.text(), "", "nothing is written before the interval");
        drop(guard);
        let expected: String = (0..100).map(|n| format!("line {n}\n")).collect();
        assert_eq!(sink.text(), expected);
    }

    #[test]
    fn the_writer_thread_writes_after_the_interval() {
        let sink = Sink::default();
        let (log, _guard) =
            BatchedLog::with_interval(sink.clone(), Duration::from_millis(5)).expect("thread");
        write_line(&log, "hello\n");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while sink.text().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(sink.text(), "hello\n");
    }

    #[test]
    fn lines_from_many_threads_arrive_whole_and_complete_past_the_buffers_limit() {
        let sink = Sink::default();
        let (log, guard) =
            BatchedLog::with_interval(sink.clone(), Duration::from_secs(3600)).expect("thread");
        let line = format!("{}\n", "x".repeat(1023));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (log, line) = (log.clone(), line.clone());
                std::thread::spawn(move || {
                    for _ in 0..2048 {
                        write_line(&log, &line);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("writer");
        }
        assert!(
            lock(&sink.0).len() >= 4 * 2048 * 1024 - MAX_BUFFERED,
            "no more than the buffer's limit waits in memory"
        );
        drop(guard);
        let text = sink.text();
        assert_eq!(text.len(), 4 * 2048 * 1024);
        assert!(text.lines().all(|l| l.len() == 1023), "lines stay whole");
    }
}
