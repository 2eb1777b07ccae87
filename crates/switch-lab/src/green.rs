//! The green experiments, written once against the [`Green`] trait and handed to the lab as
//! plain function pointers (one copy per executor, made by [`GreenKit::of`]).

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::Green;

/// Exercise 02's executor, as the experiments the lab runs on it.
#[derive(Clone, Copy)]
pub struct GreenKit {
    /// `n` times, one after the other: spawn a task that returns at once, and await it.
    /// The time of all `n`.
    pub spawn_and_await: fn(u64) -> Result<Duration, String>,
    /// Two tasks pass a token back and forth `rounds` times, each waiting for its turn with
    /// `yield_now`. The time of all the round trips.
    pub ping_pong: fn(u64) -> Result<Duration, String>,
}

impl GreenKit {
    /// The experiments on the executor `G`.
    pub fn of<G: Green>() -> GreenKit {
        GreenKit {
            spawn_and_await: spawn_and_await::<G>,
            ping_pong: ping_pong::<G>,
        }
    }
}

fn spawn_and_await<G: Green>(n: u64) -> Result<Duration, String> {
    G::block_on(async move {
        let start = Instant::now();
        for i in 0..n {
            let got = G::spawn(async move { i }).await?;
            if got != i {
                return Err(format!(
                    "a task that returns {i} was awaited and gave {got} (book: \
                     part-1/thread-models.md#exercise)"
                ));
            }
        }
        Ok(start.elapsed())
    })
}

/// The token is a turn number: the ping task sets it odd and waits for the next even one,
/// the pong task waits for an odd one and sets it even. Neither blocks: each yields until
/// its turn comes, so on a FIFO run queue each yield hands the thread to the other task.
fn ping_pong<G: Green>(rounds: u64) -> Result<Duration, String> {
    G::block_on(async move {
        let turn = Rc::new(Cell::new(0u64));
        let pong = {
            let turn = turn.clone();
            G::spawn(async move {
                for i in 0..rounds {
                    while turn.get() != 2 * i + 1 {
                        G::yield_now().await;
                    }
                    turn.set(2 * i + 2);
                }
            })
        };
        let ping = {
            let turn = turn.clone();
            G::spawn(async move {
                let start = Instant::now();
                for i in 0..rounds {
                    turn.set(2 * i + 1);
                    while turn.get() != 2 * i + 2 {
                        G::yield_now().await;
                    }
                }
                start.elapsed()
            })
        };
        let elapsed = ping.await?;
        pong.await?;
        Ok(elapsed)
    })
}
