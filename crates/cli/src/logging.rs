//! Log lines on stderr in Chaos Toolkit's console format
//! (`[2026-11-24 15:36:24 INFO] message`) or as JSON lines, optionally also
//! written to a file at debug level, with secret values masked.
//!
//! Messages carry strings from the experiment (names, titles, values, guest
//! output), which may come from a stranger: in the console format every
//! control character but the line break is escaped (`\x1b`, `\r`), and a
//! line break inside a message starts a continuation line indented by two
//! spaces, so no message can move the cursor, recolour the terminal or
//! forge a log line of its own. JSON lines escape them by construction.

use crate::args::LogFormat;
use crate::resolve::UsageError;
use std::fmt;
use std::path::Path;
use std::sync::{Mutex, RwLock};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, filter::LevelFilter};

/// Secret values to mask in every log line.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Masks these values (`***`) in every following log line.
pub fn mask(secrets: Vec<String>) {
    *SECRETS.write().unwrap() = secrets;
}

struct LineFormat(LogFormat);

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let level = match *event.metadata().level() {
            Level::ERROR => "ERROR",
            Level::WARN => "WARNING",
            Level::INFO => "INFO",
            Level::DEBUG => "DEBUG",
            Level::TRACE => "TRACE",
        };
        let mut message = String::new();
        ctx.field_format().format_fields(Writer::new(&mut message), event)?;
        let message = chaos_core::secrets::mask_str(&message, &SECRETS.read().unwrap());
        let now = chrono::Local::now();
        match self.0 {
            LogFormat::String => {
                writeln!(writer, "[{} {level}] {}", now.format("%Y-%m-%d %H:%M:%S"), displayable(&message))
            }
            LogFormat::Json => {
                let line = serde_json::json!({
                    "time": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, false),
                    "level": level,
                    "message": message,
                });
                writeln!(writer, "{line}")
            }
        }
    }
}

/// `message` made safe for a terminal: control characters other than `\n`
/// escaped as `\xNN` (`\r` and `\t` by name), and every line after the
/// first indented by two spaces unless it already starts with one.
fn displayable(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (i, line) in message.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.starts_with(' ') {
                out.push_str("  ");
            }
        }
        for c in line.chars() {
            match c {
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
                c => out.push(c),
            }
        }
    }
    out
}

/// Opens `path` for appending, refusing a symbolic link (one a guest of an
/// earlier run could have planted to make the host append elsewhere).
fn open_log_file(path: &Path) -> Result<std::fs::File, UsageError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().create(true).append(true).custom_flags(libc::O_NOFOLLOW).open(path).map_err(|source| {
        match source.raw_os_error() {
            Some(libc::ELOOP) => UsageError::LogFileIsLink { path: path.to_path_buf() },
            _ => UsageError::LogFile { path: path.to_path_buf(), source },
        }
    })
}

/// Installs the logger: stderr at info (debug with `verbose`; `CHAOS_LOG`,
/// an `EnvFilter` directive, overrides it) and, with `log_file`, that file at
/// debug level.
///
/// # Errors
/// [`UsageError::LogFile`] when the log file cannot be created.
pub fn init(verbose: bool, format: LogFormat, log_file: Option<&Path>) -> Result<(), UsageError> {
    let quiet_deps = "cranelift=info,wasmtime=info,hyper=info,hyper_util=info,reqwest=info,rustls=info,h2=info";
    let default = if verbose { format!("debug,{quiet_deps}") } else { "info".to_string() };
    let filter = EnvFilter::try_from_env("CHAOS_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let console = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .event_format(LineFormat(format))
        .with_filter(filter);
    let file = match log_file {
        Some(path) => {
            let f = open_log_file(path)?;
            let filter = EnvFilter::new(format!("debug,{quiet_deps}"));
            Some(
                tracing_subscriber::fmt::layer()
                    .with_writer(Mutex::new(f))
                    .event_format(LineFormat(format))
                    .with_filter(filter)
                    .with_filter(LevelFilter::DEBUG),
            )
        }
        None => None,
    };
    let _ = tracing_subscriber::registry().with(console).with(file).try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::displayable;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(displayable("a\u{1b}[2Jb\rc\td\u{7}\u{9b}"), "a\\x1b[2Jb\\rc\\td\\x07\\x9b");
    }

    #[test]
    fn a_line_break_starts_an_indented_continuation_line() {
        assert_eq!(displayable("one\n[2026-01-01 INFO] forged"), "one\n  [2026-01-01 INFO] forged");
    }

    #[test]
    fn an_already_indented_continuation_line_is_kept_as_it_is() {
        assert_eq!(displayable("Refusing:\n  --allow-env=X"), "Refusing:\n  --allow-env=X");
    }
}
