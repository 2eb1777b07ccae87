//! The measurements that need nothing but std: threads, pipes and the lab's own child
//! processes. Each returns the time of all its rounds; the experiments divide.

use std::io::{self, Read, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::child::{self, Deadline};

/// `n` times: spawn a thread that does nothing, and join it.
pub fn thread_starts(n: u64) -> Result<Duration, String> {
    let start = Instant::now();
    for _ in 0..n {
        thread::spawn(|| {})
            .join()
            .map_err(|_| "an empty thread panicked")?;
    }
    Ok(start.elapsed())
}

/// `n` times: start the lab binary as `--child exit`, and wait for it.
pub fn process_starts(n: u64, limit: Duration) -> Result<Duration, String> {
    let deadline = Deadline::new(limit);
    let mut command = child::command("exit").map_err(|e| e.to_string())?;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let start = Instant::now();
    for _ in 0..n {
        let (index, _) = deadline
            .spawn(&mut command)
            .map_err(|e| format!("could not start the lab as a child: {e}"))?;
        let status = deadline.reap(index).map_err(|e| e.to_string())?;
        if deadline.expired() {
            return Err(deadline.error("starting child processes"));
        }
        if !status.success() {
            return Err(format!("the child `--child exit` ended with {status}"));
        }
    }
    Ok(start.elapsed())
}

/// Two threads pass a turn number under a `Mutex`, each waiting on a `Condvar` for its
/// turn: `rounds` round trips.
pub fn condvar_ping_pong(rounds: u64) -> Result<Duration, String> {
    let shared = Arc::new((Mutex::new(0u64), Condvar::new()));
    let partner = {
        let shared = shared.clone();
        thread::spawn(move || {
            let (turn, changed) = &*shared;
            for i in 0..rounds {
                let mut turn = turn.lock().unwrap_or_else(PoisonError::into_inner);
                while *turn != 2 * i + 1 {
                    turn = changed.wait(turn).unwrap_or_else(PoisonError::into_inner);
                }
                *turn = 2 * i + 2;
                changed.notify_one();
            }
        })
    };
    let (turn, changed) = &*shared;
    let start = Instant::now();
    for i in 0..rounds {
        let mut turn = turn.lock().unwrap_or_else(PoisonError::into_inner);
        *turn = 2 * i + 1;
        changed.notify_one();
        while *turn != 2 * i + 2 {
            turn = changed.wait(turn).unwrap_or_else(PoisonError::into_inner);
        }
    }
    let elapsed = start.elapsed();
    partner.join().map_err(|_| "the condvar partner panicked")?;
    Ok(elapsed)
}

/// Two threads pass a token over two `mpsc` channels: `rounds` round trips.
pub fn channel_ping_pong(rounds: u64) -> Result<Duration, String> {
    let (to_partner, partner_gets) = mpsc::channel::<u64>();
    let (to_me, i_get) = mpsc::channel::<u64>();
    let partner = thread::spawn(move || {
        for token in partner_gets {
            if to_me.send(token).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    for i in 0..rounds {
        to_partner.send(i).map_err(|_| "the channel partner left")?;
        i_get.recv().map_err(|_| "the channel partner left")?;
    }
    let elapsed = start.elapsed();
    drop(to_partner);
    partner.join().map_err(|_| "the channel partner panicked")?;
    Ok(elapsed)
}

/// `bytes` of memory for [`touch`]: one word per cache line (64 bytes) holds the index of
/// the next line to visit, in a shuffled cycle through all of them, so that the visits are
/// dependent loads the prefetcher cannot guess: each costs the latency of the cache that
/// holds the line.
pub fn working_set(bytes: usize) -> Vec<u64> {
    let lines = bytes / 64;
    let mut data = vec![0u64; lines * 8];
    if lines == 0 {
        return data;
    }
    let mut order: Vec<usize> = (0..lines).collect();
    // A fixed xorshift, so that every run and every process gets the same cycle.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for i in (1..lines).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    for pair in 0..lines {
        let (from, to) = (order[pair], order[(pair + 1) % lines]);
        data[from * 8] = (to * 8) as u64;
    }
    data
}

/// Visits every cache line of a [`working_set`] once, following its cycle.
pub fn touch(data: &[u64]) {
    let mut at = 0usize;
    for _ in 0..data.len() / 8 {
        at = data[at] as usize;
    }
    std::hint::black_box(at);
}

/// The size of one core's L2 cache, from sysfs on Linux; 512 KiB where it cannot be read.
pub fn l2_cache_bytes() -> usize {
    std::fs::read_to_string("/sys/devices/system/cpu/cpu0/cache/index2/size")
        .ok()
        .and_then(|size| {
            let size = size.trim();
            let (number, unit) = size.split_at(size.find(|c: char| !c.is_ascii_digit())?);
            let number: usize = number.parse().ok()?;
            match unit {
                "K" => Some(number << 10),
                "M" => Some(number << 20),
                _ => None,
            }
        })
        .unwrap_or(512 << 10)
}

/// One round trip: a byte out, the same byte back, then a read of `data`.
fn exchange(to: &mut impl Write, from: &mut impl Read, data: &[u64]) -> io::Result<()> {
    to.write_all(b"x")?;
    let mut byte = [0u8; 1];
    from.read_exact(&mut byte)?;
    touch(data);
    Ok(())
}

/// Two threads of this process pass a byte over two pipes: `rounds` round trips. The same
/// pipes, system calls and wake-ups as [`process_ping_pong`], without the change of address
/// space. With a `shared` working set, each thread reads all of it on its turn: the same
/// memory for both, as threads share their data.
pub fn pipe_ping_pong(rounds: u64, shared: Arc<Vec<u64>>) -> Result<Duration, String> {
    let (mut from_partner, mut partner_out) = io::pipe().map_err(|e| e.to_string())?;
    let (mut partner_in, mut to_partner) = io::pipe().map_err(|e| e.to_string())?;
    let data = shared.clone();
    let partner = thread::spawn(move || -> io::Result<()> {
        let mut byte = [0u8; 1];
        while partner_in.read(&mut byte)? == 1 {
            touch(&data);
            partner_out.write_all(&byte)?;
        }
        Ok(())
    });
    exchange(&mut to_partner, &mut from_partner, &shared).map_err(|e| e.to_string())?;
    let start = Instant::now();
    for _ in 0..rounds {
        exchange(&mut to_partner, &mut from_partner, &shared).map_err(|e| e.to_string())?;
    }
    let elapsed = start.elapsed();
    drop(to_partner);
    partner
        .join()
        .map_err(|_| "the pipe partner panicked")?
        .map_err(|e| e.to_string())?;
    Ok(elapsed)
}

/// This process and a child (the lab binary, `--child echo`) pass a byte over the child's
/// stdin and stdout: `rounds` round trips. With a working set, each reads one of its own
/// of that size on its turn: the parent `mine`, the child as many bytes of its own memory.
pub fn process_ping_pong(
    rounds: u64,
    mine: Arc<Vec<u64>>,
    limit: Duration,
) -> Result<Duration, String> {
    let deadline = Deadline::new(limit);
    let mut command = child::command("echo").map_err(|e| e.to_string())?;
    command
        .arg((mine.len() * 8).to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let (index, pipes) = deadline
        .spawn(&mut command)
        .map_err(|e| format!("could not start the lab as a child: {e}"))?;
    let (Some(mut to_child), Some(mut from_child)) = (pipes.stdin, pipes.stdout) else {
        return Err("the child's pipes are missing".to_owned());
    };
    let failed = |error: io::Error| {
        if deadline.expired() {
            deadline.error("the process ping-pong")
        } else {
            format!("the child `--child echo` stopped answering: {error}")
        }
    };
    // One untimed round: the child has started and is waiting.
    exchange(&mut to_child, &mut from_child, &mine).map_err(failed)?;
    let start = Instant::now();
    for _ in 0..rounds {
        exchange(&mut to_child, &mut from_child, &mine).map_err(failed)?;
    }
    let elapsed = start.elapsed();
    drop(to_child);
    let status = deadline.reap(index).map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("the child `--child echo` ended with {status}"));
    }
    Ok(elapsed)
}

/// Writes `bytes` to a running child (`--child sink`) that reads them all and says how
/// many came: the time from the first byte written to its answer. The child's start is not
/// in it: the child first echoes a byte, and the clock starts when that byte is back.
pub fn send_to_child(bytes: &[u8], limit: Duration) -> Result<Duration, String> {
    let deadline = Deadline::new(limit);
    let mut command = child::command("sink").map_err(|e| e.to_string())?;
    command.stdin(Stdio::piped()).stdout(Stdio::piped());
    let (index, pipes) = deadline
        .spawn(&mut command)
        .map_err(|e| format!("could not start the lab as a child: {e}"))?;
    let (Some(mut to_child), Some(mut from_child)) = (pipes.stdin, pipes.stdout) else {
        return Err("the child's pipes are missing".to_owned());
    };
    let started = exchange(&mut to_child, &mut from_child, &[]);
    let start = Instant::now();
    let sent = started.and_then(|()| to_child.write_all(bytes));
    drop(to_child);
    let mut answer = String::new();
    let read = from_child.read_to_string(&mut answer);
    let elapsed = start.elapsed();
    let status = deadline.reap(index).map_err(|e| e.to_string())?;
    if deadline.expired() {
        return Err(deadline.error("sending the input to a child"));
    }
    sent.and(read).map_err(|e| e.to_string())?;
    if !status.success() || answer.trim() != bytes.len().to_string() {
        return Err(format!(
            "the child `--child sink` ended with {status} and answered {answer:?}, not {}",
            bytes.len()
        ));
    }
    Ok(elapsed)
}

/// While alive, keeps the calling thread (and the threads and processes it starts) on one
/// core: the first this thread may run on. `None` where the lab cannot pin (not Linux).
pub struct OneCore {
    #[cfg(target_os = "linux")]
    before: libc::cpu_set_t,
    pub cpu: usize,
}

impl OneCore {
    #[cfg(target_os = "linux")]
    pub fn pin() -> Option<OneCore> {
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: cpu_set_t is a plain bit set; all zeroes is the empty set.
        let mut before: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: `before` is a valid cpu_set_t of `size` bytes; 0 means this thread.
        if unsafe { libc::sched_getaffinity(0, size, &mut before) } != 0 {
            return None;
        }
        // SAFETY: CPU_ISSET reads a bit of a valid set, within CPU_SETSIZE.
        let cpu =
            (0..libc::CPU_SETSIZE as usize).find(|&c| unsafe { libc::CPU_ISSET(c, &before) })?;
        // SAFETY: as above, all zeroes is the empty set.
        let mut one: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: `cpu` is below CPU_SETSIZE.
        unsafe { libc::CPU_SET(cpu, &mut one) };
        // SAFETY: `one` is a valid set of `size` bytes.
        if unsafe { libc::sched_setaffinity(0, size, &one) } != 0 {
            return None;
        }
        Some(OneCore { before, cpu })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn pin() -> Option<OneCore> {
        None
    }
}

impl Drop for OneCore {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        // SAFETY: `before` is the valid set this thread had.
        unsafe {
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &self.before);
        }
    }
}
