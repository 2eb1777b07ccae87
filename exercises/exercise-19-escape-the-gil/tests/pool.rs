//! Exercise 19 graded suite: the pool of worker processes. Every test starts real worker
//! processes from the binary in src/bin/, which runs your `serve`.
//! Book: `book/src/part-6/escaping.md`.

mod common;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::panic;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, PoisonError};

use toy_python::Value;

sync_shim::include_under_std!(protocol, pool);

use common::{CHAPTER, Fate, fate, fresh_dir, kill_leftovers, worker_command};
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
