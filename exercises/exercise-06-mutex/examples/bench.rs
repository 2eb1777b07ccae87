//! The Part 3 bench on your locks: your mutex (exercise 06) beside std's and parking_lot's,
//! and your spin locks of exercises 04 and 05 (book: part-3/blocking.md#measuring). A lock
//! you have not written yet shows as "not written yet".
//!
//! `cargo run --release -p exercise-06 --example bench -- --help`
lock_bench::bench_main!(
    package: "exercise-06",
    mutex: exercise_06 as "your Mutex (exercise 06)",
    spin: exercise_04 as "your SpinLock (exercise 04)",
    ticket: exercise_05 as "your TicketLock (exercise 05)",
);
