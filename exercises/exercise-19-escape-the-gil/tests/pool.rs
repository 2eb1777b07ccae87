//! Exercise 19 graded suite: the pool of worker processes. Every test starts real worker
//! processes from the binary in src/bin/, which runs your `serve`.
//! Book: `book/src/part-6/escaping.md`.
//!
//! Which promise of the stub's docs each test checks: `tests/contracts/exercise-19.toml`.
//! Failures are injected from here: a job that makes its worker exit (`exit_now`), a worker
//! killed while idle (its pid from `pids()`), a command factory whose program no longer
//! starts from its Nth call on, jobs that wait for each other or for the test (`meet`).

mod common;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::panic;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::{self, JoinHandle};

use toy_python::Value;

sync_shim::include_under_std!(protocol, pool);

use common::{
    CHAPTER, Fate, MISSING_PROGRAM, current_thread_id, fate, fresh_dir, kill_and_wait_until_dead,
    kill_leftovers, wait_for_entries, wait_until_asleep, worker_command, worker_exe,
};
use pool::{Pool, PoolError};
use protocol::{Job, Reply};

const PROCESSES: &str = "#processes";
const CRASH: &str = "#crash-isolation";

const DOUBLE: &str = "def double(n):\n    return n * 2\n";

const SUM_TO: &str = "\
def sum_to(n):
    total = 0
    i = 1
    while i < n + 1:
        total += i
        i += 1
    return total
";

fn double(n: i64) -> Job {
    Job::new(DOUBLE, "double", vec![Value::Int(n)])
}

fn start_pool(size: usize, command: impl Fn() -> Command + Send + Sync + 'static) -> Pool {
    Pool::new(size, command).unwrap_or_else(|e| {
        panic!("Pool::new({size}, ..) failed to start its workers: {e} ({CHAPTER}{PROCESSES})")
    })
}

/// A pool whose workers start with `key` set to `value` in their environment.
fn start_pool_with_env(size: usize, key: &'static str, value: impl AsRef<OsStr>) -> Pool {
    let value = value.as_ref().to_owned();
    start_pool(size, move || {
        let mut command = worker_command();
        command.env(key, &value);
        command
    })
}

fn ok_value(result: &Result<Reply, PoolError>) -> Option<&Value> {
    match result {
        Ok(Reply {
            result: Ok(value), ..
        }) => Some(value),
        _ => None,
    }
}

/// A pool whose workers call `meet` in a fresh directory of their own.
fn meeting_pool(size: usize) -> (Pool, PathBuf) {
    let dir = fresh_dir("meet");
    let pool = start_pool_with_env(size, "EXERCISE_19_MEET_DIR", &dir);
    (pool, dir)
}

#[test]
fn a_new_pool_has_its_workers_in_processes_of_their_own() {
    deadline::within_secs(10, "Pool::new(2, ..) and pids()", || {
        assert!(
            auto_traits::is_send!(Pool) && auto_traits::is_sync!(Pool),
            "Pool must be Send and Sync: run_all() and its callers share one pool between \
             threads (is the command factory still `Send + Sync`?) ({CHAPTER}{PROCESSES})"
        );
        let pool = start_pool(2, worker_command);
        let pids = pool.pids();
        assert_eq!(
            pids.len(),
            2,
            "a pool of 2 must start 2 worker processes; pids() lists {pids:?} \
             ({CHAPTER}{PROCESSES})"
        );
        assert_ne!(
            pids[0], pids[1],
            "the two workers have the same process id: start one process per worker \
             ({CHAPTER}{PROCESSES})"
        );
        for pid in &pids {
            assert_eq!(
                fate(*pid),
                Fate::Running,
                "worker {pid} is not a running child of this process ({CHAPTER}{PROCESSES})"
            );
        }
    });
}

#[test]
fn the_pool_runs_programs_and_returns_the_results_in_job_order() {
    deadline::within_secs(10, "run() and run_all() on a pool of 2", || {
        let pool = start_pool(2, worker_command);
        let one = pool.run(&double(21));
        assert_eq!(
            ok_value(&one),
            Some(&Value::Int(42)),
            "run(double(21)) returned {one:?} ({CHAPTER}{PROCESSES})"
        );
        let mut jobs: Vec<Job> = (0..5).map(double).collect();
        jobs.push(Job::new(SUM_TO, "sum_to", vec![Value::Int(100)]));
        jobs.push(Job::new(
            "def nothing():\n    return None\n",
            "nothing",
            vec![],
        ));
        let results = pool.run_all(&jobs);
        let values: Vec<Option<Value>> = results.iter().map(|r| ok_value(r).cloned()).collect();
        let expected: Vec<Option<Value>> = [0, 2, 4, 6, 8, 5050]
            .map(|n| Some(Value::Int(n)))
            .into_iter()
            .chain([Some(Value::None)])
            .collect();
        assert_eq!(
            values, expected,
            "run_all() of double(0) .. double(4), sum_to(100) and nothing() returned \
             {results:?}: one result per job, in the order of the jobs, whichever worker ran \
             which ({CHAPTER}{PROCESSES})"
        );
    });
}

#[test]
fn each_job_runs_in_one_of_the_pool_s_worker_processes() {
    deadline::within_secs(10, "run() on a pool of 2", || {
        let pool = start_pool(2, worker_command);
        let workers = pool.pids();
        let reply = pool.run(&Job::new("def me():\n    return pid()\n", "me", vec![]));
        let Ok(reply) = reply else {
            panic!("run() returned {reply:?} ({CHAPTER}{PROCESSES})");
        };
        assert_ne!(
            reply.pid,
            std::process::id(),
            "the job ran in the test's own process: the pool must send it to a worker \
             process, which has an interpreter and a GIL of its own ({CHAPTER}{PROCESSES})"
        );
        assert!(
            workers.contains(&reply.pid),
            "the job ran in process {}, which is not one of the pool's workers {workers:?} \
             ({CHAPTER}{PROCESSES})",
            reply.pid
        );
        assert_eq!(
            reply.result,
            Ok(Value::Int(i64::from(reply.pid))),
            "the job asked its process for its pid and got an answer that does not match \
             the reply's pid ({CHAPTER}{PROCESSES})"
        );
    });
}

#[test]
fn two_jobs_run_at_the_same_time_in_two_processes() {
    let results = deadline::within_secs(
        30,
        "run_all() of two jobs that wait for each other, on a pool of 2",
        || {
            let (pool, dir) = meeting_pool(2);
            let meet = Job::new("def both():\n    return meet(2)\n", "both", vec![]);
            let results = pool.run_all(&[meet.clone(), meet]);
            drop(pool);
            let _ = std::fs::remove_dir_all(dir);
            results
        },
    );
    for (index, result) in results.iter().enumerate() {
        assert!(
            ok_value(result).is_some(),
            "two jobs each call meet(2), which returns only once two jobs have called it: \
             they succeed only if both run at the same time. Job {index} got {result:?}. \
             run_all() on a pool of 2 must keep both workers busy at once: one thread per \
             worker, each taking the next job, and run() must not hold the pool's lock \
             while its job runs ({CHAPTER}{PROCESSES})"
        );
    }
    let pids: BTreeSet<u32> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|reply| reply.pid)
        .collect();
    assert_eq!(
        pids.len(),
        2,
        "the two jobs that ran at the same time came back from {pids:?}: two different \
         worker processes should have run them ({CHAPTER}{PROCESSES})"
    );
}

#[test]
fn a_program_error_is_a_reply_and_the_worker_keeps_serving() {
    deadline::within_secs(10, "jobs with broken programs on a pool of 1", || {
        let pool = start_pool(1, worker_command);
        let first = pool.run(&double(1));
        let Ok(Reply { pid: worker, .. }) = first else {
            panic!("run(double(1)) returned {first:?} ({CHAPTER}{PROCESSES})");
        };
        let broken = [
            ("a syntax error", Job::new("def f(:\n", "f", vec![])),
            (
                "a runtime error",
                Job::new("def f():\n    return missing + 1\n", "f", vec![]),
            ),
        ];
        for (what, job) in broken {
            let result = pool.run(&job);
            match &result {
                Ok(Reply {
                    pid,
                    result: Err(_),
                }) if *pid == worker => {}
                Ok(Reply { result: Err(_), .. }) => panic!(
                    "a job with {what} came back from another worker than the pool's only \
                     one: did the worker die and get replaced? {result:?} \
                     ({CHAPTER}{CRASH})"
                ),
                _ => panic!(
                    "a job with {what} returned {result:?}; it must come back as a reply \
                     with Err(message) from the same worker: a broken program is an answer, \
                     and the worker goes on serving ({CHAPTER}{CRASH})"
                ),
            }
        }
        let after = pool.run(&double(5));
        assert!(
            matches!(&after, Ok(Reply { pid, result: Ok(Value::Int(10)) }) if *pid == worker),
            "after two broken programs, double(5) on the same worker {worker} returned \
             {after:?} ({CHAPTER}{CRASH})"
        );
    });
}

#[test]
fn a_worker_that_dies_mid_job_is_reported_and_replaced() {
    let waiting = "run() of a job whose worker exits in the middle of it, then of the next \
                   job, on a pool of 1 (the end of a worker's stdout where a reply should be \
                   means it died: run() returns WorkerDied, it does not wait for more)";
    deadline::within_secs(10, waiting, || {
        let pool = start_pool(1, worker_command);
        let before = pool.pids();
        let crash = Job::new("def crash():\n    return exit_now(3)\n", "crash", vec![]);
        let died = pool.run(&crash);
        match &died {
            Err(PoolError::WorkerDied { pid, status }) => {
                assert_eq!(
                    Some(pid),
                    before.first(),
                    "WorkerDied must name the worker that died, {before:?} \
                     ({CHAPTER}{CRASH})"
                );
                assert_eq!(
                    status.and_then(|s| s.code()),
                    Some(3),
                    "the worker called exit_now(3), so its exit status is 3, but \
                     WorkerDied says {status:?}: wait for the dead child and report how it \
                     ended ({CHAPTER}{CRASH})"
                );
            }
            _ => panic!(
                "a job whose worker exited in the middle of it returned {died:?}; it must \
                 be Err(PoolError::WorkerDied {{ .. }}): the end of the worker's stdout \
                 where a reply should be means the worker is gone ({CHAPTER}{CRASH})"
            ),
        }
        assert_eq!(
            fate(before[0]),
            Fate::Reaped,
            "the dead worker {} is still in the process table: the pool must wait for \
             it (Child::wait) so that it does not stay behind as a zombie \
             ({CHAPTER}{CRASH})",
            before[0]
        );
        let after = pool.pids();
        assert!(
            after.len() == 1 && after != before,
            "after its only worker died, the pool's workers are {after:?} (before: \
             {before:?}): it must start a new worker in its place ({CHAPTER}{CRASH})"
        );
        let next = pool.run(&double(4));
        assert_eq!(
            ok_value(&next),
            Some(&Value::Int(8)),
            "the job after the crash returned {next:?}: the new worker must take it \
             ({CHAPTER}{CRASH})"
        );
    });
}

#[test]
fn a_crash_fails_only_its_own_job() {
    let waiting = "run_all() of six jobs on a pool of 2, one of which makes its worker exit \
                   (its job ends with WorkerDied, and a new worker takes the dead one's place)";
    deadline::within_secs(10, waiting, || {
        let pool = start_pool(2, worker_command);
        let crash = Job::new("def crash():\n    return exit_now(7)\n", "crash", vec![]);
        let jobs = vec![double(1), crash, double(2), double(3), double(4), double(5)];
        let results = pool.run_all(&jobs);
        assert!(
            matches!(results.get(1), Some(Err(PoolError::WorkerDied { .. }))),
            "job 1 made its worker exit; its result must be WorkerDied, got {:?} \
             ({CHAPTER}{CRASH})",
            results.get(1)
        );
        let others: Vec<_> = results
            .iter()
            .enumerate()
            .filter(|&(index, _)| index != 1)
            .map(|(_, result)| ok_value(result).cloned())
            .collect();
        assert_eq!(
            others,
            [2, 4, 6, 8, 10].map(|n| Some(Value::Int(n))),
            "one job of six crashed its worker; the other five must still succeed, got \
             {results:?} ({CHAPTER}{CRASH})"
        );
        let pids = pool.pids();
        assert_eq!(
            pids.len(),
            2,
            "after a crash the pool must be back to 2 workers, has {pids:?} \
             ({CHAPTER}{CRASH})"
        );
    });
}

#[test]
fn dropping_the_pool_ends_and_reaps_every_worker() {
    let pids = deadline::within_secs(10, "dropping a pool of 2", || {
        let pool = start_pool(2, worker_command);
        let _ = pool.run_all(&[double(1), double(2)]);
        let pids = pool.pids();
        drop(pool);
        pids
    });
    for pid in pids {
        let after = fate(pid);
        assert_eq!(
            after,
            Fate::Reaped,
            "worker {pid} is {after:?} after the pool was dropped. Drop must close each \
             worker's stdin (so its serve loop ends) and then wait for it (Child::wait): a \
             child that has exited but was never waited for stays in the process table as \
             a zombie ({CHAPTER}{PROCESSES})"
        );
    }
}

#[test]
fn dropping_the_pool_kills_a_worker_that_does_not_exit() {
    // The worker would stay alive for a minute: if the test fails, it kills what is left.
    let started = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&started);
    let dropped = panic::catch_unwind(|| {
        deadline::within_secs(
            10,
            "dropping a pool whose worker stays alive after its stdin is closed \
             (does Drop kill it after a grace period?)",
            move || {
                let pool = start_pool_with_env(1, "EXERCISE_19_LINGER_MS", "60000");
                let pids = pool.pids();
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone_from(&pids);
                drop(pool);
                pids
            },
        )
    });
    let pids = match dropped {
        Ok(pids) => pids,
        Err(failure) => {
            kill_leftovers(&started.lock().unwrap_or_else(PoisonError::into_inner));
            panic::resume_unwind(failure);
        }
    };
    let fates: Vec<(u32, Fate)> = pids.iter().map(|&pid| (pid, fate(pid))).collect();
    kill_leftovers(&pids);
    for (pid, after) in fates {
        assert_eq!(
            after,
            Fate::Reaped,
            "worker {pid} stays alive for a minute after its stdin is closed, and is \
             {after:?} after the pool was dropped: wait a grace period, then kill it \
             (Child::kill) and wait for it ({CHAPTER}{PROCESSES})"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Deaths other than a clean exit mid-job, failing restarts, waiters, and state between jobs.
// ---------------------------------------------------------------------------------------

/// A job that waits until `n` calls of `meet` have arrived (the test adds its own to let it
/// go on), then makes its worker exit with `code`.
fn crash_after_meeting(n: usize, code: i32) -> Job {
    Job::new(
        format!("def crash_later():\n    x = meet({n})\n    return exit_now({code})\n"),
        "crash_later",
        vec![],
    )
}

/// A job that waits until `n` calls of `meet` have arrived, then returns `value`.
fn value_after_meeting(n: usize, value: i64) -> Job {
    Job::new(
        format!("def later():\n    x = meet({n})\n    return {value}\n"),
        "later",
        vec![],
    )
}

/// A command factory for the worker binary (with `EXERCISE_19_MEET_DIR` set to `dir`) whose
/// calls from the `fails_from`-th on (counting from 1) return a program that does not exist:
/// the worker program "no longer starts", and spawning it fails.
fn factory_failing_from(
    fails_from: usize,
    dir: PathBuf,
) -> impl Fn() -> Command + Send + Sync + 'static {
    let calls = AtomicUsize::new(0);
    move || {
        // Relaxed: the count only numbers the calls, it publishes nothing else.
        let call = calls.fetch_add(1, Ordering::Relaxed) + 1;
        let mut command = if call >= fails_from {
            Command::new(MISSING_PROGRAM)
        } else {
            worker_command()
        };
        command.env("EXERCISE_19_MEET_DIR", &dir);
        command
    }
}

/// `run(job)` on a thread of its own, and the kernel's id of that thread.
struct Caller {
    thread_id: Option<u32>,
    handle: JoinHandle<Result<Reply, PoolError>>,
}

fn call_in_a_thread(pool: &Arc<Pool>, job: Job) -> Caller {
    let pool = Arc::clone(pool);
    let (tell, told) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tell.send(current_thread_id());
        pool.run(&job)
    });
    let thread_id = told.recv().unwrap_or(None);
    Caller { thread_id, handle }
}

impl Caller {
    /// Waits (at most 5 s: it should take milliseconds) for the thread's `run()` to return.
    /// `who` names the thread and what it waits for, for the message if it never returns.
    fn join(self, who: &str) -> Result<Reply, PoolError> {
        let waiting = format!("run() in {who} ({CHAPTER}{CRASH})");
        let what = who.to_owned();
        deadline::within_secs(5, &waiting, move || {
            self.handle.join().unwrap_or_else(|panic| {
                panic!(
                    "run() panicked in {what}: {:?}. A worker that dies, or a new worker \
                     that cannot be started, is an Err for the job, never a panic \
                     ({CHAPTER}{CRASH})",
                    deadline::panic_text(panic.as_ref())
                )
            })
        })
    }
}

fn exit_code(result: &Result<Reply, PoolError>) -> Option<i32> {
    match result {
        Err(PoolError::WorkerDied { status, .. }) => status.and_then(|s| s.code()),
        _ => None,
    }
}

#[test]
fn a_worker_that_died_while_idle_costs_at_most_one_job() {
    let waiting = "run() on a pool of 1 whose idle worker was killed (the write of the job \
                   to its stdin fails with a broken pipe, or its stdout is at its end)";
    deadline::within_secs(10, waiting, || {
        let pool = start_pool(1, worker_command);
        let before = pool.pids();
        let [dead] = before[..] else {
            panic!("a pool of 1 lists the workers {before:?} ({CHAPTER}{PROCESSES})");
        };
        kill_and_wait_until_dead(dead);
        let first = pool.run(&double(5));
        match &first {
            Err(error @ PoolError::WorkerDied { pid, status }) => {
                assert_eq!(
                    *pid, dead,
                    "WorkerDied must name the worker that died, {dead} ({CHAPTER}{CRASH})"
                );
                assert!(
                    status.is_some_and(|s| !s.success() && s.code().is_none()),
                    "worker {dead} was killed by a signal, but WorkerDied says its status \
                     was {status:?}: wait for the dead child (Child::wait) and report how \
                     it ended ({CHAPTER}{CRASH})"
                );
                let text = error.to_string();
                assert!(
                    text.contains(&dead.to_string()),
                    "WorkerDied displays as {text:?}, without the worker's pid {dead}: keep \
                     the provided Display ({CHAPTER}{CRASH})"
                );
            }
            // A pool that checks a worker before sending it a job may replace it unasked.
            Ok(Reply {
                pid,
                result: Ok(Value::Int(10)),
            }) if *pid != dead => {}
            _ => panic!(
                "the pool's only worker {dead} was killed while it was idle; the next job \
                 returned {first:?}. Writing the job to a dead worker's stdin fails (a broken \
                 pipe): that, like the end of its stdout, means the worker is gone, so run() \
                 must return WorkerDied for that job and put a new worker in its place \
                 ({CHAPTER}{CRASH})"
            ),
        }
        assert_eq!(
            fate(dead),
            Fate::Reaped,
            "the worker {dead} that was killed while idle is still in the process table: \
             the pool must wait for it (Child::wait) ({CHAPTER}{CRASH})"
        );
        let after = pool.pids();
        assert!(
            after.len() == 1 && !after.contains(&dead),
            "after its idle worker {dead} was killed and a job was run, the pool's workers \
             are {after:?}: a new worker must take the dead one's place ({CHAPTER}{CRASH})"
        );
        let next = pool.run(&double(6));
        assert_eq!(
            ok_value(&next),
            Some(&Value::Int(12)),
            "the job after the dead worker was replaced returned {next:?} ({CHAPTER}{CRASH})"
        );
    });
}

#[test]
fn a_worker_that_writes_garbage_instead_of_a_reply_is_treated_as_dead() {
    let waiting = "run() on a pool whose worker writes bytes that are not a reply, then waits \
                   for its stdin to end";
    deadline::within_secs(10, waiting, || {
        // Not our worker binary: a shell that writes garbage, then reads until its stdin ends.
        let pool = start_pool(1, || {
            let mut command = Command::new("sh");
            command.args(["-c", "printf 'garbage, not a reply'; cat > /dev/null"]);
            command
        });
        let before = pool.pids();
        let result = pool.run(&double(1));
        assert!(
            matches!(&result, Err(PoolError::WorkerDied { pid, .. }) if before.contains(pid)),
            "a worker answered a job with bytes that are not a reply (read_reply returned an \
             Err); run() returned {result:?}. Garbage where the reply should be means the \
             worker is broken: treat it as dead, return WorkerDied, and replace it \
             ({CHAPTER}{CRASH})"
        );
        for pid in before {
            assert_eq!(
                fate(pid),
                Fate::Reaped,
                "the worker {pid} that wrote garbage is still in the process table: shut it \
                 down and wait for it ({CHAPTER}{CRASH})"
            );
        }
    });
}

#[test]
fn a_crash_with_a_thread_waiting_hands_the_new_worker_to_the_waiter() {
    let waiting = "a second run() that waits for the pool's only worker while that worker \
                   dies mid-job and is replaced (is the new worker announced to waiters, with \
                   notify on the condvar?)";
    deadline::within_secs(15, waiting, || {
        let dir = fresh_dir("meet");
        let pool = Arc::new(start_pool_with_env(1, "EXERCISE_19_MEET_DIR", &dir));
        let dead = pool.pids();
        let crashing = call_in_a_thread(&pool, crash_after_meeting(2, 4));
        wait_for_entries(&dir, 1);
        let waiter = call_in_a_thread(&pool, double(3));
        wait_until_asleep(waiter.thread_id);
        std::fs::write(dir.join("the-test"), b"").expect("the test writes to its directory");
        let crashed = crashing.join("the thread whose worker died mid-job");
        assert_eq!(
            exit_code(&crashed),
            Some(4),
            "the job whose worker exited with 4 returned {crashed:?}; it must be WorkerDied \
             with that status ({CHAPTER}{CRASH})"
        );
        let waited = waiter.join(
            "the thread that waited for the pool's only worker while it died and was \
             replaced (is the new worker checked in with a notify on the condvar, so that a \
             waiter wakes up and takes it?)",
        );
        assert!(
            matches!(&waited, Ok(Reply { pid, result: Ok(Value::Int(6)) }) if !dead.contains(pid)),
            "a thread waited for the pool's only worker while it died; the new worker \
             started in its place should have run the waiting job, which returned \
             {waited:?} ({CHAPTER}{CRASH})"
        );
        let _ = std::fs::remove_dir_all(dir);
    });
}

#[test]
fn when_the_last_worker_cannot_be_replaced_every_waiter_gets_no_workers() {
    let waiting = "run() in three threads on a pool of 1 whose command no longer starts: one \
                   job's worker dies while two threads wait for it; the dying job must end \
                   with WorkerDied and BOTH waiters with NoWorkers (when a worker cannot be \
                   replaced, does the pool lower its count of live workers and wake every \
                   waiter, notify_all?)";
    deadline::within_secs(20, waiting, || {
        let dir = fresh_dir("meet");
        // Call 1 starts the pool's worker, call 2 replaces it once, call 3 fails.
        let pool = Arc::new(start_pool(1, factory_failing_from(3, dir.clone())));
        let crash = Job::new("def crash():\n    return exit_now(3)\n", "crash", vec![]);
        let first = pool.run(&crash);
        assert_eq!(
            exit_code(&first),
            Some(3),
            "a job whose worker exited with 3 returned {first:?} ({CHAPTER}{CRASH})"
        );
        let crashing = call_in_a_thread(&pool, crash_after_meeting(2, 4));
        wait_for_entries(&dir, 1);
        let waiters = [
            call_in_a_thread(&pool, double(1)),
            call_in_a_thread(&pool, double(2)),
        ];
        for waiter in &waiters {
            wait_until_asleep(waiter.thread_id);
        }
        std::fs::write(dir.join("the-test"), b"").expect("the test writes to its directory");
        let crashed = crashing.join(
            "the thread whose worker died mid-job and could not be replaced (a failed \
             spawn is an Err for the pool to handle, not a panic)",
        );
        assert_eq!(
            exit_code(&crashed),
            Some(4),
            "the job whose worker exited with 4 (and could not be replaced: the worker \
             program no longer starts) returned {crashed:?}; it must still be WorkerDied \
             with that status: the job's worker died. NoWorkers is for the jobs that come \
             after ({CHAPTER}{CRASH})"
        );
        for (which, waiter) in ["first", "second"].into_iter().zip(waiters) {
            let waited = waiter.join(&format!(
                "the {which} of two threads that waited for the pool's only worker, after \
                 it died and no new one could start: it must wake up and return NoWorkers \
                 (when a worker cannot be replaced, does the pool lower its count of live \
                 workers, and wake EVERY waiter with notify_all, not just one?)"
            ));
            assert!(
                matches!(waited, Err(PoolError::NoWorkers)),
                "the {which} of two threads that waited for the pool's only worker got \
                 {waited:?} after that worker died and no new one could be started; it \
                 must be NoWorkers: nothing is left to run its job ({CHAPTER}{CRASH})"
            );
        }
        let later = pool.run(&double(3));
        assert!(
            matches!(later, Err(PoolError::NoWorkers)),
            "run() on a pool with no worker left returned {later:?}; it must return \
             NoWorkers at once ({CHAPTER}{CRASH})"
        );
        let pids = pool.pids();
        assert!(
            pids.is_empty(),
            "the pool has no live worker left, but pids() lists {pids:?} ({CHAPTER}{CRASH})"
        );
        let _ = std::fs::remove_dir_all(dir);
    });
}

#[test]
fn a_waiter_woken_by_a_lost_worker_waits_again_while_another_is_alive() {
    let waiting = "run() in four threads on a pool of 2 whose command no longer starts: one \
                   worker dies (and cannot be replaced) while the other is busy and two \
                   threads wait; the two waiters must run their jobs on the surviving worker \
                   once it is free";
    deadline::within_secs(20, waiting, || {
        let dir = fresh_dir("meet");
        // Calls 1 and 2 start the pool's workers; call 3, the replacement, fails.
        let pool = Arc::new(start_pool(2, factory_failing_from(3, dir.clone())));
        let crashing = call_in_a_thread(&pool, crash_after_meeting(3, 4));
        let busy = call_in_a_thread(&pool, value_after_meeting(5, 55));
        wait_for_entries(&dir, 2);
        let waiters = [
            call_in_a_thread(&pool, double(1)),
            call_in_a_thread(&pool, double(2)),
        ];
        for waiter in &waiters {
            wait_until_asleep(waiter.thread_id);
        }
        // The third call of meet: the crashing job goes on and its worker exits.
        std::fs::write(dir.join("the-test-1"), b"").expect("the test writes to its directory");
        let crashed = crashing.join(
            "the thread whose worker died mid-job and could not be replaced (a failed \
             spawn is an Err for the pool to handle, not a panic)",
        );
        assert_eq!(
            exit_code(&crashed),
            Some(4),
            "the job whose worker exited with 4 returned {crashed:?} ({CHAPTER}{CRASH})"
        );
        // The waiters have been woken (the pool lost a worker); let them look and decide.
        for waiter in &waiters {
            wait_until_asleep(waiter.thread_id);
        }
        std::fs::write(dir.join("the-test-2"), b"").expect("the test writes to its directory");
        std::fs::write(dir.join("the-test-3"), b"").expect("the test writes to its directory");
        let survived = busy.join("the thread whose job ran on the surviving worker");
        assert_eq!(
            ok_value(&survived),
            Some(&Value::Int(55)),
            "the job on the surviving worker returned {survived:?} ({CHAPTER}{CRASH})"
        );
        for ((which, expected), waiter) in [("first", 2), ("second", 4)].into_iter().zip(waiters) {
            let waited = waiter.join(&format!(
                "the {which} of two threads waiting for a worker, after the surviving \
                 worker came back: it must take that worker and run its job"
            ));
            assert_eq!(
                ok_value(&waited),
                Some(&Value::Int(expected)),
                "the {which} of two threads waiting for a worker got {waited:?}. One worker \
                 had died and could not be replaced, but the other was alive, busy with a \
                 job: a waiter woken when the pool loses a worker must look again and go \
                 back to waiting while any worker is alive (a loop around wait, not an if), \
                 and run its job once that worker is back ({CHAPTER}{CRASH})"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    });
}

#[test]
fn a_pool_survives_many_crashes_in_a_row() {
    let waiting = "five jobs in a row that each make the pool's worker exit, then a normal job";
    deadline::within_secs(15, waiting, || {
        let pool = start_pool(2, worker_command);
        let crash = Job::new("def crash():\n    return exit_now(9)\n", "crash", vec![]);
        for round in 1..=5 {
            let result = pool.run(&crash);
            assert_eq!(
                exit_code(&result),
                Some(9),
                "crash number {round} returned {result:?}: every job whose worker exits \
                 must be WorkerDied, and the pool must keep its count of workers right \
                 through any number of crashes ({CHAPTER}{CRASH})"
            );
        }
        let pids = pool.pids();
        assert_eq!(
            pids.len(),
            2,
            "after five crashes a pool of 2 has the workers {pids:?}: each dead worker must \
             be replaced ({CHAPTER}{CRASH})"
        );
        let results = pool.run_all(&[double(1), double(2), double(3)]);
        let values: Vec<_> = results.iter().map(|r| ok_value(r).cloned()).collect();
        assert_eq!(
            values,
            [2, 4, 6].map(|n| Some(Value::Int(n))),
            "after five crashes, run_all() of three jobs returned {results:?} \
             ({CHAPTER}{CRASH})"
        );
    });
}

#[test]
fn a_job_sees_nothing_of_the_job_before_it_on_the_same_worker() {
    let counter = "count = 0\ndef bump():\n    global count\n    count += 1\n    return count\n";
    deadline::within_secs(10, "the same job twice on a pool of 1", move || {
        let pool = start_pool(1, worker_command);
        let bump = Job::new(counter, "bump", vec![]);
        let first = pool.run(&bump);
        let second = pool.run(&bump);
        let (Ok(first), Ok(second)) = (first, second) else {
            panic!("running bump() twice failed ({CHAPTER}{PROCESSES})");
        };
        assert_eq!(
            first.pid, second.pid,
            "a pool of 1 ran two jobs in two processes, without a crash ({CHAPTER}{PROCESSES})"
        );
        assert_eq!(
            (first.result, second.result),
            (Ok(Value::Int(1)), Ok(Value::Int(1))),
            "the same program ran twice on the same worker: it sets the global `count` to 0, \
             and bump() adds 1 and returns it, so both jobs must return 1. The second saw \
             the first's globals: the worker must run each job in a new interpreter, never \
             reuse one, not even for the same program ({CHAPTER}{PROCESSES})"
        );
    });
}

#[test]
fn run_all_puts_each_result_at_its_job_s_place_whatever_finishes_first() {
    // Job 0 cannot finish before jobs 1 and 2 have both called meet, and on a pool of 2 one
    // of those two has finished by then: job 0 never finishes first.
    let waiting = "run_all() of three jobs on a pool of 2, where the first job waits until \
                   the other two have started (a worker that finishes a job must take the \
                   next one while the first is still running)";
    let results = deadline::within_secs(30, waiting, || {
        let (pool, dir) = meeting_pool(2);
        let results = pool.run_all(&[
            value_after_meeting(3, 100),
            value_after_meeting(1, 200),
            value_after_meeting(1, 300),
        ]);
        drop(pool);
        let _ = std::fs::remove_dir_all(dir);
        results
    });
    let values: Vec<_> = results.iter().map(|r| ok_value(r).cloned()).collect();
    assert_eq!(
        values,
        [100, 200, 300].map(|n| Some(Value::Int(n))),
        "run_all() of three jobs returned {results:?}. Job 0 returns 100, but only once jobs \
         1 and 2 have started; so it finishes after job 1 or 2. Each result must be put at \
         its job's index, not in the order the jobs finish; and a thread whose job is done \
         takes the next job at once, not after the others' jobs ({CHAPTER}{PROCESSES})"
    );
    let empty = deadline::within_secs(10, "run_all() of no jobs", || {
        let pool = start_pool(1, worker_command);
        pool.run_all(&[]).len()
    });
    assert_eq!(
        empty, 0,
        "run_all() of no jobs must return no results ({CHAPTER}{PROCESSES})"
    );
}

#[test]
fn pool_new_returns_the_error_of_a_worker_that_cannot_start_and_reaps_the_others() {
    let pid_file = fresh_dir("pids").join("started");
    let record = pid_file.clone();
    let calls = AtomicUsize::new(0);
    let outcome = deadline::within_secs(
        10,
        "Pool::new(3, ..) whose third worker cannot start",
        move || {
            let made = Pool::new(3, move || {
                // Relaxed: the count only numbers the calls.
                if calls.fetch_add(1, Ordering::Relaxed) >= 2 {
                    return Command::new(MISSING_PROGRAM);
                }
                // A shell that writes down its pid, then becomes the worker (same pid).
                let mut command = Command::new("sh");
                command
                    .args(["-c", "echo $$ >> \"$1\"; exec \"$0\""])
                    .arg(worker_exe())
                    .arg(&record);
                command
            });
            made.err().map(|e| e.to_string())
        },
    );
    // The two workers that started write their pid as their first step; a pool that did
    // not wait for them may return before they have: wait for both lines (up to 5 s).
    let read_pids = || -> Vec<u32> {
        std::fs::read_to_string(&pid_file)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.trim().parse().ok())
            .collect()
    };
    let waited = std::time::Instant::now();
    let mut started = read_pids();
    while started.len() < 2 && waited.elapsed() < std::time::Duration::from_secs(5) {
        std::thread::sleep(std::time::Duration::from_millis(10));
        started = read_pids();
    }
    let fates: Vec<(u32, Fate)> = started.iter().map(|&pid| (pid, fate(pid))).collect();
    kill_leftovers(&started);
    let _ = pid_file.parent().map(std::fs::remove_dir_all);
    assert!(
        outcome.is_some(),
        "Pool::new(3, ..) returned a pool although its third worker could not start (the \
         program does not exist): it must return that error ({CHAPTER}{PROCESSES})"
    );
    for (pid, after) in fates {
        assert_eq!(
            after,
            Fate::Reaped,
            "Pool::new(3, ..) failed on its third worker, and worker {pid}, started before, \
             is {after:?}: the workers already started must be shut down and waited for, as \
             dropping the pool does ({CHAPTER}{PROCESSES})"
        );
    }
}

#[test]
fn dropping_the_pool_gives_a_worker_time_to_exit_on_its_own() {
    // The worker lingers 50 ms after its stdin ends, then exits with success; the shell
    // around it writes that exit status down, unless the shell is killed first.
    let status_file = fresh_dir("exits").join("status");
    let record = status_file.clone();
    let waiting = "dropping a pool whose worker takes 50 ms to exit after its stdin is closed";
    deadline::within_secs(10, waiting, move || {
        let pool = start_pool(1, move || {
            let mut command = Command::new("sh");
            command
                .args(["-c", "\"$0\"; echo $? >> \"$1\""])
                .arg(worker_exe())
                .arg(&record)
                .env("EXERCISE_19_LINGER_MS", "50");
            command
        });
        let ran = pool.run(&double(1));
        assert_eq!(
            ok_value(&ran),
            Some(&Value::Int(2)),
            "run(double(1)) returned {ran:?} ({CHAPTER}{PROCESSES})"
        );
        drop(pool);
    });
    let written = std::fs::read_to_string(&status_file).unwrap_or_default();
    let _ = status_file.parent().map(std::fs::remove_dir_all);
    assert_eq!(
        written.trim(),
        "0",
        "a worker that needs 50 ms to exit after its stdin is closed was killed when the \
         pool was dropped: Drop must close each worker's stdin and give it GRACE to exit \
         on its own (polling try_wait), and kill only a worker still running after that \
         ({CHAPTER}{PROCESSES})"
    );
}
