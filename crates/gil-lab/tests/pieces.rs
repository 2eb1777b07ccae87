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
    let trace: serde_json::Value =
        serde_json::from_str(&gil_lab::chrome_trace(&marks, &names)).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let holds: Vec<_> = events
        .iter()
        .filter(|e| e["name"] == "holds the GIL")
        .collect();
    assert_eq!(holds.len(), 2);
    assert_eq!(holds[0]["dur"], 6000.0);
    assert!(
        events
            .iter()
            .any(|e| e["name"] == "drop request" && e["tid"] == 2)
    );
}
