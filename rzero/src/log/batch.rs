//! A log writer that batches lines in memory and writes them out every 50 ms (or sooner when
//! 256 KiB have piled up). Written here because tracing-appender's non-blocking writer sends
//! every line through a channel and wakes its worker thread for it: on a busy service the
//! wake-ups cost more CPU than formatting the line. Here a line costs a lock and a copy.
//! Nothing is dropped: when the output is slower than the logging, the logging thread that
//! crosses the high-water mark writes the batch itself.

use parking_lot::Mutex;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;

const FLUSH_EVERY: Duration = Duration::from_millis(50);
const HIGH_WATER: usize = 256 * 1024;

type Output = Box<dyn Write + Send>;

#[derive(Clone)]
pub(crate) struct BatchWriter {
    shared: Arc<Shared>,
}

struct Shared {
    pending: Mutex<Vec<u8>>,
    /// The output and a spare buffer that changes places with `pending` on each drain, so
    /// neither side allocates in steady state.
    output: Mutex<(Output, Vec<u8>)>,
}

impl Shared {
    /// Takes what is pending and writes it out. The output lock is taken before the pending
    /// lock is released, so batches reach the output in the order they were formed.
    fn drain(&self) -> io::Result<()> {
        let mut guard = self.output.lock();
        let (output, spare) = &mut *guard;
        {
            let mut pending = self.pending.lock();
            if pending.is_empty() {
                return output.flush();
            }
            std::mem::swap(&mut *pending, spare);
        }
        let written = output.write_all(spare).and_then(|()| output.flush());
        spare.clear();
        written
    }
}

impl BatchWriter {
    /// Starts the flushing thread for `output`.
    pub(crate) fn start(output: Output) -> io::Result<Self> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Vec::with_capacity(64 * 1024)),
            output: Mutex::new((output, Vec::with_capacity(64 * 1024))),
        });
        let background = shared.clone();
        std::thread::Builder::new()
            .name("rzero-log".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(FLUSH_EVERY);
                    if let Err(err) = background.drain() {
                        eprintln!("rzero: cannot write log lines: {err}");
                    }
                }
            })?;
        Ok(Self { shared })
    }

    /// Writes out everything logged so far.
    pub(crate) fn flush(&self) {
        if let Err(err) = self.shared.drain() {
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
        let full = {
            let mut pending = self.shared.pending.lock();
            pending.extend_from_slice(buf);
            pending.len() >= HIGH_WATER
        };
        if full {
            self.shared.drain()?;
        }
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

    #[test]
    fn a_burst_past_the_high_water_mark_is_written_by_the_logger() {
        let sink = Sink::default();
        let writer = BatchWriter::start(Box::new(sink.clone())).unwrap();
        let line = vec![b'x'; 1023];
        for _ in 0..300 {
            let mut l = writer.make_writer();
            l.write_all(&line).unwrap();
            l.write_all(b"\n").unwrap();
        }
        // 300 KiB crossed 256 KiB once, without waiting for the tick.
        assert!(sink.0.lock().len() >= HIGH_WATER);
    }
}
