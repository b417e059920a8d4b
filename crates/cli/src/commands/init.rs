//! `chaos init`: an experiment from a discovery file, interactively in a
//! terminal, from flags otherwise.

use crate::args::InitArgs;
use crate::replace::{self, Existing};
use anyhow::Context as _;
use chaos_core::discovery::Discovery;
use chaos_core::scaffold::{self, Chosen, Offer, Prompter, value_of};
use serde_json::{Map, Value};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

struct Terminal;

impl Prompter for Terminal {
    fn say(&mut self, message: &str) {
        println!("{message}");
    }

    fn ask(&mut self, question: &str, default: Option<&str>) -> Option<String> {
        match default {
            Some(d) if !d.is_empty() => print!("{question} [{d}]: "),
            _ => print!("{question}: "),
        }
        std::io::stdout().flush().ok()?;
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim().to_string();
        Some(if line.is_empty() { default.unwrap_or_default().to_string() } else { line })
    }
}

/// Builds and writes the experiment (replacing an existing file only with
/// `--force`; a symbolic link there is replaced, never followed).
///
/// # Errors
/// A missing or malformed discovery file, incomplete answers or flags, an
/// existing experiment file without `--force`, or an experiment file that
/// cannot be written.
pub fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let discovery = Discovery::read(&args.discovery_path)?;
    let offers = scaffold::offers(&discovery)?;
    let interactive = args.interactive || (args.title.is_none() && std::io::stdin().is_terminal());
    let document = if interactive {
        scaffold::interview(&mut Terminal, &offers).context("input ended before the experiment was complete")?
    } else {
        from_flags(&args, &offers).map_err(anyhow::Error::msg)?
    };
    let text = serde_json::to_string_pretty(&document).expect("JSON serializes") + "\n";
    let existing = if args.force { Existing::Replace } else { Existing::Keep };
    replace::write(&args.experiment_path, text.as_bytes(), existing).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
            "refusing to overwrite {}: it already exists (pass --force to replace it)",
            args.experiment_path.display()
        ),
        _ => anyhow::Error::new(e).context(format!("cannot write {}", args.experiment_path.display())),
    })?;
    tracing::info!("Experiment created and saved in '{}'", args.experiment_path.display());
    Ok(ExitCode::SUCCESS)
}

fn from_flags(args: &InitArgs, offers: &[Offer]) -> Result<Value, String> {
    let title = args.title.clone().ok_or("--title is required when stdin is not a terminal (or pass --interactive)")?;
    let description = args.description.clone().unwrap_or_else(|| title.clone());
    let settings = |list: &[String], what: &str| -> Result<Vec<(String, String, String)>, String> {
        list.iter()
            .map(|s| {
                let (target, value) = s.split_once('=').ok_or(format!("--{what} `{s}`: expected NAME.KEY=VALUE"))?;
                let (name, key) = target.split_once('.').ok_or(format!("--{what} `{s}`: expected NAME.KEY=VALUE"))?;
                Ok((name.to_string(), key.to_string(), value.to_string()))
            })
            .collect()
    };
    let arg_settings = settings(&args.args, "arg")?;
    let grant_settings = settings(&args.grants, "grant")?;
    let choose = |spec: &str| -> Result<Chosen, String> {
        let (name, tolerance) = match spec.split_once('=') {
            Some((n, t)) => (n, Some(value_of(t))),
            None => (spec, None),
        };
        let offer = offers.iter().find(|o| o.func == name).ok_or_else(|| {
            let known: Vec<_> = offers.iter().map(|o| o.func.as_str()).collect();
            format!("the discovery file has no activity `{name}` (it has: {})", known.join(", "))
        })?;
        let mut arguments = Map::new();
        for (_, key, value) in arg_settings.iter().filter(|(n, _, _)| n == name) {
            arguments.insert(key.clone(), value_of(value));
        }
        if let Some(missing) = scaffold::required(&offer.arguments).into_iter().find(|r| !arguments.contains_key(r)) {
            return Err(format!("activity `{name}` needs the argument `{missing}`: pass --arg {name}.{missing}=VALUE"));
        }
        let mut grants = Map::new();
        for (_, kind, value) in grant_settings.iter().filter(|(n, _, _)| n == name) {
            if !["read", "write", "net", "env"].contains(&kind.as_str()) {
                return Err(format!("unknown grant kind `{kind}` (read, write, net, env)"));
            }
            let list = grants.entry(kind.clone()).or_insert_with(|| Value::Array(Vec::new()));
            list.as_array_mut().expect("a list").push(Value::from(value.as_str()));
        }
        Ok(Chosen { offer: offer.clone(), arguments, grants, tolerance })
    };
    let mut hypothesis = args.hypothesis.iter().map(|h| choose(h)).collect::<Result<Vec<_>, _>>()?;
    for h in &mut hypothesis {
        h.tolerance.get_or_insert(Value::Bool(true));
    }
    let method = args.method.iter().map(|m| choose(m)).collect::<Result<Vec<_>, _>>()?;
    let rollbacks = args.rollbacks.iter().map(|r| choose(r)).collect::<Result<Vec<_>, _>>()?;
    Ok(scaffold::experiment(&title, &description, &hypothesis, &method, &rollbacks))
}
