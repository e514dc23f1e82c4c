//! Numbers as people give them to maestro: sizes written `500MB` or `10GiB`,
//! and the bounds of money and durations that keep every sum finite.

/// The most a single task may cost, and the largest USD amount anywhere.
/// Far beyond any agent run, small enough that sums stay finite.
pub const MAX_USD: f64 = 1e6;

/// The longest duration in seconds maestro takes (a year).
pub const MAX_SECONDS: f64 = 365.0 * 24.0 * 3600.0;

/// Parses `500MB`, `10GiB`, `1 MiB`, `1024` (bytes); SI and binary units.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}`: expected a size such as 500MB or 10GiB"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024f64.powi(4),
        u => {
            return Err(format!(
                "`{s}`: unknown unit `{u}` (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ))
        }
    };
    Ok((n * mult) as u64)
}

/// A duration such as `30s`, `5m`, `6h` or `30d`, for flags and settings.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("`{s}`: {e} (e.g. 30s, 5m, 6h, 30d)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1 MiB"), Ok(1 << 20));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("2 kb"), Ok(2000));
        assert!(parse_size("10 parsecs").is_err());
        assert!(parse_size("MB").is_err());
    }
}
