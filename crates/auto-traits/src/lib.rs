//! Whether a concrete type is `Send` or `Sync`, as a `bool` a test can assert on.
//!
//! A compile-time check (`fn assert_send<T: Send>() {}`) stops the whole suite from building
//! when it fails, with the compiler's words instead of the course's, and it cannot check that
//! a type is *not* `Send`. These macros answer both ways at run time:
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! assert!(auto_traits::is_send!(Vec<u8>));
//! assert!(!auto_traits::is_send!(Rc<u8>));
//! assert!(auto_traits::is_send!(Cell<u8>) && !auto_traits::is_sync!(Cell<u8>));
//! ```
//!
//! How: method lookup prefers an inherent method to a trait method, and an inherent method
//! whose `where` clause does not hold for the concrete type is not a candidate at all. So
//! `Probe::<T>::is_send` is the inherent `true` when `T: Send`, and the trait's `false`
//! otherwise. The type must be concrete at the call site (inside a generic function every
//! `T` would answer `false`).

use std::marker::PhantomData;

/// A zero-sized question about `T`; used by the macros.
#[doc(hidden)]
pub struct Probe<T: ?Sized>(pub PhantomData<T>);

#[doc(hidden)]
pub trait NotSend {
    fn is_send(&self) -> bool {
        false
    }
}

#[doc(hidden)]
pub trait NotSync {
    fn is_sync(&self) -> bool {
        false
    }
}

impl<T: ?Sized> NotSend for Probe<T> {}
impl<T: ?Sized> NotSync for Probe<T> {}

impl<T: ?Sized + Send> Probe<T> {
    #[doc(hidden)]
    pub fn is_send(&self) -> bool {
        true
    }
}

impl<T: ?Sized + Sync> Probe<T> {
    #[doc(hidden)]
    pub fn is_sync(&self) -> bool {
        true
    }
}

/// `true` when the (concrete) type is `Send`.
#[macro_export]
macro_rules! is_send {
    ($type:ty) => {{
        #[allow(unused_imports)]
        use $crate::NotSend as _;
        $crate::Probe::<$type>(::std::marker::PhantomData).is_send()
    }};
}

/// `true` when the (concrete) type is `Sync`.
#[macro_export]
macro_rules! is_sync {
    ($type:ty) => {{
        #[allow(unused_imports)]
        use $crate::NotSync as _;
        $crate::Probe::<$type>(::std::marker::PhantomData).is_sync()
    }};
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::sync::{Arc, Mutex, MutexGuard};

    #[test]
    fn answers_both_ways() {
        assert!(is_send!(Arc<Mutex<u8>>) && is_sync!(Arc<Mutex<u8>>));
        assert!(!is_send!(Rc<u8>) && !is_sync!(Rc<u8>));
        assert!(is_send!(RefCell<u8>) && !is_sync!(RefCell<u8>));
        assert!(is_send!(Cell<u8>) && !is_sync!(Cell<u8>));
        assert!(!is_send!(MutexGuard<'static, u8>) && is_sync!(MutexGuard<'static, u8>));
        assert!(!is_send!(*const u8) && !is_sync!(*const u8));
    }
}
