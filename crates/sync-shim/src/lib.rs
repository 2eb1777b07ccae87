//! The std/loom switch that every exercise reaches its synchronisation through.
//!
//! An exercise's `src/lib.rs` says `use sync_shim::std_sync as sync;` and its modules write
//! `crate::sync::atomic::AtomicBool`, `crate::sync::cell::UnsafeCell`, `crate::sync::Arc`,
//! `crate::sync::thread`, `crate::sync::hint::spin_loop` and, from Part 3 on,
//! `crate::sync::atomic_wait` (wait on an atomic without spinning). The loom test of the same
//! exercise compiles the same module files a second time under
//! `use sync_shim::loom_sync as sync;`, so the very code the learner wrote is model-checked.
//!
//! The graded suites of an exercise never name the exercise's library: they compile its
//! module files themselves, with [`include_under_std!`] (`tests/threads.rs`) and
//! [`include_under_loom!`] (`tests/under_loom.rs`). So the same suite grades the learner's crate and
//! the reference solution, each from its own `src/` (`CARGO_MANIFEST_DIR` tells which), and the
//! two libraries can keep distinct names.
//!
//! Both sides have the same names and signatures. The one real difference is
//! [`std_sync::cell::UnsafeCell`]: std's cell hands out raw pointers with `get()`, loom's only
//! inside a closure (`with` / `with_mut`) so that it can see every access. The std side
//! offers the closure API too, so one source compiles against both.

/// The real primitives from `std`, used when the exercise runs for real.
pub mod std_sync {
    pub use std::sync::{Arc, Condvar, Mutex, MutexGuard, WaitTimeoutResult};

    /// Atomic types and orderings (`std::sync::atomic`).
    pub mod atomic {
        pub use std::sync::atomic::{
            AtomicBool, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU8, AtomicU16,
            AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
        };
    }

    /// Threads: spawn, park, yield (`std::thread`). There is no `scope`: loom has none.
    pub mod thread {
        pub use std::thread::{
            Builder, JoinHandle, Thread, ThreadId, current, panicking, park, sleep, spawn,
            yield_now,
        };

        /// A number that names the calling thread: never 0, never shared with another
        /// thread of the process (what an atomic can hold, where a `ThreadId` cannot; std's
        /// `ThreadId::as_u64` is unstable).
        pub fn current_number() -> u64 {
            use std::cell::Cell;
            use std::sync::atomic::{AtomicU64, Ordering};
            static NEXT: AtomicU64 = AtomicU64::new(1);
            thread_local! {
                static NUMBER: Cell<u64> = const { Cell::new(0) };
            }
            NUMBER.with(|number| {
                if number.get() == 0 {
                    // Relaxed: only uniqueness matters, which the RMW gives.
                    number.set(NEXT.fetch_add(1, Ordering::Relaxed));
                }
                number.get()
            })
        }
    }

    /// The spin-wait hint.
    pub mod hint {
        /// `std::hint::spin_loop`, unless a test has put a hook in its place on this thread
        /// with [`crate::testing::on_spin_loop`]: then the hook runs instead.
        #[inline]
        pub fn spin_loop() {
            if !crate::testing::run_spin_hook() {
                std::hint::spin_loop();
            }
        }
    }

    /// Waiting on an atomic without spinning: the futex idea, on every platform.
    ///
    /// `wait(&a, v)` sleeps while `a` holds `v` (it returns at once if `a` holds something
    /// else); `wake_one(&a)` / `wake_all(&a)` wake threads sleeping on `a`. The check and the
    /// sleep are one step as far as a waker is concerned: a wake that comes after the value
    /// changed cannot fall between them. A wait may also return for no reason at all (a
    /// spurious wake-up), so callers check the value again in a loop.
    ///
    /// Waiting and waking are the crate [`atomic_wait`](https://docs.rs/atomic-wait) (Linux
    /// futex, Windows `WaitOnAddress`, macOS `__ulock`), which has no timeout:
    /// [`wait_timeout`](atomic_wait::wait_timeout) is a futex call with a timeout on Linux
    /// and a sleep of at most a millisecond between two looks at the value elsewhere.
    /// Each call is counted for the tests ([`crate::testing`]), and the tests can make waits
    /// return spuriously on purpose.
    pub mod atomic_wait {
        use std::sync::atomic::AtomicU32;
        use std::time::Duration;

        use crate::testing;

        /// Sleeps while `atomic` holds `value`; may return spuriously.
        #[inline]
        pub fn wait(atomic: &AtomicU32, value: u32) {
            testing::count_wait();
            if testing::spurious_now() {
                return;
            }
            ::atomic_wait::wait(atomic, value);
        }

        /// Like [`wait`], for at most `timeout`. It says nothing of why it returned: a
        /// caller with a deadline looks at the clock.
        pub fn wait_timeout(atomic: &AtomicU32, value: u32, timeout: Duration) {
            testing::count_wait();
            if testing::spurious_now() {
                return;
            }
            timed_wait(atomic, value, timeout);
        }

        /// Wakes one thread waiting on `atomic`, if any. A pointer, as in `atomic_wait`: it
        /// is only compared, never read, so waking after the atomic is freed is harmless.
        #[inline]
        pub fn wake_one(atomic: *const AtomicU32) {
            testing::count_wake();
            ::atomic_wait::wake_one(atomic);
        }

        /// Wakes every thread waiting on `atomic`.
        #[inline]
        pub fn wake_all(atomic: *const AtomicU32) {
            testing::count_wake();
            ::atomic_wait::wake_all(atomic);
        }

        #[cfg(any(target_os = "linux", target_os = "android"))]
        fn timed_wait(atomic: &AtomicU32, value: u32, timeout: Duration) {
            let timeout = libc::timespec {
                tv_sec: timeout.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
                tv_nsec: timeout.subsec_nanos() as libc::c_long,
            };
            // SAFETY: FUTEX_WAIT reads the u32 at the address (a live AtomicU32, which has
            // the layout of a u32) and the timespec, which lives across the call; the kernel
            // keeps neither after it returns. Its result (woken, timed out, value differed,
            // interrupted) is not needed: callers look at the value and the clock again.
            unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    atomic as *const AtomicU32,
                    libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                    value,
                    &timeout as *const libc::timespec,
                );
            }
        }

        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        fn timed_wait(atomic: &AtomicU32, value: u32, timeout: Duration) {
            // No portable timed wait in atomic_wait: look at the value every millisecond.
            // A wake is then noticed late, never lost, since the value is what decides.
            use std::sync::atomic::Ordering;
            let deadline = std::time::Instant::now() + timeout;
            loop {
                let now = std::time::Instant::now();
                if atomic.load(Ordering::Relaxed) != value || now >= deadline {
                    return;
                }
                std::thread::sleep((deadline - now).min(Duration::from_millis(1)));
            }
        }
    }

    /// Interior mutability with loom's closure API.
    pub mod cell {
        /// `std::cell::UnsafeCell` with the closure API of `loom::cell::UnsafeCell`.
        ///
        /// `with` gives a `*const T`, `with_mut` a `*mut T`; the caller must uphold the same
        /// aliasing rules as for `UnsafeCell::get`. On this side both compile to a plain
        /// pointer access.
        #[derive(Debug, Default)]
        #[repr(transparent)]
        pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

        // `new` is not `const`, to match loom: code that compiles here also compiles there.

        impl<T> UnsafeCell<T> {
            /// Wraps `value`.
            pub fn new(value: T) -> Self {
                Self(std::cell::UnsafeCell::new(value))
            }

            /// Unwraps the value.
            pub fn into_inner(self) -> T {
                self.0.into_inner()
            }
        }

        impl<T: ?Sized> UnsafeCell<T> {
            /// Calls `f` with a shared pointer to the value.
            #[inline]
            pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }

            /// Calls `f` with a mutable pointer to the value.
            #[inline]
            pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }

            /// Not available: loom cannot see an access made through a raw pointer handed out
            /// here, so this exists only to fail to compile with a message that says what to
            /// write instead (`with` / `with_mut`).
            pub fn get(&self) -> *mut T
            where
                Self: crate::UseWithInsteadOfGet,
            {
                self.0.get()
            }
        }
    }
}

/// The same names from `loom`, used by the model checks in each exercise's `tests/under_loom.rs`.
///
/// Every operation on an atomic, a cell, a mutex or a condition variable goes through a thin
/// wrapper that notes its call site (`#[track_caller]`) in [`trace`], so that when a model
/// fails, the harness can show the last steps each thread took *in the learner's own code*,
/// not inside loom.
pub mod loom_sync {
    pub use self::mutex::{Condvar, Mutex, MutexGuard, WaitTimeoutResult};
    pub use loom::sync::Arc;

    /// Atomic types and orderings, tracked by loom.
    ///
    /// Each type wraps loom's, with three changes. Every operation is noted in
    /// [`super::trace`] with its call site. While [`crate::testing::spurious_wakeups`] is on,
    /// `compare_exchange_weak` fails every other call of each model thread (the first
    /// included) without changing the value, as it may on real hardware; loom 0.7 runs the
    /// strong exchange for it, which never does. And `store` is carried out as a `swap`: loom
    /// 0.7 can order a plain store between the read and the write of another thread's
    /// concurrent read-modify-write, which the memory model forbids (an RMW reads the value
    /// just before its own write). A correct `swap`-based spin lock then spins forever in the
    /// model. As an RMW, the store keeps its place. The price: a Relaxed store by another thread now continues a release
    /// sequence, which could hide a bug that relies on it breaking one; none of the course's
    /// algorithms does.
    pub mod atomic {
        use super::super::trace::note;
        pub use loom::sync::atomic::Ordering;
        use std::ops::{Deref, DerefMut};

        loom::thread_local! {
            // How many `compare_exchange_weak` calls this model thread has made while
            // spurious failures were on (loom gives each model thread its own, fresh in
            // every execution).
            static WEAK_CALLS: std::cell::Cell<u64> = std::cell::Cell::new(0);
        }

        /// Whether this `compare_exchange_weak` fails spuriously: while
        /// [`crate::testing::spurious_wakeups`] is on, the odd-numbered calls of each model
        /// thread (the first included). Such a call only loads the value (with the failure
        /// ordering) and returns it as `Err`, changing nothing, as a weak exchange may on an
        /// LL/SC machine (ARM, RISC-V) even when the value equals `current`. loom 0.7 never
        /// fails it on its own, and neither does x86, so without this a single weak attempt
        /// where a loop belongs (a `try_lock` that gives up on a free lock) is never caught.
        fn spurious_weak_failure() -> bool {
            if !crate::testing::spurious_on() {
                return false;
            }
            WEAK_CALLS.with(|calls| {
                let n = calls.get();
                calls.set(n + 1);
                n % 2 == 0
            })
        }

        /// A memory fence (`std::sync::atomic::fence`), noted in the trace.
        #[track_caller]
        pub fn fence(order: Ordering) {
            note("fence", order);
            loom::sync::atomic::fence(order);
        }

        macro_rules! tracked_atomic {
            ($name:ident($value:ty) $(, $rmw:ident)*) => {
                #[doc = concat!("`loom::sync::atomic::", stringify!($name), "`, tracked, whose `store` is an RMW.")]
                #[derive(Debug, Default)]
                pub struct $name(loom::sync::atomic::$name);

                impl $name {
                    /// A new atomic holding `value`.
                    pub fn new(value: $value) -> Self {
                        Self(loom::sync::atomic::$name::new(value))
                    }

                    /// Consumes the atomic and returns its value.
                    pub fn into_inner(self) -> $value {
                        self.0.into_inner()
                    }

                    /// Loads the value.
                    #[track_caller]
                    pub fn load(&self, order: Ordering) -> $value {
                        note(concat!(stringify!($name), "::load"), order);
                        self.0.load(order)
                    }

                    /// Stores `value` (as a swap: see the module docs).
                    #[track_caller]
                    pub fn store(&self, value: $value, order: Ordering) {
                        note(concat!(stringify!($name), "::store"), order);
                        self.0.swap(value, order);
                    }

                    /// Swaps in `value`, returning the old value.
                    #[track_caller]
                    pub fn swap(&self, value: $value, order: Ordering) -> $value {
                        note(concat!(stringify!($name), "::swap"), order);
                        self.0.swap(value, order)
                    }

                    /// `compare_exchange` of std.
                    #[track_caller]
                    pub fn compare_exchange(
                        &self,
                        current: $value,
                        new: $value,
                        success: Ordering,
                        failure: Ordering,
                    ) -> Result<$value, $value> {
                        note(concat!(stringify!($name), "::compare_exchange"), success);
                        self.0.compare_exchange(current, new, success, failure)
                    }

                    /// `compare_exchange_weak` of std. loom 0.7 runs the strong one, which
                    /// never fails spuriously; while [`crate::testing::spurious_wakeups`] is
                    /// on, this one fails every other call of each model thread, the first
                    /// included, without changing the value.
                    #[track_caller]
                    pub fn compare_exchange_weak(
                        &self,
                        current: $value,
                        new: $value,
                        success: Ordering,
                        failure: Ordering,
                    ) -> Result<$value, $value> {
                        note(concat!(stringify!($name), "::compare_exchange_weak"), success);
                        if spurious_weak_failure() {
                            return Err(self.0.load(failure));
                        }
                        self.0.compare_exchange_weak(current, new, success, failure)
                    }

                    /// `fetch_update` of std.
                    #[track_caller]
                    pub fn fetch_update<F>(
                        &self,
                        set_order: Ordering,
                        fetch_order: Ordering,
                        f: F,
                    ) -> Result<$value, $value>
                    where
                        F: FnMut($value) -> Option<$value>,
                    {
                        note(concat!(stringify!($name), "::fetch_update"), set_order);
                        self.0.fetch_update(set_order, fetch_order, f)
                    }

                    $(
                        #[doc = concat!("`", stringify!($rmw), "` of std.")]
                        #[track_caller]
                        pub fn $rmw(&self, value: $value, order: Ordering) -> $value {
                            note(concat!(stringify!($name), "::", stringify!($rmw)), order);
                            self.0.$rmw(value, order)
                        }
                    )*
                }

                impl From<$value> for $name {
                    fn from(value: $value) -> Self {
                        Self::new(value)
                    }
                }

                // The rest of loom's API (`with_mut`, `unsync_load`, ...) stays reachable.
                impl Deref for $name {
                    type Target = loom::sync::atomic::$name;

                    fn deref(&self) -> &Self::Target {
                        &self.0
                    }
                }

                impl DerefMut for $name {
                    fn deref_mut(&mut self) -> &mut Self::Target {
                        &mut self.0
                    }
                }
            };
        }

        tracked_atomic!(AtomicBool(bool), fetch_and, fetch_nand, fetch_or, fetch_xor);
        macro_rules! tracked_integers {
            ($($name:ident($value:ty)),+) => {$(
                tracked_atomic!(
                    $name($value), fetch_add, fetch_sub, fetch_and, fetch_nand, fetch_or,
                    fetch_xor, fetch_max, fetch_min
                );
            )+};
        }
        tracked_integers!(
            AtomicU8(u8),
            AtomicU16(u16),
            AtomicU32(u32),
            AtomicU64(u64),
            AtomicUsize(usize),
            AtomicI32(i32),
            AtomicI64(i64),
            AtomicIsize(isize)
        );

        /// `loom::sync::atomic::AtomicPtr`, tracked, whose `store` is an RMW.
        #[derive(Debug)]
        pub struct AtomicPtr<T>(loom::sync::atomic::AtomicPtr<T>);

        impl<T> AtomicPtr<T> {
            /// A new atomic pointer.
            pub fn new(value: *mut T) -> Self {
                Self(loom::sync::atomic::AtomicPtr::new(value))
            }

            /// Consumes the atomic and returns its value.
            pub fn into_inner(self) -> *mut T {
                self.0.into_inner()
            }

            /// Loads the pointer.
            #[track_caller]
            pub fn load(&self, order: Ordering) -> *mut T {
                note("AtomicPtr::load", order);
                self.0.load(order)
            }

            /// Stores `value` (as a swap: see the module docs).
            #[track_caller]
            pub fn store(&self, value: *mut T, order: Ordering) {
                note("AtomicPtr::store", order);
                self.0.swap(value, order);
            }

            /// Swaps in `value`, returning the old pointer.
            #[track_caller]
            pub fn swap(&self, value: *mut T, order: Ordering) -> *mut T {
                note("AtomicPtr::swap", order);
                self.0.swap(value, order)
            }

            /// `compare_exchange` of std.
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: *mut T,
                new: *mut T,
                success: Ordering,
                failure: Ordering,
            ) -> Result<*mut T, *mut T> {
                note("AtomicPtr::compare_exchange", success);
                self.0.compare_exchange(current, new, success, failure)
            }

            /// `compare_exchange_weak` of std; while [`crate::testing::spurious_wakeups`] is
            /// on, it fails every other call of each model thread, as the integers' does.
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: *mut T,
                new: *mut T,
                success: Ordering,
                failure: Ordering,
            ) -> Result<*mut T, *mut T> {
                note("AtomicPtr::compare_exchange_weak", success);
                if spurious_weak_failure() {
                    return Err(self.0.load(failure));
                }
                self.0.compare_exchange_weak(current, new, success, failure)
            }
        }

        impl<T> Default for AtomicPtr<T> {
            fn default() -> Self {
                Self::new(std::ptr::null_mut())
            }
        }

        impl<T> Deref for AtomicPtr<T> {
            type Target = loom::sync::atomic::AtomicPtr<T>;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl<T> DerefMut for AtomicPtr<T> {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }
    }

    /// Loom's `Mutex`, tracked, and a `Condvar` that sleeps in the shim's
    /// [`atomic_wait`](super::atomic_wait) registry rather than in loom's own condition
    /// variable. Two reasons. A lost wake-up is then found by the registry while a thread
    /// still runs, and reported as "deadlock: ..." with the line where each sleeper fell
    /// asleep; in loom's condition variable it ends the model with no thread left to run,
    /// and when the last sleeper is a spawned thread the unwinding aborts the whole test
    /// binary without a message. And [`crate::testing::spurious_wakeups`] reaches condition
    /// variables too, so a wait under an `if` where a `while` belongs fails every time.
    ///
    /// `lock` hands out the shim's [`MutexGuard`], which remembers its mutex so that `wait`
    /// can unlock it and lock it again. `Condvar` also has std's `wait_while` and
    /// `wait_timeout_while`, which loom lacks, so code written against std's API compiles
    /// under loom too. Timed waits never time out in a model.
    mod mutex {
        use super::super::trace::note_plain;
        use super::atomic::{AtomicU32, Ordering};
        use super::atomic_wait;
        use std::ops::{Deref, DerefMut};
        use std::panic::Location;
        use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};
        use std::time::Duration;

        /// `loom::sync::Mutex`, tracked; its guard is the shim's [`MutexGuard`].
        #[derive(Debug, Default)]
        pub struct Mutex<T>(loom::sync::Mutex<T>);

        impl<T> Mutex<T> {
            /// A new unlocked mutex.
            pub fn new(value: T) -> Self {
                Self(loom::sync::Mutex::new(value))
            }

            /// Locks, blocking while another thread holds the lock.
            #[track_caller]
            pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
                note_plain("Mutex::lock");
                self.0
                    .lock()
                    .map(|inner| MutexGuard::new(self, inner))
                    .map_err(|poisoned| {
                        PoisonError::new(MutexGuard::new(self, poisoned.into_inner()))
                    })
            }

            /// Locks if no thread holds the lock.
            #[track_caller]
            pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
                note_plain("Mutex::try_lock");
                match self.0.try_lock() {
                    Ok(inner) => Ok(MutexGuard::new(self, inner)),
                    Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
                    Err(TryLockError::Poisoned(poisoned)) => Err(TryLockError::Poisoned(
                        PoisonError::new(MutexGuard::new(self, poisoned.into_inner())),
                    )),
                }
            }

            /// The value, taking the mutex apart.
            pub fn into_inner(self) -> LockResult<T> {
                self.0.into_inner()
            }

            /// The value, through a unique reference (no locking needed).
            pub fn get_mut(&mut self) -> LockResult<&mut T> {
                self.0.get_mut()
            }
        }

        /// The guard of a locked [`Mutex`]: loom's guard, and the mutex it came from.
        pub struct MutexGuard<'a, T> {
            mutex: &'a Mutex<T>,
            // `None` only inside `Condvar::wait`, between unlocking and locking again.
            inner: Option<loom::sync::MutexGuard<'a, T>>,
        }

        impl<'a, T> MutexGuard<'a, T> {
            fn new(mutex: &'a Mutex<T>, inner: loom::sync::MutexGuard<'a, T>) -> Self {
                MutexGuard {
                    mutex,
                    inner: Some(inner),
                }
            }
        }

        impl<T> Deref for MutexGuard<'_, T> {
            type Target = T;

            fn deref(&self) -> &T {
                self.inner.as_ref().expect("the guard holds its lock")
            }
        }

        impl<T> DerefMut for MutexGuard<'_, T> {
            fn deref_mut(&mut self) -> &mut T {
                self.inner.as_mut().expect("the guard holds its lock")
            }
        }

        impl<T: std::fmt::Debug> std::fmt::Debug for MutexGuard<'_, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("MutexGuard")
                    .field("value", &**self)
                    .finish()
            }
        }

        /// A condition variable as in "Rust Atomics and Locks", chapter 9: a counter of
        /// notifications, and waits in the [`atomic_wait`] registry while it has not moved.
        #[derive(Debug)]
        pub struct Condvar {
            notifications: AtomicU32,
        }

        impl Default for Condvar {
            fn default() -> Self {
                Self::new()
            }
        }

        impl Condvar {
            /// A condition variable nobody waits on.
            pub fn new() -> Self {
                Condvar {
                    notifications: AtomicU32::new(0),
                }
            }

            /// Unlocks the guard's mutex, sleeps until notified (or spuriously), and locks
            /// it again.
            #[track_caller]
            pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
                note_plain("Condvar::wait");
                let at = Location::caller();
                let mut guard = guard;
                let mutex = guard.mutex;
                // Read under the mutex: a notifier that changes the state under the mutex
                // after this read bumps the counter after it too, so the sleep below (which
                // checks the counter with an RMW, the latest value) cannot miss it. Relaxed:
                // the mutex orders the state the caller cares about. The counter is read
                // (and below, bumped) through loom's atomic, untracked: the trace and a
                // deadlock report speak of `Condvar::wait` and `notify_*`, which the caller
                // wrote, not of an atomic and `atomic_wait` that it never saw.
                let seen = (*self.notifications).load(Ordering::Relaxed);
                drop(guard.inner.take());
                atomic_wait::sleep(
                    &self.notifications,
                    seen,
                    at,
                    atomic_wait::SleepsIn::Condvar,
                );
                match mutex.0.lock() {
                    Ok(inner) => {
                        guard.inner = Some(inner);
                        Ok(guard)
                    }
                    Err(poisoned) => {
                        guard.inner = Some(poisoned.into_inner());
                        Err(PoisonError::new(guard))
                    }
                }
            }

            /// Waits while `condition` holds, through spurious wake-ups.
            #[track_caller]
            pub fn wait_while<'a, T, F>(
                &self,
                mut guard: MutexGuard<'a, T>,
                mut condition: F,
            ) -> LockResult<MutexGuard<'a, T>>
            where
                F: FnMut(&mut T) -> bool,
            {
                while condition(&mut *guard) {
                    guard = self.wait(guard)?;
                }
                Ok(guard)
            }

            /// Like [`Condvar::wait`]; in a model it never times out.
            #[track_caller]
            pub fn wait_timeout<'a, T>(
                &self,
                guard: MutexGuard<'a, T>,
                _duration: Duration,
            ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
                match self.wait(guard) {
                    Ok(guard) => Ok((guard, WaitTimeoutResult(false))),
                    Err(poisoned) => Err(PoisonError::new((
                        poisoned.into_inner(),
                        WaitTimeoutResult(false),
                    ))),
                }
            }

            /// Like [`Condvar::wait_while`]; in a model it never times out.
            #[track_caller]
            pub fn wait_timeout_while<'a, T, F>(
                &self,
                mut guard: MutexGuard<'a, T>,
                duration: Duration,
                mut condition: F,
            ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
            where
                F: FnMut(&mut T) -> bool,
            {
                while condition(&mut *guard) {
                    guard = match self.wait_timeout(guard, duration) {
                        Ok((guard, _)) => guard,
                        Err(poisoned) => return Err(poisoned),
                    };
                }
                Ok((guard, WaitTimeoutResult(false)))
            }

            /// Wakes one waiting thread, if any.
            #[track_caller]
            pub fn notify_one(&self) {
                note_plain("Condvar::notify_one");
                (*self.notifications).fetch_add(1, Ordering::Relaxed);
                atomic_wait::wake(&self.notifications, 1);
            }

            /// Wakes every waiting thread.
            #[track_caller]
            pub fn notify_all(&self) {
                note_plain("Condvar::notify_all");
                (*self.notifications).fetch_add(1, Ordering::Relaxed);
                atomic_wait::wake(&self.notifications, usize::MAX);
            }
        }

        /// Whether a timed wait timed out (std's `WaitTimeoutResult`; loom's cannot be made
        /// outside loom).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct WaitTimeoutResult(bool);

        impl WaitTimeoutResult {
            /// `true` if the wait ended because the time was up (never, in a model).
            pub fn timed_out(&self) -> bool {
                self.0
            }
        }
    }

    /// Loom's threads. They run one at a time; loom chooses every interleaving.
    pub mod thread {
        pub use loom::thread::{Builder, Thread, ThreadId, current, park, yield_now};

        /// Spawns a model thread (`loom::thread::spawn`), counted by the modelled
        /// [`super::atomic_wait`] so that it can tell a lost wake-up from a sleep that another
        /// thread will end.
        pub fn spawn<F, T>(f: F) -> JoinHandle<T>
        where
            // loom's own bounds: its threads share one OS thread, so it asks for no `Send`.
            F: FnOnce() -> T + 'static,
            T: 'static,
        {
            super::atomic_wait::thread_spawned();
            JoinHandle(loom::thread::spawn(move || {
                let _finishing = super::atomic_wait::Finishing;
                f()
            }))
        }

        /// `loom::thread::JoinHandle`, whose `join` is counted as blocking (see [`spawn`]).
        pub struct JoinHandle<T>(loom::thread::JoinHandle<T>);

        impl<T> JoinHandle<T> {
            /// Waits for the thread to finish; its result, or the payload of its panic.
            #[track_caller]
            pub fn join(self) -> std::thread::Result<T> {
                super::atomic_wait::join_begins(
                    self.0.thread().id(),
                    std::panic::Location::caller(),
                );
                let result = self.0.join();
                super::atomic_wait::join_ended();
                result
            }

            /// The thread's handle.
            pub fn thread(&self) -> &Thread {
                self.0.thread()
            }
        }

        impl<T> std::fmt::Debug for JoinHandle<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("JoinHandle").finish_non_exhaustive()
            }
        }

        /// Whether the current thread is unwinding (`std::thread::panicking`).
        pub fn panicking() -> bool {
            std::thread::panicking()
        }

        /// A sleep in a model is only a chance for another thread to run.
        pub fn sleep(_duration: std::time::Duration) {
            yield_now();
        }

        /// A number that names the calling model thread: never 0, never shared with another
        /// thread of the execution (as [`super::super::std_sync::thread::current_number`]).
        pub fn current_number() -> u64 {
            // loom numbers its threads from 0 (the model's main thread) in each execution.
            let id = format!("{:?}", current().id());
            let digits: String = id.chars().filter(char::is_ascii_digit).collect();
            digits.parse::<u64>().map_or(u64::MAX, |n| n + 1)
        }
    }

    /// Under loom the spin hint yields, so a spinning thread lets the others make progress.
    pub mod hint {
        pub use loom::hint::spin_loop;
    }

    /// The wait/wake primitive of [`super::std_sync::atomic_wait`], modelled: a registry of
    /// sleeping threads behind a loom mutex and condition variable, so that loom explores
    /// every order of checks, sleeps and wakes. Timed waits never time out in a model. With
    /// [`crate::testing::spurious_wakeups`] on, every other wait of each thread (the first
    /// included) returns at once, as on the std side.
    ///
    /// A thread that sleeps for ever (a lost wake-up) is found here, not by loom: the
    /// registry also counts the model's threads (spawned through [`super::thread::spawn`])
    /// and those blocked in [`super::thread::JoinHandle::join`], and when a thread is about
    /// to block while every other one is asleep or joining a thread that is, it panics
    /// with "deadlock: ..." and the lines where each sleeper fell asleep
    /// ([`crate::trace::asleep`]). Loom's own deadlock report comes after the last thread has
    /// blocked, with no thread running, and unwinding from there aborts the test binary
    /// without a message.
    pub mod atomic_wait {
        use super::super::trace::{self, note_plain};
        use super::atomic::{AtomicU32, Ordering};
        use std::panic::Location;
        use std::time::Duration;

        struct Sleeper {
            address: usize,
            ticket: u64,
            woken: bool,
            sleeps_in: SleepsIn,
        }

        #[derive(Default)]
        struct Registry {
            next_ticket: u64,
            sleepers: Vec<Sleeper>,
            // How many waits each model thread has made, for the spurious alternation.
            waits: Vec<(loom::thread::ThreadId, u64)>,
            // Threads spawned through the shim that have not finished (the main thread is
            // counted on top of these).
            spawned_running: usize,
            finished: Vec<loom::thread::ThreadId>,
            // (joiner, target) of the joins under way.
            joins: Vec<(loom::thread::ThreadId, loom::thread::ThreadId)>,
        }

        impl Registry {
            /// Whether no thread could run if the caller blocked (or ended) now: every
            /// running thread is asleep unwoken, or joins a thread that has not finished.
            fn all_blocked(&self) -> bool {
                let asleep = self.sleepers.iter().filter(|s| !s.woken).count();
                let joining = self
                    .joins
                    .iter()
                    .filter(|(_, target)| !self.finished.contains(target))
                    .count();
                let running = self.spawned_running + 1; // the main thread too
                asleep + joining >= running
            }
        }

        /// Where a sleeper sleeps, for the words of a deadlock report: the caller's own
        /// [`wait`], or the shim's `Condvar::wait` (which sleeps here too, but whose caller
        /// never wrote an atomic or an `atomic_wait` call).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum SleepsIn {
            /// `atomic_wait::wait` (or `wait_timeout`), called by the code under test.
            AtomicWait,
            /// `Condvar::wait` (or `wait_timeout`, `wait_while`...) of [`super::Condvar`].
            Condvar,
        }

        impl SleepsIn {
            /// The call, as the code under test wrote it.
            pub fn call(self) -> &'static str {
                match self {
                    SleepsIn::AtomicWait => "atomic_wait::wait",
                    SleepsIn::Condvar => "Condvar::wait",
                }
            }
        }

        /// The report, in the words of the calls the sleepers made (`Condvar::wait` alone in
        /// an exercise on condition variables).
        fn deadlock(what: &str, registry: &Registry) -> String {
            let asleep = |kind| {
                registry
                    .sleepers
                    .iter()
                    .any(|s| !s.woken && s.sleeps_in == kind)
            };
            let calls = match (asleep(SleepsIn::AtomicWait), asleep(SleepsIn::Condvar)) {
                (true, false) => SleepsIn::AtomicWait.call(),
                (false, true) => SleepsIn::Condvar.call(),
                _ => "atomic_wait::wait or Condvar::wait",
            };
            format!(
                "deadlock: {what}, and every other thread of the model is asleep (in {calls}) \
                 or joins one that is: nobody is left to wake them (a lost wake-up, or a cycle \
                 of threads each waiting for the next)"
            )
        }

        loom::lazy_static! {
            // One registry per execution: loom builds it afresh each time.
            static ref REGISTRY: (loom::sync::Mutex<Registry>, loom::sync::Condvar) =
                (loom::sync::Mutex::new(Registry::default()), loom::sync::Condvar::new());
        }

        /// Sleeps while `atomic` holds `value`; may return spuriously.
        #[track_caller]
        pub fn wait(atomic: &AtomicU32, value: u32) {
            note_plain("atomic_wait::wait");
            sleep(atomic, value, Location::caller(), SleepsIn::AtomicWait);
        }

        /// The sleep of [`wait`] and of `Condvar::wait`: `at` is the caller's line, `sleeps_in`
        /// what it called, for the report.
        pub(crate) fn sleep(
            atomic: &AtomicU32,
            value: u32,
            at: &'static Location<'static>,
            sleeps_in: SleepsIn,
        ) {
            // A word that has already moved on returns without the registry's lock, as a
            // futex returns at once: a caller that loops on a stale value then spins on
            // atomics, which loom stops cleanly ("maximum number of branches"), not on the
            // loom mutex, where that stop aborted the test binary. (Not while spurious
            // wake-ups are on: their alternation counts every wait.)
            if !crate::testing::spurious_on() && (**atomic).fetch_add(0, Ordering::Relaxed) != value
            {
                return;
            }
            let (lock, sleeping) = &*REGISTRY;
            let mut registry = lock.lock().unwrap();
            let me = loom::thread::current().id();
            if crate::testing::spurious_on() {
                let at = match registry.waits.iter().position(|(id, _)| *id == me) {
                    Some(at) => at,
                    None => {
                        registry.waits.push((me, 0));
                        registry.waits.len() - 1
                    }
                };
                registry.waits[at].1 += 1;
                if registry.waits[at].1 % 2 == 1 {
                    return;
                }
            }
            // Under the registry's lock, as the kernel checks under its bucket's lock: a
            // waker changes the value before it takes this lock to wake, so the value seen
            // here is either the old one (and the wake will find this sleeper) or the new one.
            // Read with an RMW that changes nothing: an RMW reads the latest value, as the
            // kernel's check does, where a plain load may return an older one in a model and
            // put a thread to sleep on a word that has already moved on (a sleep no real
            // futex would begin). Relaxed: waiting is no synchronisation; the caller's own
            // loads must acquire.
            if (**atomic).fetch_add(0, Ordering::Relaxed) != value {
                return;
            }
            let ticket = registry.next_ticket;
            registry.next_ticket += 1;
            let address = atomic as *const AtomicU32 as usize;
            registry.sleepers.push(Sleeper {
                address,
                ticket,
                woken: false,
                sleeps_in,
            });
            trace::fell_asleep(at, sleeps_in);
            if registry.all_blocked() {
                let message = deadlock(
                    &format!(
                        "this thread goes to sleep in {} at {}:{}",
                        sleeps_in.call(),
                        at.file(),
                        at.line()
                    ),
                    &registry,
                );
                drop(registry);
                panic!("{message}");
            }
            loop {
                registry = sleeping.wait(registry).unwrap();
                let mine = registry
                    .sleepers
                    .iter()
                    .position(|s| s.ticket == ticket)
                    .expect("a sleeper leaves the registry only by itself");
                if registry.sleepers[mine].woken {
                    registry.sleepers.remove(mine);
                    trace::woke_up();
                    return;
                }
            }
        }

        /// Like [`wait`]; in a model it never times out.
        #[track_caller]
        pub fn wait_timeout(atomic: &AtomicU32, value: u32, _timeout: Duration) {
            wait(atomic, value);
        }

        /// Wakes one thread waiting on `atomic`, if any (the one that slept first).
        #[track_caller]
        pub fn wake_one(atomic: *const AtomicU32) {
            note_plain("atomic_wait::wake_one");
            wake(atomic, 1);
        }

        /// Wakes every thread waiting on `atomic`.
        #[track_caller]
        pub fn wake_all(atomic: *const AtomicU32) {
            note_plain("atomic_wait::wake_all");
            wake(atomic, usize::MAX);
        }

        /// Wakes up to `count` sleepers on `atomic` (of [`wake_one`], [`wake_all`] and
        /// `Condvar::notify_*`).
        pub(crate) fn wake(atomic: *const AtomicU32, mut count: usize) {
            let address = atomic as usize;
            let (lock, sleeping) = &*REGISTRY;
            let mut registry = lock.lock().unwrap();
            let mut any = false;
            for sleeper in registry.sleepers.iter_mut() {
                if count > 0 && sleeper.address == address && !sleeper.woken {
                    sleeper.woken = true;
                    count -= 1;
                    any = true;
                }
            }
            drop(registry);
            if any {
                sleeping.notify_all();
            }
        }

        /// A thread is being spawned through the shim.
        pub(super) fn thread_spawned() {
            REGISTRY.0.lock().unwrap().spawned_running += 1;
        }

        /// Dropped when a thread spawned through the shim ends, returning or unwinding.
        pub(super) struct Finishing;

        impl Drop for Finishing {
            fn drop(&mut self) {
                // A thread unwinding from a failed model (loom's branch limit, an assert)
                // must not touch loom again: a second panic inside a destructor aborts the
                // whole test binary. The model has failed; the counts no longer matter.
                if std::thread::panicking() {
                    return;
                }
                let mut registry = REGISTRY.0.lock().unwrap();
                registry.spawned_running -= 1;
                registry.finished.push(loom::thread::current().id());
                // The last thread that could wake the sleepers ends.
                if registry.all_blocked() {
                    let message = deadlock("this thread ends", &registry);
                    drop(registry);
                    panic!("{message}");
                }
            }
        }

        /// The calling thread is about to join `target`.
        pub(super) fn join_begins(target: loom::thread::ThreadId, at: &'static Location<'static>) {
            let mut registry = REGISTRY.0.lock().unwrap();
            if registry.finished.contains(&target) {
                return;
            }
            let me = loom::thread::current().id();
            registry.joins.push((me, target));
            if registry.all_blocked() {
                let message = deadlock(
                    &format!(
                        "this thread joins {target:?} at {}:{}",
                        at.file(),
                        at.line()
                    ),
                    &registry,
                );
                drop(registry);
                panic!("{message}");
            }
        }

        /// The calling thread's join returned.
        pub(super) fn join_ended() {
            let me = loom::thread::current().id();
            REGISTRY
                .0
                .lock()
                .unwrap()
                .joins
                .retain(|(joiner, _)| *joiner != me);
        }
    }

    /// Loom's `UnsafeCell`, tracked: every `with` / `with_mut` is checked by loom for a
    /// happens-before edge, and noted in the trace with its call site.
    pub mod cell {
        use super::super::trace::note_plain;

        /// `loom::cell::UnsafeCell` with its call sites noted.
        #[derive(Debug, Default)]
        pub struct UnsafeCell<T: ?Sized>(loom::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            /// Wraps `value`.
            #[track_caller]
            pub fn new(value: T) -> Self {
                Self(loom::cell::UnsafeCell::new(value))
            }

            /// Unwraps the value.
            pub fn into_inner(self) -> T {
                self.0.into_inner()
            }
        }

        impl<T: ?Sized> UnsafeCell<T> {
            /// Calls `f` with a shared pointer to the value.
            #[track_caller]
            pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                note_plain("UnsafeCell::with (read)");
                self.0.with(f)
            }

            /// Calls `f` with a mutable pointer to the value.
            #[track_caller]
            pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                note_plain("UnsafeCell::with_mut (write)");
                self.0.with_mut(f)
            }

            /// Not available: see [`super::super::std_sync::cell::UnsafeCell::get`].
            pub fn get(&self) -> *mut T
            where
                Self: super::super::UseWithInsteadOfGet,
            {
                unreachable!("the bound cannot hold")
            }
        }
    }
}

/// The trace of a loom model's current execution: the last operations each thread made on
/// the tracked primitives of [`loom_sync`], with the source line that made them.
/// `loom-harness` turns it on, clears it at the start of every execution, and prints it when
/// a model fails.
pub mod trace {
    use std::cell::{Cell, RefCell};
    use std::collections::VecDeque;
    use std::panic::Location;

    pub use super::loom_sync::atomic_wait::SleepsIn;

    /// How many of the latest steps are kept.
    pub const KEPT: usize = 24;

    /// One operation: who, what, where.
    #[derive(Debug, Clone)]
    pub struct Step {
        /// loom's thread id, as loom prints it (`ThreadId(1)` is the model's main thread).
        pub thread: String,
        /// `AtomicBool::swap`, `Mutex::lock`, `UnsafeCell::with_mut (write)`.
        pub operation: &'static str,
        /// The ordering, for atomics.
        pub ordering: Option<loom::sync::atomic::Ordering>,
        /// The caller's source location.
        pub at: &'static Location<'static>,
    }

    /// A step as noted: cheap to record (no allocation), formatted only on failure.
    type Noted = (
        loom::thread::ThreadId,
        &'static str,
        Option<loom::sync::atomic::Ordering>,
        &'static Location<'static>,
    );

    thread_local! {
        // A model's threads are coroutines on one OS thread, so one log sees them all.
        static ON: Cell<bool> = const { Cell::new(false) };
        static LOG: RefCell<VecDeque<Noted>> =
            const { RefCell::new(VecDeque::new()) };
        // The model threads asleep in `atomic_wait::wait` (or `Condvar::wait`) right now, where
        // they fell asleep, and in which of the two.
        static ASLEEP: RefCell<Vec<(loom::thread::ThreadId, &'static Location<'static>, SleepsIn)>> =
            const { RefCell::new(Vec::new()) };
    }

    /// The threads of the current execution that are asleep in `atomic_wait::wait` and were
    /// not woken: loom's thread id (as loom prints it) and the line that called `wait`.
    pub fn asleep() -> Vec<(String, &'static Location<'static>)> {
        asleep_in()
            .into_iter()
            .map(|(thread, at, _)| (thread, at))
            .collect()
    }

    /// [`asleep`], with what each sleeper called: `atomic_wait::wait` or `Condvar::wait`
    /// (the shim's condition variable sleeps in the same registry).
    pub fn asleep_in() -> Vec<(String, &'static Location<'static>, SleepsIn)> {
        ASLEEP.with_borrow(|asleep| {
            asleep
                .iter()
                .map(|(thread, at, sleeps_in)| (format!("{thread:?}"), *at, *sleeps_in))
                .collect()
        })
    }

    pub(crate) fn fell_asleep(at: &'static Location<'static>, sleeps_in: SleepsIn) {
        let thread = loom::thread::current().id();
        ASLEEP.with_borrow_mut(|asleep| asleep.push((thread, at, sleeps_in)));
    }

    pub(crate) fn woke_up() {
        let thread = loom::thread::current().id();
        ASLEEP.with_borrow_mut(|asleep| asleep.retain(|(t, _, _)| *t != thread));
    }

    /// Starts (or stops) noting steps on this OS thread, and forgets the ones noted so far.
    pub fn enable(on: bool) {
        ON.set(on);
        clear();
    }

    /// Forgets the steps noted so far (the start of a new execution).
    pub fn clear() {
        LOG.with_borrow_mut(VecDeque::clear);
        ASLEEP.with_borrow_mut(Vec::clear);
    }

    /// The steps noted since the last [`clear`], oldest first (at most [`KEPT`]).
    pub fn steps() -> Vec<Step> {
        LOG.with_borrow(|log| {
            log.iter()
                .map(|(thread, operation, ordering, at)| Step {
                    thread: format!("{thread:?}"),
                    operation,
                    ordering: *ordering,
                    at,
                })
                .collect()
        })
    }

    #[track_caller]
    pub(crate) fn note(operation: &'static str, ordering: loom::sync::atomic::Ordering) {
        record(operation, Some(ordering), Location::caller());
    }

    #[track_caller]
    pub(crate) fn note_plain(operation: &'static str) {
        record(operation, None, Location::caller());
    }

    fn record(
        operation: &'static str,
        ordering: Option<loom::sync::atomic::Ordering>,
        at: &'static Location<'static>,
    ) {
        if !ON.get() {
            return;
        }
        let thread = loom::thread::current().id();
        LOG.with_borrow_mut(|log| {
            if log.len() == KEPT {
                log.pop_front();
            }
            log.push_back((thread, operation, ordering, at));
        });
    }
}

/// Hooks for the graded tests: how often this thread waited and woke through
/// `crate::sync::atomic_wait`, spurious wake-ups (and spurious failures of a weak exchange)
/// on demand, and a hook in place of the spin hint.
pub mod testing {
    use std::cell::{Cell, RefCell};

    thread_local! {
        static WAITS: Cell<u64> = const { Cell::new(0) };
        static WAKES: Cell<u64> = const { Cell::new(0) };
        // On a real thread: `Some(n)` while spurious wake-ups are on, n waits made since.
        static SPURIOUS: Cell<Option<u64>> = const { Cell::new(None) };
        // What runs in place of `hint::spin_loop` on this thread (std side), if anything.
        static SPIN_HOOK: RefCell<Option<Box<dyn FnMut()>>> = const { RefCell::new(None) };
    }

    /// How many `atomic_wait::wait` / `wait_timeout` calls this thread has made (std side).
    pub fn wait_calls() -> u64 {
        WAITS.get()
    }

    /// How many `atomic_wait::wake_one` / `wake_all` calls this thread has made (std side):
    /// each is a system call on a real machine.
    pub fn wake_calls() -> u64 {
        WAKES.get()
    }

    /// Turns spurious wake-ups on for this thread until the guard drops: its first wait
    /// returns at once without sleeping, the second sleeps for real, the third returns at
    /// once, and so on. Code that waits in a `while` loop does not notice; code that waits
    /// under an `if` goes on without its condition. In a loom model, turn it on in the
    /// model's main thread: it then holds for every thread of the model (they share one OS
    /// thread), each with its own alternation.
    ///
    /// In a loom model it also makes `compare_exchange_weak` fail spuriously, as it may on
    /// ARM or RISC-V (loom itself never fails it, nor does x86): the first call of each model
    /// thread fails without changing the value (it returns `Err` with the value it loaded),
    /// the second is a real exchange, the third fails, and so on. A weak exchange retried in
    /// a loop succeeds on the next turn; a single weak attempt (a `try_lock` that gives up on
    /// a free lock) is caught. On real threads the atomics are std's and it changes nothing.
    #[must_use = "spurious wake-ups stop when the guard is dropped"]
    pub fn spurious_wakeups() -> SpuriousWakeups {
        SPURIOUS.set(Some(0));
        SpuriousWakeups(())
    }

    /// Keeps spurious wake-ups on: see [`spurious_wakeups`].
    #[derive(Debug)]
    pub struct SpuriousWakeups(());

    impl Drop for SpuriousWakeups {
        fn drop(&mut self) {
            SPURIOUS.set(None);
        }
    }

    /// Runs `hook` in place of every `crate::sync::hint::spin_loop()` this thread makes (std
    /// side), until the guard drops. A test can then stop a thread inside its spin, at the
    /// first turn, and make something happen there that real timing would hit once in a
    /// million runs: for example block the hook until another thread has unlocked, so the
    /// unlock lands between the spinner's first look at the lock and its next one.
    ///
    /// Under loom the hint stays loom's (a yield to the other model threads) and the hook is
    /// not called: a model explores those interleavings itself, and blocking a model thread
    /// on something loom does not see would stop the whole model. A `spin_loop` made inside
    /// the hook is the plain hint.
    #[must_use = "the hook is removed when the guard is dropped"]
    pub fn on_spin_loop(hook: impl FnMut() + 'static) -> OnSpinLoop {
        SPIN_HOOK.set(Some(Box::new(hook)));
        OnSpinLoop(())
    }

    /// Keeps the hook of [`on_spin_loop`] in place; dropping it puts the plain hint back.
    #[derive(Debug)]
    pub struct OnSpinLoop(());

    impl Drop for OnSpinLoop {
        fn drop(&mut self) {
            // `take` first: the hook's own drop runs after the cell is free again.
            let hook = SPIN_HOOK.with_borrow_mut(Option::take);
            drop(hook);
        }
    }

    /// Runs this thread's spin hook, if it has one (and is not inside it already); whether it
    /// did.
    pub(crate) fn run_spin_hook() -> bool {
        // `try_with`: a spin made while this thread's locals are being destroyed is plain.
        SPIN_HOOK
            .try_with(|hook| match hook.try_borrow_mut() {
                Ok(mut hook) => match hook.as_mut() {
                    Some(hook) => {
                        hook();
                        true
                    }
                    None => false,
                },
                Err(_) => false,
            })
            .unwrap_or(false)
    }

    pub(crate) fn count_wait() {
        WAITS.set(WAITS.get() + 1);
    }

    pub(crate) fn count_wake() {
        WAKES.set(WAKES.get() + 1);
    }

    /// Whether this wait returns at once (std side): the odd-numbered waits, while on.
    pub(crate) fn spurious_now() -> bool {
        match SPURIOUS.get() {
            None => false,
            Some(n) => {
                SPURIOUS.set(Some(n + 1));
                n % 2 == 0
            }
        }
    }

    /// Whether spurious wake-ups are on (loom side, which alternates per model thread).
    pub(crate) fn spurious_on() -> bool {
        SPURIOUS.get().is_some()
    }
}

/// The bound that `UnsafeCell::get` asks for and no type meets: `get` exists only to say,
/// at compile time, what to write instead.
#[diagnostic::on_unimplemented(
    message = "`UnsafeCell::get()` is not available in this course: use `with(|ptr| ...)` to read and `with_mut(|ptr| ...)` to write",
    label = "write `cell.with(|ptr| unsafe {{ &*ptr }})` or `cell.with_mut(|ptr| unsafe {{ &mut *ptr }})`",
    note = "loom can only check accesses made inside those closures; the book explains it in part-2/spin-locks.md#reaching-the-value"
)]
pub trait UseWithInsteadOfGet {}

#[doc(hidden)]
pub use library_under_test::library_under_test as __library_under_test;

/// The real-threads half of a graded suite that shares one test binary with the loom half
/// (`tests/graded.rs`, whose root binds `crate::sync` to loom for the module files compiled
/// there). Each named module becomes a module of the calling test crate that re-exports the
/// public items of the library under test (the exercise's, the solution's, a mutant's):
/// `spin_lock::SpinLock` is the library's `SpinLock`, built with `crate::sync` = std.
///
/// One binary for both halves means `cargo test -p exercise-NN` runs both even when one
/// fails (cargo stops at the first failing test binary).
#[macro_export]
macro_rules! library_under_std {
    ($($module:ident),+ $(,)?) => {
        #[allow(unused_imports)]
        use $crate::std_sync as sync;
        $crate::__library_under_test!(graded_library);
        $(
            #[allow(unused_imports)]
            mod $module {
                pub use super::graded_library::*;
            }
        )+
    };
}

/// Compiles the named files of the tested crate's `src/` as modules of the calling test crate,
/// with `crate::sync` bound to std. The files are found through `CARGO_MANIFEST_DIR`, so the
/// same test file grades an exercise and its solution, each from its own `src/`.
///
/// A module file must not start with inner attributes (`//!`, `#![...]`): `include!` rejects
/// them. Put module docs on the `mod` line in `lib.rs`.
#[macro_export]
macro_rules! include_under_std {
    ($($module:ident),+ $(,)?) => {
        #[allow(unused_imports)]
        use $crate::std_sync as sync;
        $crate::__include_modules!($($module),+);
    };
}

/// Like [`include_under_std!`], with `crate::sync` bound to loom, for the model checks.
#[macro_export]
macro_rules! include_under_loom {
    ($($module:ident),+ $(,)?) => {
        #[allow(unused_imports)]
        use $crate::loom_sync as sync;
        $crate::__include_modules!($($module),+);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __include_modules {
    ($($module:ident),+) => {
        $(
            // Each warning about the learner's code is shown once, by the library build,
            // not again for each test target that includes the same file.
            #[allow(dead_code, unused_imports, unused_variables)]
            mod $module {
                include!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/", stringify!($module), ".rs"));
            }
        )+
    };
}
