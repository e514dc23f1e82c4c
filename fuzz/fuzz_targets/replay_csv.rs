//! Fuzzes the replay CSV reader: any input must load or be rejected with a
//! message, never panic; loaded data is complete and in range.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = maestro::bandit::replay::ReplayData::from_csv(data, "fuzz.csv", None) {
        assert_eq!(d.eval.len(), d.tasks.len());
        for row in &d.eval {
            assert_eq!(row.len(), d.arms.len());
            assert!(row.iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }
});
