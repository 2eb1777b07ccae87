// Exercise 01 · Threads and processes. Book: book/src/part-1/work-in-processes.md
//
// Provided, nothing to fill in: the job that both sides run, and how the input is cut into
// chunks. `work` is CPU-bound on purpose (a few hundred multiplications per number), so that
// running it in threads or in processes is worth measuring (the Part 1 lab does).
//
// `work` adds its numbers' mixes with wrapping arithmetic, so the results of the chunks add
// up (wrapping) to the result of the whole input, however it was cut:
//
//     split(input, n).iter().map(|c| work(c)).fold(0, u64::wrapping_add) == work(input)

/// How many rounds of mixing `work` spends on each number.
pub const ROUNDS: u32 = 200;

/// The job: mixes each number of `chunk` [`ROUNDS`] times and adds the results (wrapping).
/// A pure function: the same chunk gives the same answer in any thread or process.
pub fn work(chunk: &[u64]) -> u64 {
    chunk
        .iter()
        .map(|&n| mix(n))
        .fold(0, |total, mixed| total.wrapping_add(mixed))
}

/// `ROUNDS` rounds of a xorshift-multiply (the finaliser of SplitMix64), seeded with `n`.
fn mix(n: u64) -> u64 {
    let mut x = n;
    for _ in 0..ROUNDS {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
    }
    x
}

/// Cuts `input` into `n` contiguous chunks of nearly equal length, in order: the first
/// `input.len() % n` chunks have one number more than the others. Never an empty chunk:
/// with fewer numbers than `n`, one chunk per number; with no numbers, no chunks. An `n` of
/// 0 is taken as 1 (there is always at least one worker).
///
/// `split(&[1, 2, 3, 4, 5], 2)` is `[[1, 2, 3], [4, 5]]`.
pub fn split(input: &[u64], n: usize) -> Vec<&[u64]> {
    let n = n.clamp(1, input.len().max(1));
    let (base, longer) = (input.len() / n, input.len() % n);
    let mut chunks = Vec::with_capacity(n);
    let mut rest = input;
    for i in 0..n {
        let (chunk, after) = rest.split_at(base + usize::from(i < longer));
        if !chunk.is_empty() {
            chunks.push(chunk);
        }
        rest = after;
    }
    chunks
}
