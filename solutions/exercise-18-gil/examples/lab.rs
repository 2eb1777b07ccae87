//! The Part 6 lab on the reference GIL and process pool (book: part-6/lab.md).
//!
//! `cargo run --release -p solution-18 --example lab -- --help`

// This package's library, whatever its name: `solution_18`, or a mutant's copy of it.
sync_shim::__library_under_test!(reference_gil);

gil_lab::lab_main!(gil: reference_gil, escape: solution_19, code: "the reference (solution-18, solution-19)");
