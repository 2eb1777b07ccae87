//! One grading at a time per build folder: its assembled workspace is shared (see
//! `grade::grade`). An advisory lock (`flock`) on `<build>/grade.lock`, released when the
//! process ends however it ends, so a crashed grading never leaves a stale lock behind.

use std::fs::File;
use std::path::Path;

use crate::GradeError;

/// Held while grading; dropping it releases the lock.
pub struct BuildLock {
    _file: File,
}

impl BuildLock {
    /// Takes the lock, waiting (and saying so once) while another grading holds it.
    pub fn take(build_dir: &Path, on_wait: &mut dyn FnMut(&str)) -> Result<BuildLock, GradeError> {
        let path = build_dir.join("grade.lock");
        let file = File::create(&path)
            .map_err(|e| GradeError::new(format!("cannot create {}: {e}", path.display())))?;
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a file descriptor we own, open for the whole call.
            let free = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
            if !free {
                on_wait(&format!(
                    "waiting for another grading that uses {}",
                    build_dir.display()
                ));
                // SAFETY: as above.
                let taken = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0;
                if !taken {
                    return Err(GradeError::new(format!(
                        "cannot lock {}: {}",
                        path.display(),
                        std::io::Error::last_os_error()
                    )));
                }
            }
        }
        #[cfg(not(unix))]
        let _ = on_wait;
        Ok(BuildLock { _file: file })
    }
}
