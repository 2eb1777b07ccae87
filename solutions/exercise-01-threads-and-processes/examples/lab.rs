//! The Part 1 lab on the reference threads and processes and the reference executor
//! (book: part-1/lab.md).
//!
//! `cargo run --release -p solution-01 --example lab -- --help`
//!
//! The library is named `solution_01` in every copy of this crate (the mutants' too), so
//! it is named here directly.
switch_lab::lab_main!(threads: solution_01, green: solution_02, code: "the reference (solution-01, solution-02)");
