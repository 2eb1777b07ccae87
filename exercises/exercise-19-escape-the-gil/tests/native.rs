//! Exercise 19 graded suite: the native `integrate` and the GIL. A probe GIL wraps the
//! interpreter's simple GIL and writes down every call the interpreter makes to it, so the
//! tests see whether the GIL was given up around the native call.
//! Book: `book/src/part-6/escaping.md`.
//!
//! Which promise of the stub's docs each test checks: `tests/contracts/exercise-19.toml`.

mod common;

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use toy_python::{Gil, Interpreter, ThreadId, TickGil, Value};

sync_shim::include_under_std!(native);

use common::CHAPTER;

const SECTION: &str = "#native-code-without-the-gil";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Take,
    Release,
    BlockingBegin,
    BlockingEnd,
}

/// A [`TickGil`] that writes down every call the interpreter makes to it. When a thread
/// gives the GIL up for a blocking call, the probe holds that thread there until another
/// thread has taken the GIL (or `wait_for_another` has passed): so if another thread wants
/// to run, it runs while the first is inside the blocking call.
///
/// The order in the log is the order on the GIL: `Take` is written once the GIL is held,
/// `Release` and `BlockingBegin` while it still is, `BlockingEnd` once it is held again.
struct Probe {
    inner: TickGil,
    log: Mutex<Vec<(ThreadId, Event)>>,
    changed: Condvar,
    wait_for_another: Duration,
}

impl Probe {
    fn new(wait_for_another: Duration) -> Arc<Probe> {
        Arc::new(Probe {
            inner: TickGil::new(100),
            log: Mutex::new(Vec::new()),
            changed: Condvar::new(),
            wait_for_another,
        })
    }

    fn log(&self) -> MutexGuard<'_, Vec<(ThreadId, Event)>> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn note(&self, me: ThreadId, event: Event) -> usize {
        let mut log = self.log();
        log.push((me, event));
        self.changed.notify_all();
        log.len()
    }

    fn events(&self) -> Vec<(ThreadId, Event)> {
        self.log().clone()
    }

    /// Waits until an entry after the first `from` matches `wanted`, or up to `limit`.
    fn wait_for(&self, from: usize, limit: Duration, wanted: impl Fn(&(ThreadId, Event)) -> bool) {
        let _ = self
            .changed
            .wait_timeout_while(self.log(), limit, |log| !log[from..].iter().any(&wanted));
    }
}

impl Gil for Probe {
    fn take(&self, me: ThreadId) {
        self.inner.take(me);
        self.note(me, Event::Take);
    }

    fn release(&self, me: ThreadId) {
        self.note(me, Event::Release);
        self.inner.release(me);
    }

    /// Never switches: a thread gives the GIL up only around a blocking call or when its
    /// function returns, so the order of events depends on nothing but those.
    fn check(&self, _me: ThreadId, _instructions: u64) {}

    fn blocking_begin(&self, me: ThreadId) {
        // Written before the GIL is given up, so no other thread's Take can come first.
        let at = self.note(me, Event::BlockingBegin);
        self.inner.blocking_begin(me);
        self.wait_for(at, self.wait_for_another, |&(who, event)| {
            who != me && event == Event::Take
        });
    }

    fn blocking_end(&self, me: ThreadId) {
        self.inner.blocking_end(me);
        self.note(me, Event::BlockingEnd);
    }
}

const CALLS_INTEGRATE: &str = "def area(steps):\n    a = integrate(steps)\n    return a\n";

/// Loads the test's `source` on `gil`, with the learner's natives registered.
fn load(source: &str, gil: Arc<dyn Gil>) -> Interpreter {
    let program = toy_python::compile(source).expect("the test's program compiles");
    let interpreter = Interpreter::new(&program, gil).expect("the test's program loads");
    native::register(&interpreter);
    interpreter
}

#[test]
fn integrate_of_cos_over_a_quarter_turn_is_one_million() {
    deadline::within_secs(10, "integrate(100000)", || {
        let direct = native::integrate(&[Value::Int(100_000)]);
        assert_eq!(
            direct,
            Ok(Value::Int(1_000_000)),
            "integrate(100000) must be the integral of cos over [0, π/2], which is 1, \
             times 1000000 and rounded: with 100000 steps the midpoint rule is off by far \
             less than one millionth ({CHAPTER}{SECTION})"
        );
        let interpreter = load(CALLS_INTEGRATE, Arc::new(TickGil::new(100)));
        let from_python = interpreter.call("area", &[Value::Int(100_000)]);
        assert!(
            matches!(from_python, Ok(Value::Int(1_000_000))),
            "a program calling integrate(100000) got {from_python:?}: register() must make \
             the native callable by the name `integrate` ({CHAPTER}{SECTION})"
        );
    });
}

#[test]
fn integrate_with_few_steps_is_the_midpoint_rule_rounded() {
    deadline::within_secs(5, "integrate() with 1 to 10 steps", || {
        // cos at the middle of each slice, times the slice's width, times SCALE, rounded:
        // 1 step gives cos(π/4)·π/2 = 1.1107207..., so 1110721.
        let cases = [
            (1, 1_110_721),
            (2, 1_026_172),
            (3, 1_011_515),
            (10, 1_001_029),
        ];
        for (steps, expected) in cases {
            let result = native::integrate(&[Value::Int(steps)]);
            assert_eq!(
                result,
                Ok(Value::Int(expected)),
                "integrate({steps}) must be {expected}: the midpoint rule with {steps} \
                 slices of [0, π/2] (cos at the middle of each slice, (i + 0.5) · width), \
                 times the width, times SCALE, rounded to the nearest integer (f64::round, \
                 not a cast that cuts the fraction off) ({CHAPTER}{SECTION})"
            );
        }
    });
}

#[test]
fn integrate_refuses_anything_but_a_positive_step_count() {
    deadline::within_secs(5, "integrate() with bad arguments", || {
        let cases: [(&str, Vec<Value>); 6] = [
            ("integrate(0)", vec![Value::Int(0)]),
            ("integrate(-5)", vec![Value::Int(-5)]),
            ("integrate()", vec![]),
            ("integrate(10, 20)", vec![Value::Int(10), Value::Int(20)]),
            ("integrate(True)", vec![Value::Bool(true)]),
            ("integrate(None)", vec![Value::None]),
        ];
        for (call, args) in cases {
            let result = native::integrate(&args);
            assert!(
                result.is_err(),
                "{call} returned {result:?}: it takes exactly one integer, at least 1, and \
                 anything else is an Err that the program sees as a runtime error \
                 ({CHAPTER}{SECTION})"
            );
        }
    });
}

#[test]
fn integrate_gives_the_gil_up_while_it_runs() {
    let events = deadline::within_secs(10, "a program calling integrate", || {
        let probe = Probe::new(Duration::ZERO);
        let interpreter = load(CALLS_INTEGRATE, probe.clone());
        let result = interpreter.call("area", &[Value::Int(1_000)]);
        assert!(
            result.is_ok(),
            "a program calling integrate(1000) failed: {result:?} ({CHAPTER}{SECTION})"
        );
        probe.events()
    });
    let begin = events.iter().position(|e| e.1 == Event::BlockingBegin);
    let end = events.iter().position(|e| e.1 == Event::BlockingEnd);
    assert!(
        matches!((begin, end), (Some(begin), Some(end)) if begin < end),
        "while a program called integrate(1000), the interpreter made these calls to its \
         GIL: {events:?}. It never gave the GIL up around the native call \
         (blocking_begin, then blocking_end): register integrate with Blocking::Releases, \
         which tells the interpreter that the native touches nothing of the interpreter's \
         and may run while other threads hold the GIL ({CHAPTER}{SECTION})"
    );
}

#[test]
fn another_thread_runs_bytecode_while_integrate_runs() {
    let _heavy = deadline::one_at_a_time();
    let events = deadline::within_secs(10, "two interpreter threads, one inside integrate", || {
        // When the first thread gives the GIL up for integrate, the probe holds it there
        // until the second thread has taken the GIL.
        let probe = Probe::new(Duration::from_secs(5));
        let source = format!("{CALLS_INTEGRATE}\ndef other():\n    return 7\n");
        let interpreter = load(&source, probe.clone());
        // Loading the program ran its top level, with a Take and a Release of its own.
        let loaded = probe.events().len();
        let first = interpreter.spawn("area", vec![Value::Int(1_000)]);
        probe.wait_for(loaded, Duration::from_secs(5), |e| e.1 == Event::Take);
        let second = interpreter.spawn("other", vec![]);
        let first = first.join().expect("the first interpreter thread panicked");
        let second = second
            .join()
            .expect("the second interpreter thread panicked");
        assert!(
            matches!(first, Ok(Value::Int(_))) && second == Ok(Value::Int(7)),
            "two interpreter threads, one calling integrate(1000), the other returning 7, \
             returned {first:?} and {second:?} ({CHAPTER}{SECTION})"
        );
        let events = probe.events();
        events[loaded..].to_vec()
    });
    // The thread that took the GIL first is the one that called integrate.
    let Some(&(first, _)) = events.iter().find(|e| e.1 == Event::Take) else {
        panic!("no interpreter thread took the GIL: {events:?}");
    };
    let begin = events
        .iter()
        .position(|&e| e == (first, Event::BlockingBegin));
    let end = events
        .iter()
        .position(|&e| e == (first, Event::BlockingEnd));
    let other_took = events
        .iter()
        .position(|&(who, event)| who != first && event == Event::Take);
    let overlapped = matches!(
        (begin, other_took, end),
        (Some(begin), Some(took), Some(end)) if begin < took && took < end
    );
    assert!(
        overlapped,
        "thread {first} called integrate while a second thread waited for the GIL. The \
         calls to the GIL, in order: {events:?}. The second thread should have taken the GIL \
         between thread {first}'s blocking_begin and blocking_end, that is, run bytecode \
         while the native ran; it could not, because integrate held the GIL all along. \
         Register it with Blocking::Releases ({CHAPTER}{SECTION})"
    );
}
