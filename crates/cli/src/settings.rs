//! `chaos settings show|get|set|remove` on the settings file.

use crate::Context;
use clap::{Args, Subcommand};
use serde_json::Value;
use std::process::ExitCode;

/// `chaos settings`.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// The operation.
    #[command(subcommand)]
    pub command: SettingsCommand,
}

/// Settings operations; keys are dotted paths (`runtime.rollbacks.strategy`).
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print the whole settings file.
    Show {
        /// `yaml` or `json`.
        #[arg(long, default_value = "yaml")]
        format: String,
    },
    /// Print one value.
    Get {
        /// Dotted key.
        key: String,
    },
    /// Set one value (parsed as YAML, so `3` is a number and `[a]` a list).
    Set {
        /// Dotted key.
        key: String,
        /// Value.
        value: String,
    },
    /// Remove one value.
    Remove {
        /// Dotted key.
        key: String,
    },
}

fn print(value: &Value, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
    } else {
        print!("{}", serde_yaml_ng::to_string(value).unwrap_or_default());
    }
}

/// Runs the operation.
pub fn settings(args: SettingsArgs, ctx: &Context) -> ExitCode {
    let mut settings = ctx.settings.clone();
    match args.command {
        SettingsCommand::Show { format } => print(&Value::Object(settings.document), format == "json"),
        SettingsCommand::Get { key } => match settings.get(&key) {
            Some(v) => print(v, false),
            None => {
                tracing::error!("no setting `{key}` in {}", ctx.settings_path.display());
                return ExitCode::FAILURE;
            }
        },
        SettingsCommand::Set { key, value } => {
            let parsed = serde_yaml_ng::from_str::<Value>(&value).unwrap_or(Value::String(value));
            settings.set(&key, parsed);
            if let Err(e) = settings.save(&ctx.settings_path) {
                tracing::error!("{e}");
                return ExitCode::FAILURE;
            }
        }
        SettingsCommand::Remove { key } => {
            if !settings.remove(&key) {
                tracing::error!("no setting `{key}` in {}", ctx.settings_path.display());
                return ExitCode::FAILURE;
            }
            if let Err(e) = settings.save(&ctx.settings_path) {
                tracing::error!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
