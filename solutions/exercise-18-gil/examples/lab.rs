//! The Part 6 lab on the reference GIL and process pool (book: part-6/lab.md).
//!
//! `cargo run --release -p solution-18 --example lab -- --help`
gil_lab::lab_main!(gil: solution_18, escape: solution_19, code: "the reference (solution-18, solution-19)");
