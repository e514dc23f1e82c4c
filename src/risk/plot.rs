//! The two pictures of `risk evaluate`, as standalone SVG: a reliability
//! diagram (observed rate against the mean probability per bin, with the
//! number of changes per bin) and an ROC curve.

use std::fmt::Write as _;

/// One bin of a reliability diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Bin {
    /// The bin's mean probability.
    pub mean_p: f64,
    /// The share of defect-inducing changes in it.
    pub rate: f64,
    /// Changes in it.
    pub count: usize,
}

/// The non-empty ones of `bins` equal-width bins of [0, 1].
pub fn reliability(p: &[f64], y: &[bool], bins: usize) -> Vec<Bin> {
    let mut sum_p = vec![0.0; bins];
    let mut hits = vec![0usize; bins];
    let mut count = vec![0usize; bins];
    for (&p, &y) in p.iter().zip(y) {
        let b = ((p * bins as f64) as usize).min(bins - 1);
        sum_p[b] += p;
        hits[b] += usize::from(y);
        count[b] += 1;
    }
    (0..bins)
        .filter(|&b| count[b] > 0)
        .map(|b| Bin {
            mean_p: sum_p[b] / count[b] as f64,
            rate: hits[b] as f64 / count[b] as f64,
            count: count[b],
        })
        .collect()
}

/// The ROC curve's corners (false positive rate, true positive rate), from
/// (0, 0) to (1, 1), tied scores taken together.
pub fn roc(p: &[f64], y: &[bool]) -> Vec<(f64, f64)> {
    let pos = y.iter().filter(|&&v| v).count().max(1) as f64;
    let neg = y.iter().filter(|&&v| !v).count().max(1) as f64;
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut out = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let s = p[idx[i]];
        while i < idx.len() && p[idx[i]] == s {
            if y[idx[i]] {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            i += 1;
        }
        out.push((fp / neg, tp / pos));
    }
    out
}

const SIZE: f64 = 360.0;
const PAD: f64 = 48.0;

/// An SVG frame with a unit square plot area, axes ticked at 0.2, and a
/// title; `body` draws in plot coordinates through [`x`] and [`y`].
fn frame(title: &str, x_label: &str, y_label: &str, body: &str) -> String {
    let w = SIZE + 2.0 * PAD;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{w}" viewBox="0 0 {w} {w}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{cx}" y="24" text-anchor="middle" font-size="14">{title}</text>
<rect x="{PAD}" y="{PAD}" width="{SIZE}" height="{SIZE}" fill="none" stroke="black"/>
"#,
        cx = w / 2.0,
        title = escape(title),
    );
    for k in 0..=5 {
        let v = f64::from(k) / 5.0;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{v:.1}</text><text x="{}" y="{}" text-anchor="end">{v:.1}</text>"#,
            x(v),
            PAD + SIZE + 16.0,
            PAD - 6.0,
            y(v) + 4.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        PAD + SIZE / 2.0,
        PAD + SIZE + 36.0,
        escape(x_label)
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate({},{}) rotate(-90)" text-anchor="middle">{}</text>"#,
        PAD - 30.0,
        PAD + SIZE / 2.0,
        escape(y_label)
    );
    let _ = writeln!(
        s,
        r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999" stroke-dasharray="4 4"/>"##,
        x(0.0),
        y(0.0),
        x(1.0),
        y(1.0)
    );
    s.push_str(body);
    s.push_str("</svg>\n");
    s
}

fn x(v: f64) -> f64 {
    PAD + v.clamp(0.0, 1.0) * SIZE
}

fn y(v: f64) -> f64 {
    PAD + SIZE - v.clamp(0.0, 1.0) * SIZE
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The reliability diagram: each bin a point at (mean probability,
/// observed rate) with its count as a bar along the bottom (scaled to the
/// fullest bin); a calibrated model's points lie on the diagonal.
pub fn reliability_svg(bins: &[Bin], ece: f64) -> String {
    let most = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let mut body = String::new();
    for b in bins {
        let h = 0.2 * b.count as f64 / most * SIZE;
        let _ = writeln!(
            body,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="#cde"><title>{} changes</title></rect>"##,
            x(b.mean_p) - 6.0,
            PAD + SIZE - h,
            12.0,
            b.count
        );
    }
    let points: Vec<String> = bins
        .iter()
        .map(|b| format!("{:.1},{:.1}", x(b.mean_p), y(b.rate)))
        .collect();
    let _ = writeln!(
        body,
        r##"<polyline points="{}" fill="none" stroke="#c33" stroke-width="2"/>"##,
        points.join(" ")
    );
    for b in bins {
        let _ = writeln!(
            body,
            r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#c33"><title>p {:.3}, observed {:.3}, {} changes</title></circle>"##,
            x(b.mean_p),
            y(b.rate),
            b.mean_p,
            b.rate,
            b.count
        );
    }
    frame(
        &format!("Reliability (ECE {ece:.3})"),
        "mean predicted probability",
        "observed defect rate",
        &body,
    )
}

/// The ROC curve with its AUC in the title.
pub fn roc_svg(points: &[(f64, f64)], auc: Option<f64>) -> String {
    let line: Vec<String> = points
        .iter()
        .map(|&(f, t)| format!("{:.1},{:.1}", x(f), y(t)))
        .collect();
    let body = format!(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#36c\" stroke-width=\"2\"/>\n",
        line.join(" ")
    );
    let title = match auc {
        Some(a) => format!("ROC (AUC {a:.3})"),
        None => "ROC (one class only)".to_string(),
    };
    frame(&title, "false positive rate", "true positive rate", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_and_curve_by_hand() {
        let p = [0.05, 0.15, 0.12, 0.95, 0.9];
        let y = [false, true, false, true, false];
        let b = reliability(&p, &y, 10);
        assert_eq!(b.len(), 3);
        assert!((b[1].mean_p - 0.135).abs() < 1e-12 && b[1].rate == 0.5 && b[1].count == 2);
        assert_eq!(b[2].count, 2, "0.9 and 0.95 share the last bin");
        // Highest first: 0.95 (+), 0.9 (−), 0.15 (+), 0.12 (−), 0.05 (−).
        let r = roc(&p, &y);
        assert_eq!(
            r,
            vec![
                (0.0, 0.0),
                (0.0, 0.5),
                (1.0 / 3.0, 0.5),
                (1.0 / 3.0, 1.0),
                (2.0 / 3.0, 1.0),
                (1.0, 1.0)
            ]
        );
        // Ties move together: one diagonal step.
        assert_eq!(
            roc(&[0.5, 0.5], &[true, false]),
            vec![(0.0, 0.0), (1.0, 1.0)]
        );
        let svg = roc_svg(&r, Some(0.833));
        assert!(svg.starts_with("<svg") && svg.contains("AUC 0.833") && svg.ends_with("</svg>\n"));
        assert!(reliability_svg(&b, 0.1).contains("ECE 0.100"));
    }
}
