//! The lab's pieces that need no GIL: argument parsing is exercised through the example
//! (tests/lab.rs at the root); here, the timeline drawing from a hand-made event log.

use std::time::Duration;

use gil_lab::toy_python::{Event, EventKind};

fn mark(ms: u64, thread: usize, kind: EventKind) -> Event {
    Event {
        at: Duration::from_millis(ms),
        thread,
        kind,
    }
}

#[test]
fn a_hand_off_is_drawn_as_two_bars_and_a_request() {
    let marks = [
        mark(0, 1, EventKind::Wanted),
        mark(0, 1, EventKind::Acquired),
        mark(1, 2, EventKind::Wanted),
        mark(6, 2, EventKind::DropRequested),
        mark(6, 1, EventKind::Released),
        mark(6, 2, EventKind::Acquired),
        mark(9, 2, EventKind::Blocked),
        mark(12, 2, EventKind::Unblocked),
    ];
    let names = [(1, "CPU thread".to_owned()), (2, "I/O thread".to_owned())].into();
    let svg = gil_lab::draw_svg(&marks, &names, "test");
    assert!(svg.starts_with("<svg"), "{svg}");
    assert_eq!(
        svg.matches("fill=\"#3572b0\"").count(),
        3,
        "two holding bars and the legend:\n{svg}"
    );
    assert_eq!(
        svg.matches("stroke=\"#c0392b\"").count(),
        2,
        "one request and the legend:\n{svg}"
    );
    assert_eq!(
        svg.matches("fill=\"url(#wait)\"").count(),
        2,
        "the I/O thread's wait from 1 to 6 ms (the CPU thread's take did not wait) and the \
         legend:\n{svg}"
    );
    let trace: serde_json::Value =
        serde_json::from_str(&gil_lab::chrome_trace(&marks, &names)).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let holds: Vec<_> = events
        .iter()
        .filter(|e| e["name"] == "holds the GIL")
        .collect();
    assert_eq!(holds.len(), 2);
    let waits: Vec<_> = events
        .iter()
        .filter(|e| e["name"] == "waits for the GIL")
        .collect();
    assert_eq!(waits.len(), 2, "{waits:?}");
    assert_eq!(holds[0]["dur"], 6000.0);
    assert!(
        events
            .iter()
            .any(|e| e["name"] == "drop request" && e["tid"] == 2)
    );
}

#[test]
fn a_hold_of_microseconds_is_still_drawn_visibly_wide() {
    let at = |us: u64, thread, kind| Event {
        at: Duration::from_micros(us),
        thread,
        kind,
    };
    let marks = [
        at(0, 1, EventKind::Wanted),
        at(0, 1, EventKind::Acquired),
        at(50_000, 1, EventKind::Released),
        at(50_000, 2, EventKind::Wanted),
        at(50_000, 2, EventKind::Acquired),
        at(50_002, 2, EventKind::Released),
        at(100_000, 2, EventKind::Blocked),
    ];
    let names = [(1, "CPU thread".to_owned()), (2, "I/O thread".to_owned())].into();
    let svg = gil_lab::draw_svg(&marks, &names, "test");
    let widths: Vec<f64> = svg
        .lines()
        .filter(|line| line.contains("fill=\"#3572b0\"") && line.contains("height=\"20\""))
        .filter_map(|line| {
            line.split("width=\"")
                .nth(1)?
                .split('"')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(widths.len(), 2, "{svg}");
    assert!(
        widths.iter().all(|w| *w >= 3.0),
        "a 2 µs hold in a 100 ms picture must still be drawn 3 units wide: {widths:?}"
    );
}
