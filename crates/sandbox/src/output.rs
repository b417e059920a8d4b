//! Guest stdout, stderr and `log` records, turned into the host's log lines
//! prefixed by the activity's name, within a per-call byte budget. Guests
//! never see the host's own stdio.
//!
//! Every line keeps the prefix: a record or a write with several lines
//! becomes one host log line per line, so a guest cannot forge a host log
//! line of its own (the CLI's formatter escapes the control characters).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// The level of a log record a guest sends through its world's log import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Trace.
    Trace,
    /// Debug.
    Debug,
    /// Info.
    Info,
    /// Warning.
    Warn,
    /// Error.
    Error,
}

/// Which guest stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Guest stdout, logged at info level.
    Stdout,
    /// Guest stderr, logged at warning level.
    Stderr,
}

/// The log of one activity call; cloneable handle to shared state.
#[derive(Clone)]
pub struct GuestLog {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    activity: String,
    remaining: usize,
    truncated: bool,
    partial: [Vec<u8>; 2],
}

impl GuestLog {
    /// A log for `activity` keeping at most `budget` bytes.
    pub fn new(activity: &str, budget: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                activity: activity.to_string(),
                remaining: budget,
                truncated: false,
                partial: [Vec::new(), Vec::new()],
            })),
        }
    }

    /// Records one `log` call from the guest: one host log line per line
    /// of `message`, each prefixed by the activity's name.
    pub fn record(&self, level: LogLevel, message: &str) {
        let mut inner = self.inner.lock().unwrap();
        if let Some(message) = inner.charge(message.as_bytes()) {
            let message = String::from_utf8_lossy(&message);
            let activity = &inner.activity;
            for line in lines(&message) {
                match level {
                    LogLevel::Trace => tracing::trace!("[{activity}] {line}"),
                    LogLevel::Debug => tracing::debug!("[{activity}] {line}"),
                    LogLevel::Info => tracing::info!("[{activity}] {line}"),
                    LogLevel::Warn => tracing::warn!("[{activity}] {line}"),
                    LogLevel::Error => tracing::error!("[{activity}] {line}"),
                }
            }
        }
    }

    /// A WASI output stream feeding this log.
    pub fn stream(&self, which: Stream) -> GuestStream {
        GuestStream { log: self.clone(), which }
    }

    /// Emits lines still waiting for their newline.
    pub fn flush(&self) {
        let mut inner = self.inner.lock().unwrap();
        for which in [Stream::Stdout, Stream::Stderr] {
            let rest = std::mem::take(&mut inner.partial[which as usize]);
            if !rest.is_empty() {
                inner.emit(which, &rest);
            }
        }
    }

    fn write(&self, which: Stream, bytes: &[u8]) {
        let mut inner = self.inner.lock().unwrap();
        let Some(bytes) = inner.charge(bytes) else { return };
        let mut pending = std::mem::take(&mut inner.partial[which as usize]);
        pending.extend_from_slice(&bytes);
        let mut start = 0;
        while let Some(pos) = pending[start..].iter().position(|&b| b == b'\n') {
            inner.emit(which, &pending[start..start + pos]);
            start += pos + 1;
        }
        inner.partial[which as usize] = pending[start..].to_vec();
    }
}

impl Inner {
    /// Takes what fits in the budget; says once when output is dropped.
    fn charge(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        if self.remaining == 0 {
            if !self.truncated && !bytes.is_empty() {
                self.truncated = true;
                tracing::warn!("[{}] output truncated: the activity's log limit is reached", self.activity);
            }
            return None;
        }
        let n = bytes.len().min(self.remaining);
        self.remaining -= n;
        Some(bytes[..n].to_vec())
    }

    fn emit(&self, which: Stream, line: &[u8]) {
        let line = String::from_utf8_lossy(line);
        for line in lines(&line) {
            match which {
                Stream::Stdout => tracing::info!("[{}] {line}", self.activity),
                Stream::Stderr => tracing::warn!("[{}] {line}", self.activity),
            }
        }
    }
}

/// A guest's error message within `limit` bytes: a longer one is cut (at a
/// character boundary) and says how much was left out, so an activity
/// cannot pass more text through its error than through its output.
pub(crate) fn bounded(mut message: String, limit: usize) -> String {
    if message.len() <= limit {
        return message;
    }
    let size = message.len();
    message.truncate(message.floor_char_boundary(limit));
    message.push_str(&format!(
        "... (truncated: the message was {size} bytes, over the activity's output limit of {limit} bytes)"
    ));
    message
}

/// The lines of a guest's text worth logging: split on `\n`, without a
/// trailing `\r`, blank lines left out.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|line| line.trim_end_matches('\r')).filter(|line| !line.trim().is_empty())
}

/// A guest's stdout or stderr.
pub struct GuestStream {
    log: GuestLog,
    which: Stream,
}

impl IsTerminal for GuestStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestStream {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(GuestWriter { log: self.log.clone(), which: self.which })
    }
}

struct GuestWriter {
    log: GuestLog,
    which: Stream,
}

impl AsyncWrite for GuestWriter {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.log.write(self.which, buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::{bounded, lines};

    #[test]
    fn a_record_with_line_breaks_is_split_into_lines() {
        let text = "first\r\n[2026-01-01 00:00:00 INFO] forged\n\n  \nlast";
        assert_eq!(lines(text).collect::<Vec<_>>(), ["first", "[2026-01-01 00:00:00 INFO] forged", "last"]);
    }

    #[test]
    fn a_message_within_the_limit_is_kept_whole() {
        assert_eq!(bounded("broken".into(), 6), "broken");
    }

    #[test]
    fn a_message_over_the_limit_is_cut_and_says_so() {
        assert_eq!(
            bounded("ééé".into(), 3),
            "é... (truncated: the message was 6 bytes, over the activity's output limit of 3 bytes)"
        );
    }
}
