//! `chaos settings show|get|set|remove` on the settings file.

use crate::args::{SettingsArgs, SettingsCommand, SettingsFormat};
use crate::resolve::Context;
use anyhow::bail;
use serde_json::Value;
use std::process::ExitCode;

fn print(value: &Value, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
    } else {
        print!("{}", serde_yaml_ng::to_string(value).unwrap_or_default());
    }
}

/// Runs the operation.
///
/// # Errors
/// An unknown key, or a settings file that cannot be written.
pub fn settings(args: SettingsArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let mut settings = ctx.settings.clone();
    match args.command {
        SettingsCommand::Show { format } => {
            print(&Value::Object(settings.document), format == SettingsFormat::Json);
        }
        SettingsCommand::Get { key } => match settings.get(&key) {
            Some(v) => print(v, false),
            None => bail!("no setting `{key}` in {}", ctx.settings_path.display()),
        },
        SettingsCommand::Set { key, value } => {
            let parsed = serde_yaml_ng::from_str::<Value>(&value).unwrap_or(Value::String(value));
            settings.set(&key, parsed);
            settings.save(&ctx.settings_path)?;
        }
        SettingsCommand::Remove { key } => {
            if !settings.remove(&key) {
                bail!("no setting `{key}` in {}", ctx.settings_path.display());
            }
            settings.save(&ctx.settings_path)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
