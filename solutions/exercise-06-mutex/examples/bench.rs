//! The Part 3 bench on the reference locks: solution 06's mutex beside std's and
//! parking_lot's, and solutions 04 and 05's spin locks (book: part-3/blocking.md#measuring).
//!
//! `cargo run --release -p solution-06 --example bench -- --help`
// This package's library, under a fixed name (copies of this crate have other names).
library_under_test::library_under_test!(reference_mutex);

lock_bench::bench_main!(
    package: "solution-06",
    mutex: reference_mutex as "Mutex (solution 06)",
    spin: solution_04 as "SpinLock (solution 04)",
    ticket: solution_05 as "TicketLock (solution 05)",
);
