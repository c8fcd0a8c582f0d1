//! A log writer that batches lines in memory and writes them out every 50 ms, or as soon as
//! 256 KiB have piled up. Written here because tracing-appender's non-blocking writer sends
//! every line through a channel and wakes its worker thread for it: on a busy service the
//! wake-ups cost more CPU than formatting the line. Here a line costs a lock and a copy, and
//! the flushing thread is woken at most once per 256 KiB. Nothing is dropped: when the output
//! is slower than the logging, the logging thread that finds 1 MiB pending writes the batch
//! itself.
//!
//! The batch holds frames: lines already formatted, and access records that are formatted
//! only when the batch is written out (see [`super::access`]). Formatting thousands of
//! records in one loop keeps its code and data in the cache, where formatting each one
//! between two requests pays for fetching them again every time; it also takes the
//! formatting off the request's path. Frames keep the order they were logged in.

use parking_lot::Mutex;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::Thread;
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;

const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Pending bytes at which the flushing thread is woken before its tick.
const HIGH_WATER: usize = 256 * 1024;
/// Pending bytes at which a logging thread writes the batch out itself.
const HARD_LIMIT: usize = 4 * HIGH_WATER;

/// A frame is its kind, its payload's length (`u32`, little-endian) and the payload.
const FRAME_HEAD: usize = 5;
/// A payload written out as it is.
const TEXT: u8 = 0;
/// A payload rendered by `access::render` (only the REST server writes them).
#[cfg_attr(not(feature = "rest"), allow(dead_code))]
pub(super) const ACCESS: u8 = 1;

type Output = Box<dyn Write + Send>;

#[derive(Clone)]
pub(crate) struct BatchWriter {
    shared: Arc<Shared>,
}

struct Shared {
    pending: Mutex<Vec<u8>>,
    output: Mutex<Drained>,
    flusher: OnceLock<Thread>,
    /// Set when a logger has woken the flusher and it has not drained since.
    woken: AtomicBool,
}

/// The output, and two buffers that live as long as it so that draining allocates nothing
/// in steady state: `spare` changes places with the pending frames on each drain, `lines`
/// receives them rendered.
struct Drained {
    output: Output,
    spare: Vec<u8>,
    lines: Vec<u8>,
}

impl Shared {
    fn new(output: Output) -> Arc<Self> {
        Arc::new(Shared {
            pending: Mutex::new(Vec::with_capacity(64 * 1024)),
            output: Mutex::new(Drained {
                output,
                spare: Vec::with_capacity(64 * 1024),
                lines: Vec::with_capacity(64 * 1024),
            }),
            flusher: OnceLock::new(),
            woken: AtomicBool::new(false),
        })
    }

    /// Takes what is pending and writes it out. The output lock is taken before the pending
    /// lock is released, so batches reach the output in the order they were formed.
    fn drain(&self) -> io::Result<()> {
        let mut guard = self.output.lock();
        let Drained {
            output,
            spare,
            lines,
        } = &mut *guard;
        {
            let mut pending = self.pending.lock();
            if pending.is_empty() {
                return output.flush();
            }
            std::mem::swap(&mut *pending, spare);
        }
        render(spare, lines);
        spare.clear();
        let written = output.write_all(lines).and_then(|()| output.flush());
        lines.clear();
        written
    }

    fn push(&self, kind: u8, parts: &[&[u8]]) -> io::Result<()> {
        let len: usize = parts.iter().map(|part| part.len()).sum();
        let len32 = u32::try_from(len).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "a log line of 4 GiB or more")
        })?;
        let pending_len = {
            let mut pending = self.pending.lock();
            pending.reserve(FRAME_HEAD + len);
            pending.push(kind);
            pending.extend_from_slice(&len32.to_le_bytes());
            for part in parts {
                pending.extend_from_slice(part);
            }
            pending.len()
        };
        if pending_len >= HARD_LIMIT {
            self.drain()?;
        } else if pending_len >= HIGH_WATER
            && !self.woken.swap(true, Ordering::Relaxed)
            && let Some(flusher) = self.flusher.get()
        {
            flusher.unpark();
        }
        Ok(())
    }
}

/// Renders the frames of `batch` into `lines`, in order.
fn render(batch: &[u8], lines: &mut Vec<u8>) {
    // Read once per batch, and only for a batch with access records.
    #[cfg(feature = "rest")]
    let mut clock = None;
    let mut rest = batch;
    while let Some((head, tail)) = rest.split_first_chunk::<FRAME_HEAD>() {
        let [kind, len @ ..] = *head;
        let len = usize::try_from(u32::from_le_bytes(len)).unwrap_or(usize::MAX);
        let Some((payload, tail)) = tail.split_at_checked(len) else {
            // Frames are only written whole, under the lock; a torn one cannot happen.
            break;
        };
        match kind {
            #[cfg(feature = "rest")]
            ACCESS => super::access::render(
                payload,
                clock.get_or_insert_with(super::access::Clock::now),
                lines,
            ),
            _ => lines.extend_from_slice(payload),
        }
        rest = tail;
    }
}

impl BatchWriter {
    /// Starts the flushing thread for `output`.
    pub(crate) fn start(output: Output) -> io::Result<Self> {
        let shared = Shared::new(output);
        let background = shared.clone();
        let flusher = std::thread::Builder::new()
            .name("rzero-log".into())
            .spawn(move || {
                loop {
                    // Woken early by a logger past the high-water mark (or spuriously,
                    // which only drains sooner).
                    std::thread::park_timeout(FLUSH_EVERY);
                    background.woken.store(false, Ordering::Relaxed);
                    if let Err(err) = background.drain() {
                        eprintln!("rzero: cannot write log lines: {err}");
                    }
                }
            })?;
        let _ = shared.flusher.set(flusher.thread().clone());
        Ok(Self { shared })
    }

    /// Writes out everything logged so far.
    pub(crate) fn flush(&self) {
        if let Err(err) = self.shared.drain() {
            eprintln!("rzero: cannot write log lines: {err}");
        }
    }

    /// Adds one frame of `kind` whose payload is `parts` one after the other.
    #[cfg_attr(not(feature = "rest"), allow(dead_code))]
    pub(super) fn push(&self, kind: u8, parts: &[&[u8]]) {
        if let Err(err) = self.shared.push(kind, parts) {
            eprintln!("rzero: cannot write log lines: {err}");
        }
    }
}

/// What the formatter writes one line into.
pub(crate) struct Line<'a> {
    shared: &'a Shared,
}

impl Write for Line<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.shared.push(TEXT, &[buf])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Line {
            shared: &self.shared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_arrive_in_order_after_a_flush_or_a_tick() {
        let sink = Sink::default();
        let writer = BatchWriter::start(Box::new(sink.clone())).unwrap();
        for i in 0..1000 {
            writeln!(writer.make_writer(), "line {i}").unwrap();
        }
        writer.flush();
        let text = String::from_utf8(sink.0.lock().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1000);
        assert_eq!(lines[999], "line 999");
        writeln!(writer.make_writer(), "late").unwrap();
        std::thread::sleep(FLUSH_EVERY * 4);
        assert!(
            String::from_utf8(sink.0.lock().clone())
                .unwrap()
                .ends_with("late\n")
        );
    }

    /// Writes `count` lines of 1023 bytes and a newline, each one frame of 1029 bytes.
    fn burst(shared: &Shared, count: usize) {
        let line = vec![b'x'; 1023];
        for _ in 0..count {
            shared.push(TEXT, &[&line, b"\n"]).unwrap();
        }
    }

    #[test]
    fn past_the_high_water_mark_the_flusher_is_woken_and_past_the_limit_the_logger_writes() {
        let sink = Sink::default();
        // No flushing thread: this one stands in for it, and nothing drains behind the test.
        let shared = Shared::new(Box::new(sink.clone()));
        let _ = shared.flusher.set(std::thread::current());
        burst(&shared, 200);
        assert!(!shared.woken.load(Ordering::Relaxed));
        burst(&shared, 100);
        // 300 KiB: woken once, and the wake-up is waiting for the flusher.
        assert!(shared.woken.load(Ordering::Relaxed));
        let parked = std::time::Instant::now();
        std::thread::park_timeout(Duration::from_secs(30));
        assert!(parked.elapsed() < Duration::from_secs(10));
        assert!(sink.0.lock().is_empty());
        // 1019 frames are just under 1 MiB; the logger of the 1020th writes everything out.
        burst(&shared, 719);
        assert!(sink.0.lock().is_empty());
        burst(&shared, 1);
        let text = sink.0.lock().clone();
        assert_eq!(text.len(), 1020 * 1024);
        assert!(
            text.chunks(1024)
                .all(|l| l[..1023].iter().all(|&b| b == b'x') && l[1023] == b'\n')
        );
        assert!(shared.pending.lock().is_empty());
    }
}
