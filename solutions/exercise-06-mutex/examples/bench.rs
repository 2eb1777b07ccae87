//! The Part 3 bench on the reference locks: solution 06's mutex beside std's and
//! parking_lot's, and solutions 04 and 05's spin locks (book: part-3/blocking.md#measuring).
//!
//! `cargo run --release -p solution-06 --example bench -- --help`
lock_bench::bench_main!(
    package: "solution-06",
    mutex: solution_06 as "Mutex (solution 06)",
    spin: solution_04 as "SpinLock (solution 04)",
    ticket: solution_05 as "TicketLock (solution 05)",
);
