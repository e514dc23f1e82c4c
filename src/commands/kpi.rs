//! `maestro kpi`.

use super::Ctx;
use crate::clock::Clock;
use crate::error::{input, Result, EXIT_OK};
use crate::kpi::{self, Kpis, Week};
use crate::output::markdown;
use crate::units::parse_duration;
use clap::Args;
use std::path::PathBuf;

/// `maestro kpi`.
#[derive(Debug, Args)]
pub struct KpiArgs {
    /// The window: figures over the last this long.
    #[arg(long, default_value = "30d", value_parser = parse_duration)]
    pub since: std::time::Duration,
    /// Also write the weekly trend as an SVG chart here.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// Prints the figures.
pub fn exec(ctx: &Ctx, a: KpiArgs) -> Result<i32> {
    let now = Clock::now().now_ms;
    let since = now - i64::try_from(a.since.as_millis()).map_err(|_| input("--since: too long"))?;
    let k = ctx.read_state(|st| kpi::compute(st.conn(), ctx.cfg(), since, now))?;
    let md = markdown_report(&k);
    ctx.out.summary(&md)?;
    if let Some(p) = &a.svg {
        ctx.out.write_file(&ctx.cwd, p, svg(&k.weeks))?;
    }
    ctx.out.result(&k, &text(&k), Some(&md))?;
    Ok(EXIT_OK)
}

fn cells(k: &Kpis, md: bool) -> Vec<Vec<String>> {
    let c = |s: &str| if md { markdown::cell(s) } else { s.to_string() };
    k.rows
        .iter()
        .map(|r| {
            vec![
                c(r.name),
                c(&r.value),
                c(r.target.as_deref().unwrap_or("—")),
                match r.met {
                    Some(true) => "met".into(),
                    Some(false) => "NOT met".into(),
                    None => "".into(),
                },
                r.n.to_string(),
            ]
        })
        .collect()
}

fn text(k: &Kpis) -> String {
    if k.rows.is_empty() {
        return "No data in the window: nothing has been routed, reported, cached or recorded yet.\n".into();
    }
    markdown::text_table(&["KPI", "VALUE", "TARGET", "", "N"], &cells(k, false))
}

fn markdown_report(k: &Kpis) -> String {
    let mut out = String::from("## maestro KPIs\n\n");
    if k.rows.is_empty() {
        out.push_str("No data in the window.\n");
        return out;
    }
    out.push_str(&markdown::table(
        &["KPI", "Value", "Target", "", "N"],
        &cells(k, true),
    ));
    if !k.weeks.is_empty() {
        let labels: Vec<String> = k
            .weeks
            .iter()
            .map(|w| format!("\"{}\"", &w.start[5..]))
            .collect();
        let series = |f: fn(&Week) -> f64| {
            k.weeks
                .iter()
                .map(|w| format!("{:.3}", f(w)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "\nWeekly: mean eval (line) and pass rate (bars).\n\n```mermaid\nxychart-beta\n    x-axis [{}]\n    y-axis \"eval, pass rate\" 0 --> 1\n    bar [{}]\n    line [{}]\n```\n",
            labels.join(", "),
            series(|w| w.pass_rate),
            series(|w| w.eval_mean),
        ));
    }
    out
}

/// The weekly trend as a standalone SVG: pass-rate bars, a mean-eval line.
fn svg(weeks: &[Week]) -> String {
    let (w, h, pad) = (640.0, 260.0, 40.0);
    let n = weeks.len().max(1) as f64;
    let step = (w - 2.0 * pad) / n;
    let y = |v: f64| h - pad - v.clamp(0.0, 1.0) * (h - 2.0 * pad);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#444\"/>\n<line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{b}\" stroke=\"#444\"/>\n<text x=\"{pad}\" y=\"{t}\">mean eval (line), pass rate (bars), per week</text>\n<text x=\"4\" y=\"{y1}\">1.0</text><text x=\"4\" y=\"{b}\">0.0</text>\n",
        b = h - pad,
        r = w - pad,
        t = pad - 12.0,
        y1 = pad + 4.0,
    );
    let mut points = Vec::new();
    for (i, wk) in weeks.iter().enumerate() {
        let x = pad + i as f64 * step;
        out.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#9ecae1\"/>\n<text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            x + step * 0.15,
            y(wk.pass_rate),
            step * 0.7,
            h - pad - y(wk.pass_rate),
            x + step * 0.15,
            h - pad + 14.0,
            &wk.start[5..],
        ));
        points.push(format!("{:.1},{:.1}", x + step * 0.5, y(wk.eval_mean)));
    }
    out.push_str(&format!(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n</svg>\n",
        points.join(" ")
    ));
    out
}
