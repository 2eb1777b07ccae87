// Interpreter threads and the GIL: ids, where the eval breaker is checked, globals shared
// between threads, lost updates, blocking builtins and natives.

mod common;

use common::workload;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};
use toy_python::{Blocking, Gil, Interpreter, ThreadId, TickGil, Value, compile};

/// What a [`RecordingGil`] saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Take(ThreadId),
    Release(ThreadId),
    Check(ThreadId, u64),
    BlockingBegin(ThreadId),
    BlockingEnd(ThreadId),
}

/// A GIL (a TickGil inside) that logs every call.
struct RecordingGil {
    inner: TickGil,
    events: Mutex<Vec<Event>>,
}

impl RecordingGil {
    fn new() -> Arc<RecordingGil> {
        Arc::new(RecordingGil {
            inner: TickGil::new(100),
            events: Mutex::new(Vec::new()),
        })
    }
    fn log(&self, e: Event) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(e);
    }
    fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
    fn clear(&self) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Gil for RecordingGil {
    fn take(&self, me: ThreadId) {
        self.inner.take(me);
        self.log(Event::Take(me));
    }
    fn release(&self, me: ThreadId) {
        self.log(Event::Release(me));
        self.inner.release(me);
    }
    fn check(&self, me: ThreadId, n: u64) {
        self.log(Event::Check(me, n));
        self.inner.check(me, n);
    }
    fn blocking_begin(&self, me: ThreadId) {
        self.log(Event::BlockingBegin(me));
        self.inner.blocking_begin(me);
    }
    fn blocking_end(&self, me: ThreadId) {
        self.inner.blocking_end(me);
        self.log(Event::BlockingEnd(me));
    }
}

/// A GIL that forces a switch at every check when another thread waits: the holder lets the
/// waiter in and queues behind it. Deterministic enough to show every race the eval breaker
/// allows.
struct HandoffGil {
    state: Mutex<HandoffState>,
    changed: Condvar,
}

struct HandoffState {
    holder: Option<ThreadId>,
    waiters: usize,
    /// How many times the GIL was taken.
    takes: u64,
}

impl HandoffGil {
    fn new() -> Arc<HandoffGil> {
        Arc::new(HandoffGil {
            state: Mutex::new(HandoffState {
                holder: None,
                waiters: 0,
                takes: 0,
            }),
            changed: Condvar::new(),
        })
    }
    fn wait<'a>(
        &self,
        s: std::sync::MutexGuard<'a, HandoffState>,
    ) -> std::sync::MutexGuard<'a, HandoffState> {
        self.changed.wait(s).unwrap_or_else(PoisonError::into_inner)
    }
    fn acquire<'a>(
        &self,
        mut s: std::sync::MutexGuard<'a, HandoffState>,
        me: ThreadId,
    ) -> std::sync::MutexGuard<'a, HandoffState> {
        s.waiters += 1;
        while s.holder.is_some() {
            s = self.wait(s);
        }
        s.waiters -= 1;
        s.holder = Some(me);
        s.takes += 1;
        self.changed.notify_all();
        s
    }
}

impl Gil for HandoffGil {
    fn take(&self, me: ThreadId) {
        let s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        drop(self.acquire(s, me));
    }
    fn release(&self, _me: ThreadId) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.holder = None;
        self.changed.notify_all();
    }
    fn check(&self, me: ThreadId, _n: u64) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.waiters == 0 {
            return;
        }
        let before = s.takes;
        s.holder = None;
        self.changed.notify_all();
        // A waiter is in `acquire` and cannot leave without taking the GIL.
        while s.takes == before {
            s = self.wait(s);
        }
        drop(self.acquire(s, me));
    }
    fn blocking_begin(&self, me: ThreadId) {
        self.release(me);
    }
    fn blocking_end(&self, me: ThreadId) {
        self.take(me);
    }
}

fn int(v: Result<Value, toy_python::RuntimeError>) -> i64 {
    match v {
        Ok(Value::Int(n)) => n,
        other => panic!("expected an int, got {other:?}"),
    }
}

/// Runs `function(iterations)` of lost_update.py on two threads at once; returns the final
/// counter.
fn race(gil: Arc<dyn Gil>, function: &'static str, iterations: i64) -> i64 {
    let program = compile(&workload("lost_update.py")).unwrap();
    let it = Interpreter::new(&program, gil).unwrap();
    let a = it.spawn(function, vec![Value::Int(iterations)]);
    let b = it.spawn(function, vec![Value::Int(iterations)]);
    int(a.join().expect("thread a"));
    int(b.join().expect("thread b"));
    match it.global("counter") {
        Some(Value::Int(n)) => n,
        other => panic!("counter is {other:?}"),
    }
}

#[test]
fn thread_ids_count_up_from_the_top_level() {
    let gil = RecordingGil::new();
    let program = compile("x = 1\ndef f():\n    return x\n").unwrap();
    let it = Interpreter::new(&program, gil.clone()).unwrap();
    assert_eq!(gil.events(), vec![Event::Take(0), Event::Release(0)]);
    gil.clear();
    assert_eq!(it.call("f", &[]), Ok(Value::Int(1)));
    let h = it.spawn("f", vec![]);
    assert_eq!(h.join().unwrap(), Ok(Value::Int(1)));
    assert_eq!(
        gil.events(),
        vec![
            Event::Take(1),
            Event::Release(1),
            Event::Take(2),
            Event::Release(2)
        ]
    );
    // The same GIL is handed back.
    let same: Arc<dyn Gil> = gil.clone();
    assert!(Arc::ptr_eq(it.gil(), &same));
}

#[test]
fn the_eval_breaker_is_checked_at_back_edges_and_calls_only() {
    let gil = RecordingGil::new();
    let program = compile(&workload("count.py")).unwrap();
    let it = Interpreter::new(&program, gil.clone()).unwrap();
    let before = it.instructions();
    gil.clear();
    assert_eq!(it.call("count", &[Value::Int(10)]), Ok(Value::Int(10)));
    let events = gil.events();
    let checks: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            Event::Check(1, n) => Some(*n),
            _ => None,
        })
        .collect();
    // One check per JUMP_BACKWARD: ten loop iterations. The first covers RESUME, the
    // first assignment (two) and one pass through the loop (nine); each other one a pass.
    assert_eq!(checks, vec![12, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
    // 3 before the loop, 10 * 9 in it, 4 for the last test (two loads, the compare, the
    // jump out), 2 to return.
    assert_eq!(it.instructions() - before, 99);

    let calls = compile("def one():\n    return 1\ndef f():\n    return one() + one()\n").unwrap();
    let it = Interpreter::new(&calls, gil.clone()).unwrap();
    gil.clear();
    assert_eq!(it.call("f", &[]), Ok(Value::Int(2)));
    let checks = gil
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Check(..)))
        .count();
    assert_eq!(checks, 2, "one check per CALL: {:?}", gil.events());
}

#[test]
fn an_error_releases_the_gil() {
    deadline::within_secs(20, "a call after a call that failed", || {
        let program =
            compile("def bad():\n    return 1 // 0\ndef good():\n    return 2\n").unwrap();
        let it = Interpreter::new(&program, Arc::new(TickGil::new(100))).unwrap();
        assert!(it.call("bad", &[]).is_err());
        assert!(it.call("missing", &[]).is_err());
        assert!(it.call("good", &[Value::Int(1)]).is_err());
        let other = it.spawn("good", vec![]);
        assert_eq!(other.join().unwrap(), Ok(Value::Int(2)));
    });
}

#[test]
fn globals_are_shared_between_threads() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(30, "two threads adding to a global", || {
        let gil: Arc<dyn Gil> = Arc::new(TickGil::new(100));
        assert_eq!(race(gil, "add_plain", 50_000), 100_000);
    });
}

#[test]
fn plain_increments_are_never_lost_even_with_a_switch_at_every_check() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(60, "two threads doing counter += 1", || {
        for _ in 0..3 {
            assert_eq!(
                race(HandoffGil::new(), "add_plain", 20_000),
                40_000,
                "counter += 1 has no check between its load and its store"
            );
            assert_eq!(race(Arc::new(TickGil::new(1)), "add_plain", 20_000), 40_000);
        }
    });
}

#[test]
fn a_call_between_load_and_store_loses_updates_under_forced_switching() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(60, "two threads doing counter += bump()", || {
        let total = race(HandoffGil::new(), "add", 20_000);
        assert!(
            total < 40_000,
            "a switch at the CALL between LOAD_GLOBAL and STORE_GLOBAL must lose updates; \
             counter is {total}"
        );
        assert!(total >= 20_000, "counter is {total}");
    });
}

#[test]
fn a_call_between_load_and_store_loses_updates_under_the_tick_gil() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(120, "two threads doing counter += bump()", || {
        let mut totals = Vec::new();
        for _ in 0..200 {
            let total = race(Arc::new(TickGil::new(1)), "add", 20_000);
            if total < 40_000 {
                eprintln!("lost updates seen in race {}: {total}", totals.len() + 1);
                return;
            }
            totals.push(total);
        }
        panic!("no update was lost in {} races: {totals:?}", totals.len());
    });
}

#[test]
fn sleep_releases_the_gil() {
    let _heavy = deadline::one_at_a_time();
    deadline::within_secs(20, "two threads sleeping 200 ms each", || {
        let gil = RecordingGil::new();
        let program = compile(&workload("io.py")).unwrap();
        let it = Interpreter::new(&program, gil.clone()).unwrap();
        let start = Instant::now();
        let a = it.spawn("wait", vec![Value::Int(200)]);
        let b = it.spawn("wait", vec![Value::Int(200)]);
        assert_eq!(a.join().unwrap(), Ok(Value::Int(200)));
        assert_eq!(b.join().unwrap(), Ok(Value::Int(200)));
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(200));
        assert!(
            elapsed < Duration::from_millis(380),
            "two 200 ms sleeps took {elapsed:?}: sleep_ms must release the GIL"
        );
        let events = gil.events();
        for me in [1, 2] {
            assert!(events.contains(&Event::BlockingBegin(me)), "{events:?}");
            assert!(events.contains(&Event::BlockingEnd(me)), "{events:?}");
        }
    });
}

#[test]
fn spin_holds_the_gil() {
    let gil = RecordingGil::new();
    let program = compile("def f(n):\n    return spin(n)\n").unwrap();
    let it = Interpreter::new(&program, gil.clone()).unwrap();
    gil.clear();
    assert_eq!(it.call("f", &[Value::Int(10)]), Ok(Value::Int(45)));
    assert!(
        !gil.events()
            .iter()
            .any(|e| matches!(e, Event::BlockingBegin(_))),
        "{:?}",
        gil.events()
    );
}

#[test]
fn natives_release_the_gil_or_hold_it_as_registered() {
    let gil = RecordingGil::new();
    let program = compile(
        "def use(n):\n    return slow(n) + quick(n)\ndef spin_it(n):\n    return spin(n)\n",
    )
    .unwrap();
    let it = Interpreter::new(&program, gil.clone()).unwrap();
    // Registered after `new`: visible to later calls.
    let seen = Arc::new(AtomicU64::new(0));
    let seen_in = seen.clone();
    it.register_native(
        "slow",
        Arc::new(move |args: &[Value]| {
            seen_in.fetch_add(1, Ordering::Relaxed);
            match args {
                [Value::Int(n)] => Ok(Value::Int(n * 10)),
                _ => Err("slow takes one int".into()),
            }
        }),
        Blocking::Releases,
    );
    it.register_native(
        "quick",
        Arc::new(|args: &[Value]| match args {
            [Value::Int(n)] => Ok(Value::Int(*n)),
            _ => Err("quick takes one int".into()),
        }),
        Blocking::Holds,
    );
    gil.clear();
    assert_eq!(it.call("use", &[Value::Int(4)]), Ok(Value::Int(44)));
    assert_eq!(seen.load(Ordering::Relaxed), 1);
    let blocking: Vec<Event> = gil
        .events()
        .into_iter()
        .filter(|e| matches!(e, Event::BlockingBegin(_) | Event::BlockingEnd(_)))
        .collect();
    assert_eq!(
        blocking,
        vec![Event::BlockingBegin(1), Event::BlockingEnd(1)],
        "only the Releases native gives the GIL up"
    );
    // A native's error is a RuntimeError naming it.
    let err = it.call("use", &[Value::None]).unwrap_err();
    assert!(err.message.contains("slow takes one int"), "{err}");
    assert!(err.message.contains("slow"), "{err}");
    // A native shadows a builtin, and is callable from Rust, even under a name the program
    // never mentions.
    it.register_native(
        "spin",
        Arc::new(|_: &[Value]| Ok(Value::Int(-1))),
        Blocking::Holds,
    );
    assert_eq!(it.call("spin_it", &[Value::Int(10)]), Ok(Value::Int(-1)));
    it.register_native(
        "elsewhere",
        Arc::new(|_: &[Value]| Ok(Value::Bool(true))),
        Blocking::Holds,
    );
    assert_eq!(it.call("elsewhere", &[]), Ok(Value::Bool(true)));
}

#[test]
fn an_instruction_limit_stops_a_program_that_never_ends() {
    deadline::within_secs(20, "a program that loops forever, under a limit", || {
        let program = compile("x = 0\nwhile True:\n    x += 1\n").unwrap();
        let err = Interpreter::new_limited(&program, Arc::new(TickGil::new(100)), 10_000)
            .err()
            .unwrap();
        assert!(err.message.contains("instruction limit"), "{err}");
        let program = compile("def f():\n    while True:\n        pass\n").unwrap();
        let it = Interpreter::new(&program, Arc::new(TickGil::new(100))).unwrap();
        it.set_instruction_limit(Some(it.instructions() + 1_000));
        assert!(it.call("f", &[]).is_err());
    });
}

#[test]
fn the_tick_gil_counts_changes_of_holder_only() {
    let gil = TickGil::new(10);
    gil.take(0);
    for _ in 0..100 {
        gil.check(0, 5); // releases and re-takes every 10 instructions: same holder
    }
    gil.release(0);
    gil.take(0);
    gil.release(0);
    assert_eq!(gil.switches(), 0, "one thread alone never switches");
    gil.take(1);
    gil.release(1);
    gil.take(0);
    gil.release(0);
    assert_eq!(gil.switches(), 2, "0 to 1, then 1 to 0");
}
