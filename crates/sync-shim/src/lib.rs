//! The std/loom switch that every exercise reaches its synchronisation through.
//!
//! An exercise's `src/lib.rs` says `use sync_shim::std_sync as sync;` and its modules write
//! `crate::sync::atomic::AtomicBool`, `crate::sync::cell::UnsafeCell`, `crate::sync::Arc`,
//! `crate::sync::thread` and `crate::sync::hint::spin_loop`. The loom test of the same
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
    pub use std::sync::{Arc, Condvar, Mutex, MutexGuard};

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
    }

    /// The spin-wait hint (`std::hint::spin_loop`).
    pub mod hint {
        pub use std::hint::spin_loop;
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
        }
    }
}

/// The same names from `loom`, used by the model checks in each exercise's `tests/under_loom.rs`.
pub mod loom_sync {
    pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard};

    /// Atomic types and orderings, tracked by loom.
    ///
    /// Each type is loom's, except that `store` is carried out as a `swap`. Loom 0.7 can
    /// order a plain store between the read and the write of another thread's concurrent
    /// read-modify-write, which the memory model forbids (an RMW reads the value just before
    /// its own write). A correct `swap`-based spin lock then spins forever in the model. As
    /// an RMW, the store keeps its place. The price: a Relaxed store by another thread now
    /// continues a release sequence, which could hide a bug that relies on it breaking one;
    /// none of the course's algorithms does.
    pub mod atomic {
        pub use loom::sync::atomic::{Ordering, fence};
        use std::ops::{Deref, DerefMut};

        macro_rules! store_as_swap {
            ($($name:ident($value:ty)),+ $(,)?) => {$(
                #[doc = concat!("`loom::sync::atomic::", stringify!($name), "` whose `store` is an RMW.")]
                #[derive(Debug, Default)]
                pub struct $name(loom::sync::atomic::$name);

                impl $name {
                    /// A new atomic holding `value`.
                    pub fn new(value: $value) -> Self {
                        Self(loom::sync::atomic::$name::new(value))
                    }

                    /// Stores `value` (as a swap: see the module docs).
                    #[track_caller]
                    pub fn store(&self, value: $value, order: Ordering) {
                        self.0.swap(value, order);
                    }

                    /// Consumes the atomic and returns its value.
                    pub fn into_inner(self) -> $value {
                        self.0.into_inner()
                    }
                }

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
            )+};
        }

        store_as_swap!(
            AtomicBool(bool),
            AtomicU8(u8),
            AtomicU16(u16),
            AtomicU32(u32),
            AtomicU64(u64),
            AtomicUsize(usize),
            AtomicI32(i32),
            AtomicI64(i64),
            AtomicIsize(isize),
        );

        /// `loom::sync::atomic::AtomicPtr` whose `store` is an RMW.
        #[derive(Debug)]
        pub struct AtomicPtr<T>(loom::sync::atomic::AtomicPtr<T>);

        impl<T> AtomicPtr<T> {
            /// A new atomic pointer.
            pub fn new(value: *mut T) -> Self {
                Self(loom::sync::atomic::AtomicPtr::new(value))
            }

            /// Stores `value` (as a swap: see the module docs).
            #[track_caller]
            pub fn store(&self, value: *mut T, order: Ordering) {
                self.0.swap(value, order);
            }

            /// Consumes the atomic and returns its value.
            pub fn into_inner(self) -> *mut T {
                self.0.into_inner()
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

    /// Loom's threads. They run one at a time; loom chooses every interleaving.
    pub mod thread {
        pub use loom::thread::{
            Builder, JoinHandle, Thread, ThreadId, current, park, spawn, yield_now,
        };

        /// Whether the current thread is unwinding (`std::thread::panicking`).
        pub fn panicking() -> bool {
            std::thread::panicking()
        }

        /// A sleep in a model is only a chance for another thread to run.
        pub fn sleep(_duration: std::time::Duration) {
            yield_now();
        }
    }

    /// Under loom the spin hint yields, so a spinning thread lets the others make progress.
    pub mod hint {
        pub use loom::hint::spin_loop;
    }

    /// Loom's `UnsafeCell`: every `with` / `with_mut` is checked for a happens-before edge.
    pub mod cell {
        pub use loom::cell::UnsafeCell;
    }
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
