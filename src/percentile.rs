//! The nearest-rank percentile, as `stats`, `exec`, `replay`, `risk label`
//! and `scale simulate` report them.

/// The nearest-rank `p` percentile (0..=1) of ascending `sorted`: the value
/// at rank ceil(p·n), at least the first; the default (zero) when empty.
pub fn nearest_rank<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<i64> = (0..100).map(|i| i64::from(i >= 90)).collect();
        assert_eq!(nearest_rank(&v, 0.5), 0);
        assert_eq!(nearest_rank(&v, 0.95), 1);
        assert_eq!(nearest_rank(&[2], 0.95), 2);
        assert_eq!(nearest_rank::<i64>(&[], 0.5), 0);
        assert_eq!(nearest_rank(&[1.0, 2.0, 3.0, 4.0], 0.8), 4.0);
        assert_eq!(nearest_rank(&[1.0, 2.0, 3.0, 4.0], 0.0), 1.0);
    }
}
