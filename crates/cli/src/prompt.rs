//! Asking the operator, in a terminal, for each grant the experiment asks
//! for and nothing allows (`[y/N/a]`: allow for this run, deny, allow all),
//! Deno-style. Without a terminal on stdin and stderr, or with
//! `--no-prompt`, nothing is asked and the run is refused with the flags
//! to add.

use chaos_core::grants::{Answer, Capability, Prompter, escape};
use std::io::{BufRead as _, IsTerminal as _, Write as _};

/// Asks on stderr and reads the answer from stdin.
pub struct TerminalPrompter;

impl TerminalPrompter {
    /// The prompter, when stdin and stderr are both terminals.
    pub fn if_terminal() -> Option<Self> {
        (std::io::stdin().is_terminal() && std::io::stderr().is_terminal()).then_some(Self)
    }
}

impl Prompter for TerminalPrompter {
    fn ask(&mut self, capability: Capability, value: &str, activities: &[String]) -> Answer {
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "chaos: {} needs {} {}. Allow it for this run? [y/N/a] (y: allow, N: deny, a: allow all) ",
            activities.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(", "),
            capability.noun(),
            escape(value),
        );
        let _ = err.flush();
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line).is_err() {
            return Answer::Deny;
        }
        parse_answer(&line)
    }
}

/// `y`/`yes`: allow; `a`/`all`: allow all; anything else (an empty line,
/// end of input): deny.
fn parse_answer(line: &str) -> Answer {
    match line.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Answer::Allow,
        "a" | "all" => Answer::AllowAll,
        _ => Answer::Deny,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_default_to_deny() {
        assert_eq!(parse_answer("y\n"), Answer::Allow);
        assert_eq!(parse_answer("A\n"), Answer::AllowAll);
        assert_eq!(parse_answer("\n"), Answer::Deny);
        assert_eq!(parse_answer(""), Answer::Deny);
        assert_eq!(parse_answer("yolo"), Answer::Deny);
    }
}
