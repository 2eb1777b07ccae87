//! The Part 1 lab on your threads and processes (exercise 01) and your green threads
//! (exercise 02) (book: part-1/lab.md).
//!
//! `cargo run --release -p exercise-01 --example lab -- --help`
switch_lab::lab_main!(threads: exercise_01, green: exercise_02, code: "your code (exercise-01, exercise-02)");
