// Unix: rlimits and a network namespace set up between fork and exec, a process group, the
// subreaper, and the hunt for the tree's processes when the main one has ended.

use std::collections::{HashMap, HashSet};
use std::ffi::CString;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::output::Collector;
use crate::procs::{self, Proc};
use crate::{Applied, Limits, MARKER_VAR, OUTPUT_CAP, Outcome, Status};

/// How long output is still read after the tree was killed: whatever the killed processes
/// wrote is in the pipe already; a process outside the tree that holds the pipe open must
/// not keep `run` waiting.
const DRAIN: Duration = Duration::from_secs(1);
/// How often the tree below the main process is noted while it runs (so that a process
/// that leaves the process group and the main process's descendants is still known).
const OBSERVE_EVERY: Duration = Duration::from_millis(200);
/// How long killed processes are waited for, to reap the ones that became our children.
const REAP_FOR: Duration = Duration::from_secs(3);

// What the child reports through its report pipe: one byte of flags, then the inode of its
// network namespace (native endian).
const MEMORY: u8 = 1;
const FILE_SIZE: u8 = 2;
const OPEN_FILES: u8 = 4;
const NETWORK: u8 = 8;
const REPORT_LEN: usize = 9;

/// Finished runs, for [`leftovers`].
static FINISHED: Mutex<Vec<Tree>> = Mutex::new(Vec::new());

pub(crate) fn run(
    mut command: Command,
    limits: &Limits,
    on_line: &mut dyn FnMut(&str),
) -> io::Result<Outcome> {
    let reaper = become_subreaper();
    let token = next_token();
    let (mut output, writer) = io::pipe()?;
    let (mut report, report_writer) = io::pipe()?;
    let plan = ChildPlan::new(limits, report_writer.as_raw_fd());
    command
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .env(MARKER_VAR, &token)
        .process_group(0);
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // calls are allowed: `ChildPlan::apply` makes system calls only (setrlimit, unshare,
    // open, write, close, socket, ioctl, stat) on data prepared before the fork, and neither
    // allocates nor takes a lock.
    unsafe {
        command.pre_exec(move || {
            plan.apply();
            Ok(())
        });
    }
    let spawned = command.spawn();
    // Our copies of the write ends (held by `command` and `report_writer`) must be closed,
    // or the reads below would never see the end of the pipes.
    drop(command);
    drop(report_writer);
    let mut child = spawned?;
    let started = Instant::now();

    let mut reported = [0u8; REPORT_LEN];
    // The child wrote its report before exec, and `spawn` returns after the exec: the bytes
    // are there (one write of 9 bytes is atomic on a pipe).
    let got = report.read(&mut reported).unwrap_or(0);
    let flags = if got == REPORT_LEN { reported[0] } else { 0 };
    let mut inode = [0u8; 8];
    inode.copy_from_slice(&reported[1..]);
    let applied = Applied {
        memory: flags & MEMORY != 0,
        file_size: flags & FILE_SIZE != 0,
        open_files: flags & OPEN_FILES != 0,
        network: flags & NETWORK != 0,
        reaper,
    };

    let main = child.id();
    let mut tree = Tree {
        main,
        pgid: main,
        // Until it is reaped the main process stays in the table, at worst as a zombie.
        main_start: procs::get(main).map_or(0, |p| p.start),
        marker: format!("{MARKER_VAR}={token}").into_bytes(),
        net_ns: (flags & NETWORK != 0)
            .then(|| procs::pin_net_namespace(main, u64::from_ne_bytes(inode)))
            .flatten(),
        seen: HashMap::new(),
        finished: false,
    };

    let mut collector = Collector::new(OUTPUT_CAP, on_line);
    let fd = output.as_raw_fd();
    let deadline = started + limits.time;
    let mut eof = false;
    let mut last_observed = started;
    let timed_out = loop {
        let now = Instant::now();
        if has_exited(&mut child) {
            break false;
        }
        if now >= deadline {
            break true;
        }
        if now.duration_since(last_observed) >= OBSERVE_EVERY {
            tree.observe(&procs::table());
            last_observed = now;
        }
        let wait = (deadline - now).min(Duration::from_millis(25));
        if eof {
            std::thread::sleep(wait.min(Duration::from_millis(5)));
        } else {
            eof = read_some(fd, &mut output, wait, &mut collector);
        }
    };
    let elapsed = started.elapsed();

    if timed_out {
        // The main process may have left the group (setsid): killed by its id too. It is
        // not reaped yet, so the id cannot name another process.
        let _ = child.kill();
    }
    let strays_killed = tree.kill_members(true);

    // Drain what the killed processes wrote; stop at the end of the pipe or soon.
    let drain_until = Instant::now() + DRAIN;
    while !eof {
        let now = Instant::now();
        if now >= drain_until {
            break;
        }
        eof = read_some(
            fd,
            &mut output,
            (drain_until - now).min(Duration::from_millis(50)),
            &mut collector,
        );
    }
    drop(output);

    let exit = child.wait()?;
    tree.finished = true;
    tree.net_ns = None;
    let status = if timed_out {
        Status::TimedOut
    } else if let Some(code) = exit.code() {
        Status::Exited(code)
    } else {
        Status::Signalled(exit.signal().unwrap_or(0))
    };
    FINISHED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(tree);
    Ok(Outcome {
        status,
        output: collector.finish(),
        elapsed,
        strays_killed,
        applied,
    })
}

pub(crate) fn leftovers() -> Vec<u32> {
    let table = procs::table();
    let mut finished = FINISHED.lock().unwrap_or_else(PoisonError::into_inner);
    let mut pids: Vec<u32> = finished
        .iter_mut()
        .flat_map(|tree| tree.members(&table))
        .filter(|p| p.alive)
        .map(|p| p.pid)
        .collect();
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// Waits up to `wait` for output, reads what is there and hands it on. True at the end of
/// the pipe (every write end closed).
fn read_some(
    fd: RawFd,
    output: &mut io::PipeReader,
    wait: Duration,
    collector: &mut Collector<'_>,
) -> bool {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = wait.as_millis().clamp(1, 1000) as libc::c_int;
    // SAFETY: `poll` points at one valid pollfd for the duration of the call.
    let ready = unsafe { libc::poll(&mut poll, 1, millis) };
    if ready <= 0 {
        return false;
    }
    let mut buffer = [0u8; 64 * 1024];
    match output.read(&mut buffer) {
        Ok(0) => true,
        Ok(n) => {
            collector.push(&buffer[..n]);
            false
        }
        Err(error) if error.kind() == io::ErrorKind::Interrupted => false,
        Err(_) => true,
    }
}

/// Whether the main process has ended, without reaping it (on Linux): while it is a zombie
/// its id, which is also the process group's id, cannot be given to another process.
fn has_exited(child: &mut Child) -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: siginfo_t is plain data; all zeroes is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is valid for writes; WNOWAIT leaves the child waitable for
        // `Child::wait`.
        let result = unsafe {
            libc::waitid(
                libc::P_PID,
                child.id() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        if result == 0 {
            // SAFETY: waitid filled `info` (or left it zeroed when nothing has ended).
            return unsafe { info.si_pid() } != 0;
        }
    }
    !matches!(child.try_wait(), Ok(None))
}

/// Makes the calling process a child subreaper (Linux), once: orphans below it are
/// re-parented to it instead of to init, so the tree's daemons can be found and reaped.
fn become_subreaper() -> bool {
    static REAPER: OnceLock<bool> = OnceLock::new();
    *REAPER.get_or_init(|| {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes one integer argument and
            // changes only this process's attribute.
            unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong) == 0 }
        }
        #[cfg(not(target_os = "linux"))]
        {
            false
        }
    })
}

/// A token unique to one run of this process.
fn next_token() -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}.{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The processes of one run's tree, as far as they can be told apart from the others.
struct Tree {
    main: u32,
    pgid: u32,
    main_start: u64,
    /// `SANDBOX_RUN=<token>`, as it appears in /proc/<pid>/environ.
    marker: Vec<u8>,
    /// The run's network namespace: its inode, and an open handle that keeps it alive
    /// (a namespace's inode number is given to the next new namespace once it is freed, and
    /// that may be another program's).
    net_ns: Option<(u64, std::fs::File)>,
    /// Processes seen in the tree, with their start times (a reused id is not ours).
    seen: HashMap<u32, u64>,
    /// The main process is reaped (its id may name another process) and the namespace is
    /// no longer held: only the group, the marker and the processes seen still count.
    finished: bool,
}

impl Tree {
    /// Notes the processes below the main one (cheap: parent ids only).
    fn observe(&mut self, table: &[Proc]) {
        let me = std::process::id();
        loop {
            let mut grew = false;
            for p in table {
                if p.pid != me
                    && p.start >= self.main_start
                    && !self.seen.contains_key(&p.pid)
                    && (p.ppid == self.main || self.seen.contains_key(&p.ppid))
                {
                    self.seen.insert(p.pid, p.start);
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
    }

    /// The processes of the table that belong to the tree, the main process left out (live
    /// ones and zombies).
    fn members(&mut self, table: &[Proc]) -> Vec<Proc> {
        let me = std::process::id();
        let candidates: Vec<&Proc> = table
            .iter()
            .filter(|p| p.pid > 1 && p.pid != me && p.pid != self.main)
            .filter(|p| p.start >= self.main_start)
            .collect();
        let mut members: HashSet<u32> = HashSet::new();
        for p in &candidates {
            if p.pgid == self.pgid
                || self.seen.get(&p.pid) == Some(&p.start)
                || self
                    .net_ns
                    .as_ref()
                    .is_some_and(|(inode, _)| procs::net_namespace(p.pid) == Some(*inode))
                || procs::environ_has(p.pid, &self.marker)
            {
                members.insert(p.pid);
            }
        }
        loop {
            let mut grew = false;
            for p in &candidates {
                let below_main = p.ppid == self.main && !self.finished;
                if !members.contains(&p.pid) && (below_main || members.contains(&p.ppid)) {
                    members.insert(p.pid);
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        let found: Vec<Proc> = candidates
            .into_iter()
            .filter(|p| members.contains(&p.pid))
            .copied()
            .collect();
        for p in &found {
            self.seen.insert(p.pid, p.start);
        }
        found
    }

    /// Kills every live process of the tree but the main one, again until none is left
    /// (a process may fork while the others die), then reaps those that became our
    /// children. Returns how many were killed.
    fn kill_members(&mut self, group: bool) -> usize {
        let mut killed: HashMap<u32, u64> = HashMap::new();
        for _ in 0..500 {
            // Looked for first and killed one by one, so that they are counted; then the
            // whole group at once, which catches what forked in between.
            let live: Vec<Proc> = self
                .members(&procs::table())
                .into_iter()
                .filter(|p| p.alive)
                .collect();
            for p in &live {
                // SAFETY: plain system call on a process just seen in the tree.
                unsafe { libc::kill(p.pid as libc::pid_t, libc::SIGKILL) };
                killed.insert(p.pid, p.start);
            }
            if group {
                // SAFETY: plain system call. The main process is not reaped yet, so the
                // group id (its id) still names this tree's group.
                unsafe { libc::kill(-(self.pgid as libc::pid_t), libc::SIGKILL) };
            }
            if live.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let count = killed.len();
        reap(killed);
        count
    }
}

/// Waits for the killed processes to die, and reaps those whose parent is this process
/// (orphans re-parented to the subreaper). Zombies of other parents are theirs to reap.
fn reap(mut pending: HashMap<u32, u64>) {
    let me = std::process::id();
    let until = Instant::now() + REAP_FOR;
    while !pending.is_empty() && Instant::now() < until {
        pending.retain(|&pid, &mut start| match procs::get(pid) {
            None => false,
            Some(p) if p.start != start => false,
            Some(p) if p.alive => true,
            Some(p) if p.ppid == me => {
                // SAFETY: plain system call on our own zombie child, which belongs to the
                // tree (no `Child` handle elsewhere waits for it).
                unsafe { libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), libc::WNOHANG) };
                true
            }
            Some(_) => false,
        });
        if !pending.is_empty() {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type Resource = libc::c_int;

/// Everything the child does between fork and exec, prepared before the fork.
struct ChildPlan {
    /// (resource, value, flag to report): each value already capped at the hard limit, which
    /// an unprivileged process cannot raise.
    limits: [(Resource, Option<libc::rlim_t>, u8); 4],
    isolate_network: bool,
    /// `uid uid 1\n` and `gid gid 1\n`: the same ids inside the user namespace.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    uid_map: CString,
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    gid_map: CString,
    report: RawFd,
}

impl ChildPlan {
    fn new(limits: &Limits, report: RawFd) -> Self {
        // SAFETY: plain system calls without arguments.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        ChildPlan {
            limits: [
                (
                    libc::RLIMIT_AS,
                    limits.memory_bytes.map(|b| capped(libc::RLIMIT_AS, b)),
                    MEMORY,
                ),
                (
                    libc::RLIMIT_FSIZE,
                    limits
                        .file_size_bytes
                        .map(|b| capped(libc::RLIMIT_FSIZE, b)),
                    FILE_SIZE,
                ),
                (
                    libc::RLIMIT_NOFILE,
                    limits.open_files.map(|n| capped(libc::RLIMIT_NOFILE, n)),
                    OPEN_FILES,
                ),
                (libc::RLIMIT_CORE, Some(0), 0),
            ],
            isolate_network: limits.isolate_network && cfg!(target_os = "linux"),
            uid_map: CString::new(format!("{uid} {uid} 1\n")).unwrap_or_default(),
            gid_map: CString::new(format!("{gid} {gid} 1\n")).unwrap_or_default(),
            report,
        }
    }

    /// In the child, between fork and exec: async-signal-safe system calls only.
    fn apply(&self) {
        let mut flags = 0u8;
        let mut inode = 0u64;
        // The namespace first: setting it up opens files, which a low RLIMIT_NOFILE could
        // refuse.
        if self.isolate_network
            && let Some(ns) = self.enter_network_namespace()
        {
            flags |= NETWORK;
            inode = ns;
        }
        for &(resource, value, flag) in &self.limits {
            if let Some(value) = value {
                let limit = libc::rlimit {
                    rlim_cur: value,
                    rlim_max: value,
                };
                // SAFETY: `limit` is a valid rlimit for the duration of the call.
                if unsafe { libc::setrlimit(resource, &limit) } == 0 {
                    flags |= flag;
                }
            }
        }
        let mut report = [0u8; REPORT_LEN];
        report[0] = flags;
        report[1..].copy_from_slice(&inode.to_ne_bytes());
        // SAFETY: `report` is valid for REPORT_LEN bytes; the fd is the report pipe's write
        // end, inherited from the parent and closed by exec (close-on-exec).
        unsafe { libc::write(self.report, report.as_ptr().cast(), REPORT_LEN) };
    }

    /// A user and network namespace (or a network namespace alone where only that is
    /// allowed), with its loopback interface up. The namespace's inode, or None.
    #[cfg(target_os = "linux")]
    fn enter_network_namespace(&self) -> Option<u64> {
        // SAFETY: plain system call; the child has a single thread, as unshare(CLONE_NEWUSER)
        // requires.
        if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) } == 0 {
            // Map our own ids to themselves, so the command sees the same user; without the
            // maps it would run as "nobody" inside, which is still isolated.
            write_file(c"/proc/self/setgroups", b"deny");
            write_file(c"/proc/self/uid_map", self.uid_map.as_bytes());
            write_file(c"/proc/self/gid_map", self.gid_map.as_bytes());
        // SAFETY: plain system call.
        } else if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            return None;
        }
        loopback_up();
        // SAFETY: libc::stat is plain data; all zeroes is a valid value.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: the path is a NUL-terminated literal and `stat` is valid for writes.
        if unsafe { libc::stat(c"/proc/self/ns/net".as_ptr(), &mut stat) } != 0 {
            return Some(0);
        }
        Some(stat.st_ino as u64)
    }

    #[cfg(not(target_os = "linux"))]
    fn enter_network_namespace(&self) -> Option<u64> {
        None
    }
}

/// `value`, or the current hard limit of `resource` if that is lower.
fn capped(resource: Resource, value: u64) -> libc::rlim_t {
    let value = libc::rlim_t::try_from(value).unwrap_or(libc::RLIM_INFINITY);
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `current` is valid for writes for the duration of the call.
    if unsafe { libc::getrlimit(resource, &mut current) } != 0 {
        return value;
    }
    if current.rlim_max == libc::RLIM_INFINITY {
        value
    } else {
        value.min(current.rlim_max)
    }
}

/// Writes `bytes` to the file at `path` (child side: system calls only).
#[cfg(target_os = "linux")]
fn write_file(path: &std::ffi::CStr, bytes: &[u8]) -> bool {
    // SAFETY: `path` is NUL-terminated.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return false;
    }
    // SAFETY: `bytes` is valid for its length; `fd` was just opened.
    let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
    // SAFETY: `fd` is ours and closed once.
    unsafe { libc::close(fd) };
    written == bytes.len() as isize
}

/// Brings the new namespace's loopback interface up, so that the command can still talk to
/// itself on 127.0.0.1 (child side: system calls only).
#[cfg(target_os = "linux")]
fn loopback_up() {
    // SAFETY: plain system call.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return;
    }
    // SAFETY: ifreq is plain data (a name and a union of integers and pointers); all zeroes
    // is a valid value.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    request.ifr_name[0] = b'l' as libc::c_char;
    request.ifr_name[1] = b'o' as libc::c_char;
    // SAFETY: SIOCGIFFLAGS reads the interface named in `request` and writes its flags into
    // it; `request` is valid for reads and writes.
    if unsafe { libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &mut request) } == 0 {
        // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
        unsafe { request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
        // SAFETY: SIOCSIFFLAGS reads `request`, valid for reads.
        unsafe { libc::ioctl(fd, libc::SIOCSIFFLAGS as _, &request) };
    }
    // SAFETY: `fd` is ours and closed once.
    unsafe { libc::close(fd) };
}
