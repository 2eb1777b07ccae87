//! Exercise 01 graded suite, the job in processes: `run_in_processes` with real worker
//! processes, started from the binary in src/bin/ (or from `sh`).
//! Book: `book/src/part-1/work-in-processes.md`.
//!
//! Which promise of the stub's docs each test checks: `tests/contracts/exercise-01.toml`.
//! Failures are injected from here, through the rules the worker reads from
//! `EXERCISE_01_WORKER` (src/worker_process.rs): a worker that aborts, exits with 3, writes
//! garbage, exits without a word, replies and then crashes, or never ends, each only on the
//! chunk that holds a given number, so the test does not depend on the order in which the
//! workers are started. `sh` workers die of SIGSEGV, before or after reading their job; a
//! command that names no program cannot start. Every worker notes its pid in a directory of
//! the test (`EXERCISE_01_PID_DIR`), so the test can look each one up in the process table
//! after `run_in_processes` returned: gone, or still there (running, or a zombie).

use std::cell::Cell;
use std::os::unix::process::ExitStatusExt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::job::{split, work};
use crate::with_processes::{WorkerError, run_in_processes};

const CHAPTER: &str = "book/src/part-1/work-in-processes.md";

/// The deadline of the tests whose workers all behave: far more than they need.
const ENOUGH: Duration = Duration::from_secs(5);

/// The deadline of the tests where a worker runs away.
const SHORT: Duration = Duration::from_millis(500);

/// `work` of the numbers 0..40_000 as src/job.rs ships it (the chunks' results add up to
/// it, wrapping, however the input is cut).
const WORK_OF_0_TO_40_000: u64 = 12_798_804_299_903_743_162;

/// A program that does not exist.
const MISSING_PROGRAM: &str = "/nonexistent/exercise-01/no-such-worker";

/// The worker binary of the crate under test (`src/bin/`): cargo builds it for the tests.
fn worker_exe() -> &'static str {
    match option_env!("CARGO_BIN_EXE_exercise-01-worker")
        .or(option_env!("CARGO_BIN_EXE_solution-01-worker"))
    {
        Some(path) => path,
        None => panic!(
            "no worker binary: src/bin/ must hold the worker program of this exercise \
             (exercise-01-worker.rs); it is provided, put it back if it is gone"
        ),
    }
}

/// The workers of one test: a fresh directory where each notes its pid. Dropping it (at
/// the end of the test, passed or failed) kills those that are still running.
struct Workers {
    dir: PathBuf,
}

impl Workers {
    fn new(test: &str) -> Workers {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("exercise-01-{test}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        Workers { dir }
    }

    /// The process ids of every worker started so far.
    fn pids(&self) -> Vec<u32> {
        pids_in(&self.dir)
    }

    /// A command factory for the worker binary, with `rules` in `EXERCISE_01_WORKER`.
    fn binary(&self, rules: &str) -> impl Fn() -> Command + Send + 'static {
        let (dir, rules) = (self.dir.clone(), rules.to_owned());
        move || {
            let mut command = Command::new(worker_exe());
            command
                .env("EXERCISE_01_PID_DIR", &dir)
                .env("EXERCISE_01_WORKER", &rules);
            command
        }
    }

    /// A command factory for `sh -c script`, which notes its pid first.
    fn shell(&self, script: &str) -> impl Fn() -> Command + Send + 'static {
        let dir = self.dir.clone();
        let script = format!("touch \"$EXERCISE_01_PID_DIR/$$\"; {script}");
        move || {
            let mut command = Command::new("sh");
            command
                .args(["-c", &script])
                .env("EXERCISE_01_PID_DIR", &dir);
            command
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        kill_leftovers(&self.pids());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn pids_in(dir: &Path) -> Vec<u32> {
    let mut pids: Vec<u32> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    pids
}

/// `run_in_processes`, with a panic of the parent turned into the course's message (a
/// `todo!()` stays as it is: not written yet, not wrong).
fn run(
    command: impl Fn() -> Command,
    input: &[u64],
    processes: usize,
    deadline: Duration,
) -> Vec<Result<u64, WorkerError>> {
    let ran = panic::catch_unwind(AssertUnwindSafe(|| {
        run_in_processes(command, input, processes, deadline)
    }));
    match ran {
        Ok(results) => results,
        Err(payload) => {
            let text = deadline::panic_text(payload.as_ref());
            if text.contains("not yet implemented") {
                panic::resume_unwind(payload);
            }
            panic!(
                "run_in_processes panicked: {text}. A worker that cannot start, dies, \
                 replies garbage or runs away is an Err for its own chunk, never a panic of \
                 the parent (a write to a worker that died fails with a broken pipe: that \
                 is no reason to panic either). A panic in your own code, such as a division \
                 by zero when processes is 0, comes from cutting the chunks by hand: \
                 split(input, processes) takes 0 as 1 ({CHAPTER}#isolation)"
            )
        }
    }
}

/// The result of `work` on each chunk of `split(input, n)`.
fn expected(input: &[u64], n: usize) -> Vec<Option<u64>> {
    split(input, n).into_iter().map(|c| Some(work(c))).collect()
}

fn values(results: &[Result<u64, WorkerError>]) -> Vec<Option<u64>> {
    results.iter().map(|r| r.as_ref().ok().copied()).collect()
}

fn numbers(n: u64) -> Vec<u64> {
    (1..=n).collect()
}

/// What became of a process this test process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Gone from the process table: it ended and was reaped.
    Reaped,
    /// It ended, but nobody waited for it: a zombie.
    Zombie,
    /// Still running (or sleeping, or stopped).
    Running,
}

/// Looks `pid` up in the process table, as a child of this process.
fn fate(pid: u32) -> Fate {
    // "state ppid ...", from /proc or from ps.
    let fields = if Path::new("/proc/self/stat").exists() {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return Fate::Reaped;
        };
        // "pid (name) S ppid ...": the name may hold spaces and parentheses.
        stat.rsplit_once(')')
            .map_or(String::new(), |(_, rest)| rest.to_owned())
    } else {
        // No /proc (macOS): ask ps.
        let output = Command::new("ps")
            .args(["-o", "stat=,ppid=", "-p", &pid.to_string()])
            .output();
        let Ok(output) = output else {
            return Fate::Reaped;
        };
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let mut fields = fields.split_whitespace();
    let state = fields.next().unwrap_or("");
    let parent: Option<u32> = fields.next().and_then(|p| p.parse().ok());
    if state.is_empty() || parent != Some(std::process::id()) {
        Fate::Reaped
    } else if state.starts_with('Z') {
        Fate::Zombie
    } else {
        Fate::Running
    }
}

/// Kills those of `pids` that are still running children of this process, so a failed
/// test leaves nothing running behind it. (Their pids cannot have been reused: a child's
/// pid stays taken until it is waited for.)
fn kill_leftovers(pids: &[u32]) {
    for &pid in pids {
        if fate(pid) == Fate::Running {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

/// Fails the test if one of `pids` is still in the process table.
fn assert_all_reaped(pids: &[u32], what: &str) {
    let left: Vec<(u32, Fate)> = pids
        .iter()
        .map(|&pid| (pid, fate(pid)))
        .filter(|&(_, fate)| fate != Fate::Reaped)
        .collect();
    assert!(
        left.is_empty(),
        "after run_in_processes returned ({what}), these workers are still in the process \
         table: {left:?}. A Zombie ended but was never waited for: kill() alone, or a child \
         dropped without wait(), leaves one. A Running one was never killed. Every worker \
         must be reaped (try_wait that saw it exit, or wait) before you return \
         ({CHAPTER}#killing)"
    );
}

/// Fails the test unless there is one result per chunk.
fn assert_len(results: &[Result<u64, WorkerError>], chunks: usize) {
    assert_eq!(
        results.len(),
        chunks,
        "{chunks} chunks gave {results:?}: one result per chunk, whatever became of its \
         worker ({CHAPTER}#exercise)"
    );
}

fn died_status(result: &Result<u64, WorkerError>) -> Option<(u32, std::process::ExitStatus)> {
    match result {
        Err(WorkerError::Died { pid, status }) => Some((*pid, *status)),
        _ => None,
    }
}

#[test]
fn processes_give_one_result_per_chunk_in_input_order() {
    let workers = Workers::new("order");
    let command = workers.binary("reply");
    let waiting = "run_in_processes(0..40_000, 4 workers): each chunk is 80 KB, more than a \
                   pipe holds, so the worker must be reading while you write";
    deadline::within_secs(20, waiting, move || {
        let input: Vec<u64> = (0..40_000).collect();
        let results = run(command, &input, 4, ENOUGH);
        assert_eq!(
            values(&results),
            expected(&input, 4),
            "run_in_processes(0..40_000, 4 workers) gave {results:?}: one result per chunk \
             of split(input, 4), in input order, each work(chunk) as the worker replied it. \
             All TimedOut? The worker waits for a next job until its stdin is closed: drop \
             the stdin you took out of the Child once the job is written \
             ({CHAPTER}#sending-data)"
        );
        let total = values(&results)
            .into_iter()
            .flatten()
            .fold(0, u64::wrapping_add);
        assert_eq!(
            total, WORK_OF_0_TO_40_000,
            "the workers' results add up (wrapping) to {total}, but work(0..40_000) as \
             shipped gives {WORK_OF_0_TO_40_000}: src/job.rs and src/worker_process.rs are \
             provided, put them back as they were shipped ({CHAPTER}#exercise)"
        );
    });
}

#[test]
fn processes_run_each_chunk_in_a_child_process_of_its_own() {
    let workers = Workers::new("pids");
    let command = workers.binary("pid");
    let results = deadline::within_secs(
        20,
        "run_in_processes(1..=9, 3 workers that reply their pid)",
        move || run(command, &numbers(9), 3, ENOUGH),
    );
    let started = workers.pids();
    let mut replied: Vec<u32> = values(&results)
        .into_iter()
        .flatten()
        .filter_map(|pid| u32::try_from(pid).ok())
        .collect();
    replied.sort_unstable();
    assert!(
        results.len() == 3 && replied.len() == 3,
        "three workers that reply their pid gave {results:?} ({CHAPTER}#exercise)"
    );
    assert!(
        !replied.contains(&std::process::id()),
        "a chunk was answered by the test's own process: each chunk must go to a worker \
         process started from command() ({CHAPTER}#isolation)"
    );
    assert_eq!(
        replied, started,
        "the replies came from the processes {replied:?}, but the workers started were \
         {started:?}: one worker process per chunk, each from a fresh command() \
         ({CHAPTER}#isolation)"
    );
    assert_all_reaped(&started, "three workers that replied and exited");
}

#[test]
fn processes_run_all_workers_at_the_same_time() {
    let workers = Workers::new("meet");
    // Each worker replies only once all three have started (or exits with 1 after 3 s).
    let command = workers.binary("meet:3");
    let waiting = "run_in_processes(1..=9, 3 workers that each wait until all 3 have started)";
    let (input, results) = deadline::within_secs(20, waiting, move || {
        let input = numbers(9);
        let results = run(command, &input, 3, ENOUGH);
        (input, results)
    });
    assert_eq!(
        values(&results),
        expected(&input, 3),
        "each of the 3 workers replies only once all 3 are running, and run_in_processes \
         gave {results:?}: start every worker (and send it its job) before you wait for any. \
         Waiting for each worker before starting the next runs the chunks one after the \
         other, and the processes buy nothing ({CHAPTER}#exercise)"
    );
    assert_all_reaped(&workers.pids(), "three workers replied");
}

#[test]
fn processes_keep_input_order_when_the_first_worker_finishes_last() {
    let workers = Workers::new("slow-first");
    // The worker of the chunk holding 1 (the first) sleeps before it replies.
    let command = workers.binary("sleep:1000@1");
    let waiting = "run_in_processes(1..=30, 3 workers), the first one a second slower";
    deadline::within_secs(20, waiting, move || {
        let input = numbers(30);
        let results = run(command, &input, 3, ENOUGH);
        assert_eq!(
            values(&results),
            expected(&input, 3),
            "the worker of the first chunk replied last, and run_in_processes gave \
             {results:?}: results come back in input order, not in the order the workers \
             finished. Keep each worker's chunk index and put its result there \
             ({CHAPTER}#exercise)"
        );
    });
}

#[test]
fn processes_a_worker_that_aborts_is_reported_and_the_others_go_on() {
    let workers = Workers::new("abort");
    // The worker of [4, 5, 6] aborts; the others reply their pid.
    let command = workers.binary("abort@5,pid");
    let results = deadline::within_secs(
        20,
        "run_in_processes(1..=9, 3 workers), the second one dying of SIGABRT",
        move || run(command, &numbers(9), 3, ENOUGH),
    );
    assert_len(&results, 3);
    let started = workers.pids();
    assert!(
        results.len() == 3 && results[0].is_ok() && results[2].is_ok(),
        "the worker of chunk 1 aborted, and run_in_processes gave {results:?}: the other two \
         chunks must still give their results. A crash stays in its process \
         ({CHAPTER}#isolation)"
    );
    let Some((pid, status)) = died_status(&results[1]) else {
        panic!(
            "the worker of chunk 1 died of SIGABRT, and its result is {:?}: it must be \
             Err(WorkerError::Died {{ pid, status }}). A worker that did not exit with \
             success died, whatever it wrote ({CHAPTER}#isolation)",
            results[1]
        );
    };
    assert_eq!(
        status.signal(),
        Some(6),
        "the worker of chunk 1 died of SIGABRT (signal 6), but Died says {status:?}: report \
         the status that wait gave ({CHAPTER}#isolation)"
    );
    let others: Vec<u64> = values(&results).into_iter().flatten().collect();
    assert!(
        started.contains(&pid) && !others.contains(&u64::from(pid)),
        "Died names worker {pid}, but the workers started were {started:?} and the two that \
         replied were {others:?}: name the pid of the worker that died (Child::id) \
         ({CHAPTER}#isolation)"
    );
    let error = results[1].as_ref().err();
    let shown = error.map(ToString::to_string).unwrap_or_default();
    assert!(
        shown.contains(&pid.to_string()),
        "WorkerError's Display shows {shown:?}: it must name the worker's pid \
         ({CHAPTER}#isolation)"
    );
    assert!(
        auto_traits::is_send!(WorkerError) && auto_traits::is_sync!(WorkerError),
        "WorkerError must be Send and Sync, so that the results can be handed to another \
         thread ({CHAPTER}#exercise)"
    );
    assert_all_reaped(&started, "one worker aborted");
}

#[test]
fn processes_a_worker_that_exits_with_3_is_reported_with_its_code() {
    let workers = Workers::new("exit-3");
    let command = workers.binary("exit:3@5");
    let waiting = "run_in_processes(1..=9, 3 workers), the second one exiting with code 3";
    let (input, results) = deadline::within_secs(20, waiting, move || {
        let input = numbers(9);
        let results = run(command, &input, 3, ENOUGH);
        (input, results)
    });
    assert_len(&results, 3);
    let code = died_status(&results[1]).and_then(|(_, status)| status.code());
    assert_eq!(
        code,
        Some(3),
        "the worker of chunk 1 exited with code 3 without replying, and its result is {:?}: \
         it must be Died with that exit status ({CHAPTER}#isolation)",
        results[1]
    );
    let want = expected(&input, 3);
    assert!(
        values(&results)[0] == want[0] && values(&results)[2] == want[2],
        "one worker of three exited with code 3, and run_in_processes gave {results:?}: the \
         other two chunks must still give work(chunk) ({CHAPTER}#isolation)"
    );
    assert_all_reaped(&workers.pids(), "one worker exited with code 3");
}

#[test]
fn processes_a_worker_killed_by_sigsegv_is_reported_with_its_signal() {
    let workers = Workers::new("segv");
    // A worker that reads its job, then dies as a segfault would.
    let command = workers.shell("cat > /dev/null; kill -SEGV $$");
    let results = deadline::within_secs(
        20,
        "run_in_processes(1..=4, 2 `sh` workers that die of SIGSEGV after reading their job)",
        move || run(command, &numbers(4), 2, ENOUGH),
    );
    let signals: Vec<Option<i32>> = results
        .iter()
        .map(|r| died_status(r).and_then(|(_, status)| status.signal()))
        .collect();
    assert_eq!(
        signals,
        [Some(11), Some(11)],
        "both workers were killed by SIGSEGV (signal 11), and run_in_processes gave \
         {results:?}: each is Died, with the status whose signal() is 11. A status with no \
         exit code is a death by signal, not a success ({CHAPTER}#isolation)"
    );
    assert_all_reaped(&workers.pids(), "two workers died of SIGSEGV");
}

#[test]
fn processes_a_worker_that_dies_before_reading_its_job_is_reported() {
    let workers = Workers::new("early-death");
    // Dies at once: the parent's write into its stdin fails with a broken pipe (EPIPE).
    let command = workers.shell("kill -SEGV $$");
    let waiting = "run_in_processes(0..100_000, 2 `sh` workers that die before reading their \
                   800 KB job)";
    let results = deadline::within_secs(20, waiting, move || {
        let input: Vec<u64> = (0..100_000).collect();
        run(command, &input, 2, ENOUGH)
    });
    let signals: Vec<Option<i32>> = results
        .iter()
        .map(|r| died_status(r).and_then(|(_, status)| status.signal()))
        .collect();
    assert_eq!(
        signals,
        [Some(11), Some(11)],
        "both workers died of SIGSEGV before reading their job (so writing it failed with a \
         broken pipe), and run_in_processes gave {results:?}: a failed write is not the \
         result; wait for the worker and report how it died ({CHAPTER}#isolation)"
    );
    assert_all_reaped(&workers.pids(), "two workers died before reading their job");
}

#[test]
fn processes_a_garbage_reply_is_an_error_not_a_value() {
    let workers = Workers::new("garbage");
    let command = workers.binary("garbage@5");
    let waiting = "run_in_processes(1..=9, 3 workers), the second one writing garbage";
    let results = deadline::within_secs(20, waiting, move || run(command, &numbers(9), 3, ENOUGH));
    assert_len(&results, 3);
    assert!(
        matches!(&results[1], Err(WorkerError::BadReply { error, .. })
            if error.kind() == std::io::ErrorKind::InvalidData),
        "the worker of chunk 1 wrote \"this is not a reply\" and exited with success, and \
         its result is {:?}: it must be Err(BadReply) with the InvalidData error that \
         read_reply gave, never a number ({CHAPTER}#sending-data)",
        results[1]
    );
    assert!(
        results[0].is_ok() && results[2].is_ok(),
        "one worker wrote garbage, and run_in_processes gave {results:?}: the other chunks \
         must still give their results ({CHAPTER}#isolation)"
    );
    assert_all_reaped(&workers.pids(), "one worker wrote garbage");
}

#[test]
fn processes_a_worker_that_exits_without_replying_is_an_error() {
    let workers = Workers::new("silent");
    let command = workers.binary("silent@5");
    let waiting = "run_in_processes(1..=9, 3 workers), the second one exiting without a word";
    let results = deadline::within_secs(20, waiting, move || run(command, &numbers(9), 3, ENOUGH));
    assert_len(&results, 3);
    assert!(
        matches!(&results[1], Err(WorkerError::BadReply { error, .. })
            if error.kind() == std::io::ErrorKind::UnexpectedEof),
        "the worker of chunk 1 exited with success without replying (its stdout just ended), \
         and its result is {:?}: it must be Err(BadReply) with the UnexpectedEof error that \
         read_reply gave ({CHAPTER}#sending-data)",
        results[1]
    );
    assert!(
        results[0].is_ok() && results[2].is_ok(),
        "one worker exited without a reply, and run_in_processes gave {results:?}: the other \
         chunks must still give their results ({CHAPTER}#isolation)"
    );
    assert_all_reaped(&workers.pids(), "one worker exited without a reply");
}

#[test]
fn processes_a_reply_followed_by_a_crash_counts_as_a_crash() {
    let workers = Workers::new("reply-then-abort");
    let command = workers.binary("reply-then-abort@5");
    let waiting = "run_in_processes(1..=9, 3 workers), the second one aborting after its reply";
    let results = deadline::within_secs(20, waiting, move || run(command, &numbers(9), 3, ENOUGH));
    assert_len(&results, 3);
    let signal = died_status(&results[1]).and_then(|(_, status)| status.signal());
    assert_eq!(
        signal,
        Some(6),
        "the worker of chunk 1 replied, then died of SIGABRT, and its result is {:?}: a \
         worker that did not exit with success died, even if it wrote a reply first (it may \
         have crashed while writing it). Check status.success(); `code() != Some(0)` alone \
         misses a death by signal, which has no code ({CHAPTER}#isolation)",
        results[1]
    );
    assert_all_reaped(&workers.pids(), "one worker aborted after its reply");
}

#[test]
fn processes_a_runaway_worker_is_killed_at_the_deadline_and_reaped() {
    let workers = Workers::new("hang");
    let command = workers.binary("hang@5");
    let waiting = "run_in_processes(1..=9, 3 workers, deadline 0.5 s), the second one never \
                   replying (is it killed at the deadline? a blocking wait or read on it \
                   never returns)";
    let (input, results) = deadline::within_secs(10, waiting, move || {
        let input = numbers(9);
        let results = run(command, &input, 3, SHORT);
        (input, results)
    });
    assert_len(&results, 3);
    let started = workers.pids();
    let pid = match &results[1] {
        Err(WorkerError::TimedOut { pid, deadline }) => {
            assert_eq!(
                *deadline, SHORT,
                "TimedOut must carry the deadline the worker missed ({CHAPTER}#killing)"
            );
            *pid
        }
        other => panic!(
            "the worker of chunk 1 never replies nor exits, and its result is {other:?}: at \
             the deadline it must be killed and reported as TimedOut ({CHAPTER}#killing)"
        ),
    };
    assert!(
        started.contains(&pid),
        "TimedOut names worker {pid}, which is not one of the workers started, {started:?} \
         ({CHAPTER}#killing)"
    );
    let want = expected(&input, 3);
    assert!(
        values(&results)[0] == want[0] && values(&results)[2] == want[2],
        "one worker ran away, and run_in_processes gave {results:?}: the other two chunks \
         must still give work(chunk) ({CHAPTER}#killing)"
    );
    assert_all_reaped(&started, "one worker was killed at the deadline");
}

#[test]
fn processes_one_deadline_for_all_counted_from_the_start() {
    let workers = Workers::new("one-deadline");
    // Five workers never end; the sixth replies after 1.5 s, three deadlines too late.
    let command = workers.binary("hang@1,hang@2,hang@3,hang@4,hang@5,sleep:1500@6");
    let waiting = "run_in_processes(1..=6, 6 workers, deadline 0.5 s): five that never end, \
                   one that replies after 1.5 s";
    let results = deadline::within_secs(15, waiting, move || run(command, &numbers(6), 6, SHORT));
    assert_len(&results, 6);
    let started = workers.pids();
    assert!(
        results[..5]
            .iter()
            .all(|r| matches!(r, Err(WorkerError::TimedOut { .. }))),
        "five workers of six never end, and run_in_processes gave {results:?}: each must be \
         killed at the deadline and TimedOut ({CHAPTER}#killing)"
    );
    assert!(
        matches!(&results[5], Err(WorkerError::TimedOut { .. })),
        "the worker of chunk 5 replies only 1.5 s after it was started, and with a deadline \
         of 0.5 s its result is {:?}: it was still running 0.5 s after the workers were \
         started, so it must be killed and TimedOut. The deadline is one instant for all the \
         workers, counted from when you started them (take Instant::now() once), not from \
         when you began waiting for each: waiting for the five runaways one after the other, \
         each for 0.5 s, let the sixth run for 2.5 s ({CHAPTER}#killing)",
        results[5]
    );
    assert_all_reaped(&started, "six workers were killed at the deadline");
}

#[test]
fn processes_a_worker_that_replies_but_never_exits_is_killed_at_the_deadline() {
    let workers = Workers::new("reply-then-hang");
    let command = workers.binary("reply-then-hang@5");
    let waiting = "run_in_processes(1..=9, 3 workers, deadline 0.5 s), the second one never \
                   exiting after its reply";
    let results = deadline::within_secs(10, waiting, move || run(command, &numbers(9), 3, SHORT));
    assert_len(&results, 3);
    assert!(
        matches!(&results[1], Err(WorkerError::TimedOut { .. })),
        "the worker of chunk 1 replied but never exited, and its result is {:?}: a result \
         counts only once its worker has exited with success; one still running at the \
         deadline is killed and TimedOut ({CHAPTER}#killing)",
        results[1]
    );
    assert_all_reaped(
        &workers.pids(),
        "one worker was killed at the deadline after its reply",
    );
}

#[test]
fn processes_leave_no_zombie_behind() {
    let workers = Workers::new("zombies");
    let command = workers.binary("abort@1,exit:3@2,garbage@3,hang@4,silent@5,reply-then-abort@6");
    let waiting = "run_in_processes(1..=7, 7 workers, deadline 0.5 s): one that aborts, one \
                   that exits with 3, one that writes garbage, one that never ends, one \
                   that exits without a reply, one that aborts after its reply, one that works";
    let results = deadline::within_secs(10, waiting, move || run(command, &numbers(7), 7, SHORT));
    let started = workers.pids();
    assert!(
        results.len() == 7 && started.len() == 7,
        "7 numbers on 7 workers gave {results:?} from the workers {started:?}: one worker \
         per number ({CHAPTER}#exercise)"
    );
    assert!(
        results[6].is_ok() && results[..6].iter().all(Result::is_err),
        "six workers of seven failed, each in its own way, and run_in_processes gave \
         {results:?}: an Err for each of the six, and the seventh's result \
         ({CHAPTER}#isolation)"
    );
    assert_all_reaped(&started, "six workers of seven failed in six ways");
}

#[test]
fn processes_a_worker_that_cannot_start_costs_only_its_chunk() {
    let workers = Workers::new("not-started");
    let binary = workers.binary("reply");
    let waiting = "run_in_processes(1..=9, 3 workers), the second command() naming a \
                   program that does not exist";
    let (input, results) = deadline::within_secs(20, waiting, move || {
        let calls = Cell::new(0);
        let command = || {
            calls.set(calls.get() + 1);
            if calls.get() == 2 {
                Command::new(MISSING_PROGRAM)
            } else {
                binary()
            }
        };
        let input = numbers(9);
        let results = run(command, &input, 3, ENOUGH);
        (input, results)
    });
    let not_started = results
        .iter()
        .filter(|r| matches!(r, Err(WorkerError::NotStarted(_))))
        .count();
    assert_eq!(
        not_started, 1,
        "one command() of three named a program that does not exist, and run_in_processes \
         gave {results:?}: exactly one chunk is Err(NotStarted) with the error of spawn \
         ({CHAPTER}#isolation)"
    );
    let want = expected(&input, 3);
    let wrong = values(&results)
        .iter()
        .zip(&want)
        .zip(&results)
        .any(|((got, want), result)| result.is_ok() && got != want);
    assert!(
        !wrong && results.iter().filter(|r| r.is_ok()).count() == 2,
        "one worker of three could not start, and run_in_processes gave {results:?}: the \
         other two chunks must still give work(chunk), {want:?} ({CHAPTER}#isolation)"
    );
    assert_all_reaped(&workers.pids(), "one worker of three could not start");
}

#[test]
fn processes_given_no_input_start_no_worker() {
    let workers = Workers::new("empty");
    let command = workers.binary("reply");
    let results = deadline::within_secs(20, "run_in_processes(&[], 4 workers)", move || {
        run(command, &[], 4, ENOUGH)
    });
    let started = workers.pids();
    assert!(
        results.is_empty() && started.is_empty(),
        "run_in_processes on no input gave {results:?} and started the workers {started:?}: \
         no input, no chunks (split gives none), so no worker and no result \
         ({CHAPTER}#exercise)"
    );
}

#[test]
fn processes_more_than_numbers_start_one_worker_per_number() {
    let workers = Workers::new("more-workers");
    let command = workers.binary("reply");
    let results = deadline::within_secs(20, "run_in_processes(1..=3, 8 workers)", move || {
        run(command, &numbers(3), 8, ENOUGH)
    });
    let started = workers.pids();
    assert!(
        values(&results) == [Some(work(&[1])), Some(work(&[2])), Some(work(&[3]))]
            && started.len() == 3,
        "run_in_processes(1..=3, 8 workers) gave {results:?} from the workers {started:?}: \
         with more workers than numbers, each number is a chunk of its own, with a worker \
         of its own, and no worker gets an empty chunk (use split) ({CHAPTER}#exercise)"
    );
    assert_all_reaped(&started, "three workers replied");
}

#[test]
fn processes_zero_is_taken_as_one() {
    let workers = Workers::new("zero");
    let command = workers.binary("reply");
    let results = deadline::within_secs(20, "run_in_processes(1..=5, 0 workers)", move || {
        run(command, &numbers(5), 0, ENOUGH)
    });
    let started = workers.pids();
    assert!(
        values(&results) == [Some(work(&numbers(5)))] && started.len() == 1,
        "run_in_processes(1..=5, 0 workers) gave {results:?} from the workers {started:?}: \
         0 workers is taken as 1, one worker with the whole input (split does it) \
         ({CHAPTER}#exercise)"
    );
    assert_all_reaped(&started, "one worker replied");
}
