//! Hostile processes: the test binary runs itself again (`current_exe`, the `hostile` test)
//! with `SANDBOX_TEST_HOSTILE` naming what to do, under `sandbox::run`. Each test asserts
//! on `Outcome::applied`: a limit this platform or user cannot apply is not asserted on.

#![cfg(unix)]

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use sandbox::{Limits, Outcome, Status};

const MODE: &str = "SANDBOX_TEST_HOSTILE";

/// The entry point of the hostile processes; a no-op in a normal test run.
#[test]
fn hostile() {
    let Ok(mode) = std::env::var(MODE) else {
        return;
    };
    let mut out = std::io::stdout();
    match mode.as_str() {
        "memory" => {
            // 16 MiB at a time, each page touched, up to 8 GiB: the allocation that fails
            // under RLIMIT_AS aborts the process.
            let mut chunks = Vec::new();
            for i in 0..512 {
                chunks.push(vec![1u8; 16 << 20]);
                let _ = writeln!(out, "allocated {} MiB", (i + 1) * 16);
            }
            let _ = writeln!(out, "allocated everything: {}", chunks.len());
        }
        "files" => {
            let mut files = Vec::new();
            let error = loop {
                match std::fs::File::open("/dev/null") {
                    Ok(file) if files.len() < 10_000 => files.push(file),
                    Ok(_) => break "none".to_owned(),
                    Err(error) => break error.to_string(),
                }
            };
            let _ = writeln!(out, "opened {} then: {error}", files.len());
        }
        "connect" => {
            let port: u16 = std::env::var("PORT").unwrap().parse().unwrap();
            let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
            match std::net::TcpStream::connect_timeout(&address, Duration::from_secs(3)) {
                Ok(_) => writeln!(out, "connected to the host").unwrap(),
                Err(error) => writeln!(out, "not connected: {error}").unwrap(),
            }
            // Its own loopback works.
            let own = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let own_address = own.local_addr().unwrap();
            match std::net::TcpStream::connect_timeout(&own_address, Duration::from_secs(3)) {
                Ok(_) => writeln!(out, "own loopback works").unwrap(),
                Err(error) => writeln!(out, "own loopback fails: {error}").unwrap(),
            }
        }
        "daemon" => {
            // Main: starts a middle process and waits for it; the middle starts a process
            // in a session of its own and exits at once, so the daemon is an orphan that
            // left the process group. Then the main process exits too.
            let status = myself("daemon-middle").status().unwrap();
            writeln!(out, "middle ended: {status}").unwrap();
            std::thread::sleep(Duration::from_millis(300));
        }
        #[allow(
            clippy::zombie_processes,
            reason = "the daemon is meant to outlive its parent"
        )]
        "daemon-middle" => {
            let mut daemon = myself("daemon-child");
            // SAFETY: setsid is async-signal-safe and the closure does nothing else.
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut daemon, || {
                    libc::setsid();
                    Ok(())
                });
            }
            let child = daemon.spawn().unwrap();
            writeln!(out, "daemon {}", child.id()).unwrap();
        }
        "daemon-child" => loop {
            std::thread::sleep(Duration::from_secs(1000));
        },
        other => panic!("unknown {MODE}: {other}"),
    }
    let _ = out.flush();
    std::process::exit(0);
}

/// This test binary, running only the `hostile` test in `mode`.
fn myself(mode: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command
        .args([
            "hostile",
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(MODE, mode);
    command
}

fn run(command: Command, limits: Limits, deadline_secs: u64) -> Outcome {
    deadline::within_secs(deadline_secs, "sandbox::run", move || {
        sandbox::run(command, &limits, &mut |_| {}).expect("the command starts")
    })
}

fn limits() -> Limits {
    Limits {
        time: Duration::from_secs(30),
        ..Limits::default()
    }
}

fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
            !matches!(state.and_then(|s| s.chars().next()), Some('Z' | 'X'))
        }
        Err(_) if std::path::Path::new("/proc/self").exists() => false,
        Err(_) => Command::new("kill")
            .args(["-0", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success()),
    }
}

fn pids_in(output: &str, label: &str) -> Vec<u32> {
    output
        .lines()
        .filter_map(|line| line.strip_prefix(label))
        .map(|pid| pid.trim().parse().expect("a pid"))
        .collect()
}

#[test]
fn a_memory_eater_fails_under_the_memory_limit() {
    let outcome = run(
        myself("memory"),
        Limits {
            memory_bytes: Some(512 << 20),
            ..limits()
        },
        90,
    );
    if !outcome.applied.memory {
        eprintln!("RLIMIT_AS not applied here; nothing to check");
        return;
    }
    assert!(
        !outcome.output.contains("allocated everything"),
        "{}",
        outcome.output
    );
    assert!(
        outcome.output.contains("memory allocation of"),
        "{}",
        outcome.output
    );
    assert_eq!(
        outcome.status,
        Status::Signalled(libc::SIGABRT),
        "{outcome:?}"
    );
}

#[test]
fn a_file_writer_stops_at_the_file_size_limit() {
    let dir = std::env::temp_dir().join(format!("sandbox-fsize-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("exec head -c 1000000 /dev/zero > \"$1\"")
        .arg("sh")
        .arg(&file);
    let outcome = run(
        command,
        Limits {
            file_size_bytes: Some(64 << 10),
            ..limits()
        },
        60,
    );
    let size = std::fs::metadata(&file).map(|m| m.len());
    let _ = std::fs::remove_dir_all(&dir);
    if !outcome.applied.file_size {
        eprintln!("RLIMIT_FSIZE not applied here; nothing to check");
        return;
    }
    assert_eq!(
        outcome.status,
        Status::Signalled(libc::SIGXFSZ),
        "{outcome:?}"
    );
    assert_eq!(size.unwrap(), 64 << 10);
}

#[test]
fn open_files_are_limited() {
    let outcome = run(
        myself("files"),
        Limits {
            open_files: Some(40),
            ..limits()
        },
        60,
    );
    assert_eq!(outcome.status, Status::Exited(0), "{outcome:?}");
    let opened: usize = outcome
        .output
        .lines()
        .find_map(|line| line.strip_prefix("opened "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", outcome.output));
    if outcome.applied.open_files {
        assert!(opened < 40, "{}", outcome.output);
    }
}

#[test]
fn the_host_loopback_is_out_of_reach_in_a_network_namespace() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut command = myself("connect");
    command.env("PORT", port.to_string());
    let outcome = run(command, limits(), 60);
    assert_eq!(outcome.status, Status::Exited(0), "{outcome:?}");
    if outcome.applied.network {
        assert!(
            outcome.output.contains("not connected"),
            "{}",
            outcome.output
        );
        assert!(listener.accept().is_err(), "the listener got a connection");
        // Its own loopback is brought up where the namespace grants CAP_NET_ADMIN (not,
        // for example, under Ubuntu's AppArmor restriction of unprivileged namespaces).
        if !outcome.output.contains("own loopback works") {
            eprintln!("loopback down in the namespace: {}", outcome.output);
        }
    } else {
        eprintln!("no network namespace here: {}", outcome.output);
        assert!(outcome.output.contains("connected to the host"));
    }
}

#[test]
fn a_daemon_that_forked_twice_and_called_setsid_is_killed() {
    // With and without a network namespace: without, the run's marker variable finds it.
    for isolate_network in [true, false] {
        let limits = Limits {
            isolate_network,
            ..limits()
        };
        let outcome = run(myself("daemon"), limits, 60);
        assert_eq!(outcome.status, Status::Exited(0), "{outcome:?}");
        let daemons = pids_in(&outcome.output, "daemon ");
        assert_eq!(daemons.len(), 1, "{}", outcome.output);
        assert!(outcome.strays_killed >= 1, "{outcome:?}");
        assert!(!alive(daemons[0]), "the daemon {} is alive", daemons[0]);
    }
}

#[test]
fn a_daemon_that_also_cleared_its_environment_is_killed_in_a_namespace() {
    // setsid and no marker variable: only the network namespace (or having been seen below
    // the main process) tells it apart. It holds the output pipe open too: without a
    // namespace it escapes, and the run must still end.
    let script = "(env -i setsid sleep 1000 & echo daemon $!); sleep 0.3; exit 0";
    for isolate_network in [true, false] {
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        let limits = Limits {
            isolate_network,
            ..limits()
        };
        let outcome = run(command, limits, 60);
        assert_eq!(outcome.status, Status::Exited(0), "{outcome:?}");
        let daemons = pids_in(&outcome.output, "daemon ");
        assert_eq!(daemons.len(), 1, "{}", outcome.output);
        if outcome.applied.network {
            assert!(outcome.strays_killed >= 1, "{outcome:?}");
            assert!(!alive(daemons[0]), "the daemon {} is alive", daemons[0]);
        } else if alive(daemons[0]) {
            eprintln!("without a namespace this daemon escapes; killing it here");
            let _ = Command::new("kill")
                .args(["-s", "KILL", &daemons[0].to_string()])
                .status();
        }
    }
}

#[test]
fn a_shell_that_keeps_starting_background_jobs_is_killed_whole() {
    let script =
        "i=0; while [ $i -lt 100 ]; do sleep 1000 & i=$((i+1)); done; echo started; sleep 1000";
    let mut command = Command::new("sh");
    command.arg("-c").arg(script);
    let limit = Duration::from_secs(5);
    let outcome = run(
        command,
        Limits {
            time: limit,
            ..limits()
        },
        60,
    );
    assert_eq!(outcome.status, Status::TimedOut, "{outcome:?}");
    assert!(outcome.elapsed < limit + Duration::from_secs(10));
    assert!(outcome.output.contains("started"), "{outcome:?}");
    assert!(outcome.strays_killed >= 100, "{outcome:?}");
    let left = sandbox::leftovers();
    assert!(left.is_empty(), "still alive: {left:?}");
}

#[test]
fn runs_at_the_same_time_leave_each_other_alone() {
    let slow = std::thread::spawn(|| {
        let mut command = Command::new("sh");
        command.arg("-c").arg("sleep 2; echo slow done");
        run(command, limits(), 60)
    });
    for _ in 0..3 {
        let mut command = Command::new("sh");
        command.arg("-c").arg("sleep 1000 & exit 0");
        let outcome = run(command, limits(), 60);
        assert!(outcome.strays_killed >= 1, "{outcome:?}");
    }
    let slow = slow.join().unwrap();
    assert_eq!(slow.status, Status::Exited(0), "{slow:?}");
    assert_eq!(slow.strays_killed, 0, "{slow:?}");
    assert!(slow.output.contains("slow done"), "{slow:?}");
}

#[test]
fn nothing_is_left_alive() {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("sleep 1000 & sleep 1000 & (sleep 1000 &) ; echo ok");
    let outcome = run(command, limits(), 60);
    assert_eq!(outcome.status, Status::Exited(0));
    assert!(outcome.strays_killed >= 3, "{outcome:?}");
    let left = sandbox::leftovers();
    assert!(left.is_empty(), "still alive: {left:?}");
}
