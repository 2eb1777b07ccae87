#[allow(unused_imports)]
use sync_shim::loom_sync as sync;
#[path = "threads.rs"]
mod threads;
#[path = "under_loom.rs"]
mod under_loom;
