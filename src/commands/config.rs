//! `maestro config show`.

use super::Ctx;
use crate::error::Result;
use crate::output::markdown::text_table;
use clap::Subcommand;
use serde_json::json;

/// `maestro config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every resolved setting and where it came from.
    Show,
}

/// Prints the resolved configuration and the source of every value.
pub fn exec(ctx: &Ctx, cmd: ConfigCommand) -> Result<i32> {
    let ConfigCommand::Show = cmd;
    let r = &ctx.resolved;
    let entries = r.entries();
    let doc = json!({
        "file": r.file,
        "state_path": ctx.state().ok().map(|s| s.label()),
        "values": entries.iter().map(|(k, v, s)| json!({"key": k, "value": v, "source": s})).collect::<Vec<_>>(),
    });
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|(k, v, s)| {
            let v = match v {
                serde_json::Value::Array(a) if k == "arms" => format!("{} arms", a.len()),
                serde_json::Value::Null => "-".into(),
                other => other.to_string(),
            };
            vec![k.clone(), v, s.to_string()]
        })
        .collect();
    let text = format!(
        "config file: {}\n\n{}",
        r.file
            .as_ref()
            .map_or("none (defaults)".into(), |p| p.display().to_string()),
        text_table(&["KEY", "VALUE", "SOURCE"], &rows)
    );
    ctx.out.result(&doc, &text, None)?;
    Ok(0)
}
