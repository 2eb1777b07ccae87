//! The Part 6 lab on your GIL (exercise 18) and your process pool (exercise 19)
//! (book: part-6/lab.md).
//!
//! `cargo run --release -p exercise-18 --example lab -- --help`
gil_lab::lab_main!(gil: exercise_18, escape: exercise_19, code: "your code (exercise-18, exercise-19)");
