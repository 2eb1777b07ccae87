// Exercise 12 · Deadlock detector (reference solution). Book:
// book/src/part-4/detecting-deadlock.md
//
// One state mutex per detector guards everything the detector knows: who holds each lock,
// which locks each thread holds (in the order it took them, with where), which thread sleeps
// waiting for which lock, the lock-order graph and the reports. It is held only for the few
// steps of a lock() or an unlock, never while a thread sleeps or runs the caller's code. A
// thread that must wait for a lock sleeps through `crate::sync::atomic_wait` on the lock's
// own counter of releases, read under the state mutex, so that a release between the
// decision to sleep and the sleep itself makes the sleep return at once.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::PoisonError;

use super::report::{Deadlock, Edge, Inversion, Waiting};
use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sync::atomic_wait;
use crate::sync::cell::UnsafeCell;
use crate::sync::thread::current_number;
use crate::sync::{Arc, Mutex as StateLock, MutexGuard as StateGuard};

type LockId = usize;
type Site = &'static Location<'static>;
/// An edge to add: from which held lock, where and by whom, and the path back if any.
type NewEdge = (LockId, Recorded, Option<Vec<Edge>>);

/// Where the two locks of an edge were taken, and by whom (its first time).
#[derive(Clone, Copy)]
struct Recorded {
    held_at: Site,
    taken_at: Site,
    thread: u64,
}

#[derive(Default)]
struct State {
    /// The name of each lock, by id.
    names: Vec<String>,
    /// The thread that holds each lock, by id.
    holder: Vec<Option<u64>>,
    /// The locks each thread holds, in the order it took them, with where it took them.
    held: HashMap<u64, Vec<(LockId, Site)>>,
    /// The lock each sleeping thread waits for, and where its lock() was called.
    waiting: HashMap<u64, (LockId, Site)>,
    /// The lock-order graph: an edge held -> taken for every pair ever seen.
    order: BTreeMap<LockId, BTreeMap<LockId, Recorded>>,
    /// Every inversion found so far, in the order found.
    reports: Vec<Inversion>,
}

impl State {
    /// The edges from each lock `me` holds to `lock` that the graph does not have yet, each
    /// with the path back from `lock` to its held lock if there is one (a cycle).
    fn new_edges(&self, me: u64, lock: LockId, at: Site) -> Vec<NewEdge> {
        let Some(held) = self.held.get(&me) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for &(before, before_at) in held {
            let known = self
                .order
                .get(&before)
                .is_some_and(|edges| edges.contains_key(&lock));
            if known || before == lock {
                continue;
            }
            let back = self.path(lock, before);
            let recorded = Recorded {
                held_at: before_at,
                taken_at: at,
                thread: me,
            };
            found.push((before, recorded, back));
        }
        found
    }

    /// Adds the edges `new_edges` found, and reports those that close a cycle. Called under
    /// the same lock of the state mutex as `new_edges`: otherwise two threads could each
    /// find no path back, then both add their edge, and the cycle is never reported.
    fn record(&mut self, lock: LockId, found: Vec<NewEdge>) {
        for (before, recorded, back) in found {
            self.order.entry(before).or_default().insert(lock, recorded);
            if let Some(back) = back {
                let mut cycle = vec![self.edge(before, lock, recorded)];
                cycle.extend(back);
                self.reports.push(Inversion { cycle });
            }
        }
    }

    /// The recorded edges of a path from `from` to `to` in the lock-order graph, if any
    /// (breadth first, so the shortest).
    fn path(&self, from: LockId, to: LockId) -> Option<Vec<Edge>> {
        let mut came_from: HashMap<LockId, LockId> = HashMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(lock) = queue.pop_front() {
            if lock == to {
                let mut edges = Vec::new();
                let mut at = to;
                while at != from {
                    let before = came_from[&at];
                    edges.push(self.edge(before, at, self.order[&before][&at]));
                    at = before;
                }
                edges.reverse();
                return Some(edges);
            }
            for &next in self.order.get(&lock).into_iter().flat_map(BTreeMap::keys) {
                if next != from && !came_from.contains_key(&next) {
                    came_from.insert(next, lock);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    fn edge(&self, held: LockId, taken: LockId, recorded: Recorded) -> Edge {
        Edge {
            held: self.names[held].clone(),
            taken: self.names[taken].clone(),
            held_at: recorded.held_at,
            taken_at: recorded.taken_at,
            thread: recorded.thread,
        }
    }

    /// If `me` waiting for `lock` (held by another thread) closes a ring of waiting threads,
    /// that ring, starting with `me`.
    fn wait_for_cycle(&self, me: u64, lock: LockId, at: Site) -> Option<Vec<Waiting>> {
        let mut holder = self.holder[lock]?;
        let mut cycle = vec![Waiting {
            thread: me,
            lock: self.names[lock].clone(),
            at,
            held_by: holder,
        }];
        while holder != me {
            let &(lock, at) = self.waiting.get(&holder)?;
            let next = self.holder[lock]?;
            cycle.push(Waiting {
                thread: holder,
                lock: self.names[lock].clone(),
                at,
                held_by: next,
            });
            // A ring that does not pass through `me` is not ours to report (and would have
            // been reported to the thread that closed it).
            if cycle.len() > self.waiting.len() + 1 {
                return None;
            }
            holder = next;
        }
        Some(cycle)
    }
}

struct Shared {
    state: StateLock<State>,
}

impl Shared {
    fn state(&self) -> StateGuard<'_, State> {
        // Nothing panics while the state mutex is held, so it is never poisoned; if it were,
        // the state is still consistent (every change is finished before anything can fail).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A deadlock detector: it makes the locks it watches, and remembers, for all of them
/// together, the lock-order graph, who holds what, and who waits for what.
///
/// Each detector is separate: locks of two detectors never see each other, and the tests
/// make a new detector for each check. Cloning a detector gives a second handle on the same
/// one. `Detector` is `Send` and `Sync`.
#[derive(Clone)]
pub struct Detector {
    shared: Arc<Shared>,
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

impl Detector {
    /// A detector that watches no lock yet and has reported nothing.
    pub fn new() -> Self {
        Detector {
            shared: Arc::new(Shared {
                state: StateLock::new(State::default()),
            }),
        }
    }

    /// A new, unlocked mutex around `value`, watched by this detector and called `name` in
    /// its reports. Two mutexes may share a name; they are still two locks.
    pub fn mutex<T>(&self, name: impl Into<String>, value: T) -> Mutex<T> {
        let name = name.into();
        let mut state = self.shared.state();
        let id = state.names.len();
        state.names.push(name.clone());
        state.holder.push(None);
        drop(state);
        Mutex {
            shared: Arc::clone(&self.shared),
            id,
            name,
            releases: AtomicU32::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// Every lock-order inversion found so far, oldest first (each call returns them all);
    /// each new edge of the graph that closed a cycle is reported once.
    pub fn reports(&self) -> Vec<Inversion> {
        self.shared.state().reports.clone()
    }
}

/// A mutual-exclusion lock watched by a [`Detector`] (made by [`Detector::mutex`]).
///
/// `Mutex<T>` is `Send` and `Sync` when `T: Send`.
pub struct Mutex<T> {
    shared: Arc<Shared>,
    id: LockId,
    name: String,
    /// Bumped (under the state mutex) by a release that may have sleepers; they sleep on it.
    releases: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: the value is handed to one thread at a time (the holder recorded in the state),
// so sharing the mutex only moves the `T` between threads: `T: Send` is enough.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// The name given to [`Detector::mutex`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Takes the lock, sleeping while another thread holds it, and returns the guard.
    ///
    /// First the lock-order graph: for each lock this thread holds, an edge from it to this
    /// one (with both call sites and the thread); an edge seen for the first time that closes
    /// a cycle is reported in [`Detector::reports`], and the lock goes on. Then, if another
    /// thread holds the lock and waiting for it would close a ring of waiting threads (or
    /// this thread holds it already), `Err(Deadlock)` instead of sleeping for ever: nothing
    /// is taken and the thread is not left waiting, the guards the caller holds are still
    /// held, and the edges just recorded stay recorded (except for a lock this thread holds
    /// already, refused before anything is recorded).
    #[track_caller]
    pub fn lock(&self) -> Result<MutexGuard<'_, T>, Deadlock> {
        self.lock_at(Location::caller())
    }

    /// `lock()`, called at `at`. Not `#[track_caller]` itself, so that the loom trace of the
    /// steps below names the lines of this file.
    fn lock_at(&self, at: Site) -> Result<MutexGuard<'_, T>, Deadlock> {
        let me = current_number();
        let mut state = self.shared.state();
        if state.holder[self.id] == Some(me) {
            return Err(Deadlock {
                cycle: vec![Waiting {
                    thread: me,
                    lock: self.name.clone(),
                    at,
                    held_by: me,
                }],
            });
        }
        let found = state.new_edges(me, self.id, at);
        state.record(self.id, found);
        loop {
            if state.holder[self.id].is_none() {
                state.holder[self.id] = Some(me);
                state.held.entry(me).or_default().push((self.id, at));
                return Ok(MutexGuard {
                    mutex: self,
                    _not_send: PhantomData,
                });
            }
            if let Some(cycle) = state.wait_for_cycle(me, self.id, at) {
                return Err(Deadlock { cycle });
            }
            state.waiting.insert(me, (self.id, at));
            // Relaxed: the counter is only changed under the state mutex, which orders it.
            let seen = self.releases.load(Ordering::Relaxed);
            drop(state);
            atomic_wait::wait(&self.releases, seen);
            state = self.shared.state();
            state.waiting.remove(&me);
        }
    }
}

/// Proof that this thread holds a detector [`Mutex`]; dropping it releases the lock, forgets
/// it in this thread's record and wakes the threads waiting for it. Not `Send`: the record
/// is per thread, so the guard is dropped on the thread that took it.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: a shared `&MutexGuard` hands out only `&T`: it may cross threads when `T: Sync`.
unsafe impl<T: Sync> Sync for MutexGuard<'_, T> {}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this thread is the lock's recorded holder until the guard drops.
        self.mutex.value.with(|ptr| unsafe { &*ptr })
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference.
        self.mutex.value.with_mut(|ptr| unsafe { &mut *ptr })
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        let me = current_number();
        let id = self.mutex.id;
        let mut state = self.mutex.shared.state();
        state.holder[id] = None;
        if let Some(held) = state.held.get_mut(&me) {
            // Not always the last one: locks may be released in any order. An empty record
            // stays in the map, so that the thread's next lock() allocates nothing.
            if let Some(at) = held.iter().rposition(|&(lock, _)| lock == id) {
                held.remove(at);
            }
        }
        let sleepers = state.waiting.values().any(|&(lock, _)| lock == id);
        if sleepers {
            // Relaxed: under the state mutex, which the sleepers read it under too.
            self.mutex.releases.fetch_add(1, Ordering::Relaxed);
        }
        drop(state);
        if sleepers {
            atomic_wait::wake_all(&self.mutex.releases);
        }
    }
}
