//! `maestro evolve`: prompt parameters optimised offline on a scenario
//! registry, the lift proven on held-out scenarios, the winners deployed to
//! the router as arms.

pub mod lift;
pub mod optimise;
pub mod protocol;
pub mod scenario;
pub mod space;
