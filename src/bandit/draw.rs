//! Draw helpers shared by the router and the replay: stable seeds from
//! names, and the Bernoulli trick that turns an eval in [0, 1] into a
//! success or a failure.

/// Stable 64-bit FNV-1a hash, used to derive seeds from names (a policy, a
/// task, a decision id).
pub fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// The Bernoulli trick: an eval in [0, 1] becomes one success with
/// probability `eval`, given a uniform draw `u` in [0, 1).
pub fn bernoulli(eval: f64, u: f64) -> bool {
    u < eval
}

/// A uniform draw in [0, 1) derived from `name`: the same name, the same draw.
pub fn uniform_from(name: &str) -> f64 {
    (fnv1a(name) >> 11) as f64 / (1u64 << 53) as f64
}
