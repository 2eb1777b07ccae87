// The process table: from /proc on Linux, from `ps` elsewhere.

/// One process, as far as the table says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Proc {
    pub pid: u32,
    pub ppid: u32,
    pub pgid: u32,
    /// Start time in clock ticks since boot (Linux); 0 where unknown.
    pub start: u64,
    /// Not a zombie (nor dead): it can still run, write and fork.
    pub alive: bool,
}

/// Every process this process can see.
pub(crate) fn table() -> Vec<Proc> {
    #[cfg(target_os = "linux")]
    if let Some(table) = from_proc() {
        return table;
    }
    from_ps().unwrap_or_default()
}

/// One process by id, if it exists (zombies included).
pub(crate) fn get(pid: u32) -> Option<Proc> {
    #[cfg(target_os = "linux")]
    {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        parse_stat(pid, &stat)
    }
    #[cfg(not(target_os = "linux"))]
    {
        table().into_iter().find(|p| p.pid == pid)
    }
}

#[cfg(target_os = "linux")]
fn from_proc() -> Option<Vec<Proc>> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let mut table = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        // The process may be gone between the listing and the read: skip it then.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some(proc) = parse_stat(pid, &stat) {
            table.push(proc);
        }
    }
    Some(table)
}

/// `pid (command name) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
/// utime stime cutime cstime priority nice num_threads itrealvalue starttime ...`; the name
/// may hold spaces and parentheses, so the fields are counted after the last `)`.
#[cfg(target_os = "linux")]
fn parse_stat(pid: u32, stat: &str) -> Option<Proc> {
    let (_, after_name) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let state = fields.first()?;
    Some(Proc {
        pid,
        ppid: fields.get(1)?.parse().ok()?,
        pgid: fields.get(2)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
        alive: !matches!(*state, "Z" | "X" | "x"),
    })
}

/// `ps -A -o pid=,ppid=,pgid=,stat=`, which every Unix has.
fn from_ps() -> Option<Vec<Proc>> {
    let output = std::process::Command::new("ps")
        .args([
            "-A", "-o", "pid=", "-o", "ppid=", "-o", "pgid=", "-o", "stat=",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut table = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let (Some(pid), Some(ppid), Some(pgid)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let (Ok(pid), Ok(ppid), Ok(pgid)) = (pid.parse(), ppid.parse(), pgid.parse()) else {
            continue;
        };
        let state = fields.next().unwrap_or("");
        table.push(Proc {
            pid,
            ppid,
            pgid,
            start: 0,
            alive: !state.starts_with('Z'),
        });
    }
    Some(table)
}

/// Whether the environment `pid` started with holds exactly the entry `marker`
/// (`NAME=value`). Linux only; false where it cannot be read.
pub(crate) fn environ_has(pid: u32, marker: &[u8]) -> bool {
    #[cfg(target_os = "linux")]
    {
        std::fs::read(format!("/proc/{pid}/environ"))
            .map(|environ| environ.split(|&b| b == 0).any(|entry| entry == marker))
            .unwrap_or(false)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (pid, marker);
        false
    }
}

/// The inode of the network namespace of `pid` (Linux only).
pub(crate) fn net_namespace(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(format!("/proc/{pid}/ns/net"))
            .ok()
            .map(|m| m.ino())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

/// Opens the network namespace of `pid` if its inode is `inode`: the open handle keeps the
/// namespace, and so its inode number, from being freed and reused (Linux only).
pub(crate) fn pin_net_namespace(pid: u32, inode: u64) -> Option<(u64, std::fs::File)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let file = std::fs::File::open(format!("/proc/{pid}/ns/net")).ok()?;
        (file.metadata().ok()?.ino() == inode).then_some((inode, file))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (pid, inode);
        None
    }
}
