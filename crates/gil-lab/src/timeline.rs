//! Who held the GIL when: an SVG picture and a Chrome-trace JSON file (open it at
//! ui.perfetto.dev or chrome://tracing), both from a GIL's event log.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use toy_python::{Event, EventKind};

/// A span of one thread's life: holding the GIL, or blocked outside it.
struct Span {
    thread: usize,
    from: Duration,
    to: Duration,
    holding: bool,
}

fn spans(events: &[Event]) -> (Vec<Span>, Vec<(usize, Duration)>) {
    let end = events.last().map(|e| e.at).unwrap_or_default();
    // Open spans by (thread, holding): `Acquired` opens a holding span that `Released`
    // closes; `Blocked` opens a blocked one that `Unblocked` closes.
    let mut open: BTreeMap<(usize, bool), Duration> = BTreeMap::new();
    let mut spans = Vec::new();
    let mut requests = Vec::new();
    for event in events {
        let (holding, opens) = match event.kind {
            EventKind::Acquired => (true, true),
            EventKind::Released => (true, false),
            EventKind::Blocked => (false, true),
            EventKind::Unblocked => (false, false),
            EventKind::DropRequested => {
                requests.push((event.thread, event.at));
                continue;
            }
            EventKind::Wanted => continue,
        };
        let key = (event.thread, holding);
        if opens {
            open.insert(key, event.at);
        } else if let Some(from) = open.remove(&key) {
            spans.push(Span {
                thread: event.thread,
                from,
                to: event.at,
                holding,
            });
        }
    }
    // Spans still open when the log ends run to its end.
    spans.extend(open.into_iter().map(|((thread, holding), from)| Span {
        thread,
        from,
        to: end,
        holding,
    }));
    (spans, requests)
}

/// An SVG: one row per thread, a bar where it held the GIL, a thin bar where it was
/// blocked without it, a tick where it asked the holder to drop the GIL.
pub fn svg(events: &[Event], names: &BTreeMap<usize, String>, caption: &str) -> String {
    let (spans, requests) = spans(events);
    let start = events.first().map(|m| m.at).unwrap_or_default();
    let end = events.last().map(|m| m.at).unwrap_or_default();
    let total = (end - start).as_secs_f64().max(1e-9);
    let (left, width, row) = (150.0, 760.0, 34.0);
    let x = |t: Duration| left + (t - start).as_secs_f64() / total * width;
    let threads: Vec<usize> = names.keys().copied().collect();
    let y =
        |thread: usize| 30.0 + threads.iter().position(|t| *t == thread).unwrap_or(0) as f64 * row;
    let height = 30.0 + threads.len() as f64 * row + 50.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 940 {height:.0}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"940\" height=\"{height:.0}\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"18\" font-weight=\"bold\">{}</text>\n",
        escape(caption)
    );
    for thread in &threads {
        out += &format!(
            "<text x=\"10\" y=\"{:.1}\">{}</text>\n<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" \
             y2=\"{:.1}\" stroke=\"#ddd\"/>\n",
            y(*thread) + 16.0,
            escape(&names[thread]),
            left + width,
            y(*thread) + 12.0,
            y(*thread) + 12.0
        );
    }
    for span in &spans {
        if !names.contains_key(&span.thread) {
            continue;
        }
        let (top, tall, colour) = if span.holding {
            (y(span.thread) + 2.0, 20.0, "#3572b0")
        } else {
            (y(span.thread) + 9.0, 6.0, "#f0a830")
        };
        out += &format!(
            "<rect x=\"{:.2}\" y=\"{top:.1}\" width=\"{:.2}\" height=\"{tall}\" fill=\"{colour}\"/>\n",
            x(span.from),
            (x(span.to) - x(span.from)).max(0.5)
        );
    }
    for (thread, at) in &requests {
        if names.contains_key(thread) {
            out += &format!(
                "<line x1=\"{0:.2}\" x2=\"{0:.2}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#c0392b\" \
                 stroke-width=\"1.5\"/>\n",
                x(*at),
                y(*thread) - 2.0,
                y(*thread) + 26.0
            );
        }
    }
    let axis = 30.0 + threads.len() as f64 * row + 8.0;
    let step = nice_step(total);
    let mut tick = 0.0;
    while tick <= total + 1e-12 {
        let tx = left + tick / total * width;
        out += &format!(
            "<line x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"{axis:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>\
             <text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{} ms</text>\n",
            axis + 5.0,
            axis + 18.0,
            trim(tick * 1e3)
        );
        tick += step;
    }
    out += &format!(
        "<rect x=\"{left}\" y=\"{0:.1}\" width=\"14\" height=\"10\" fill=\"#3572b0\"/>\
         <text x=\"{1}\" y=\"{2:.1}\">holds the GIL</text>\
         <rect x=\"{3}\" y=\"{4:.1}\" width=\"14\" height=\"4\" fill=\"#f0a830\"/>\
         <text x=\"{5}\" y=\"{2:.1}\">blocked, without the GIL</text>\
         <line x1=\"{6}\" x2=\"{6}\" y1=\"{0:.1}\" y2=\"{7:.1}\" stroke=\"#c0392b\" stroke-width=\"1.5\"/>\
         <text x=\"{8}\" y=\"{2:.1}\">drop request</text>\n</svg>\n",
        axis + 28.0,
        left + 20.0,
        axis + 37.0,
        left + 140.0,
        axis + 31.0,
        left + 160.0,
        left + 345.0,
        axis + 38.0,
        left + 352.0,
    );
    out
}

/// Chrome's trace-event format: a complete event per span, an instant per drop request.
pub fn chrome_trace(events: &[Event], names: &BTreeMap<usize, String>) -> String {
    let (spans, requests) = spans(events);
    let micros = |t: Duration| t.as_secs_f64() * 1e6;
    let mut events: Vec<serde_json::Value> = names
        .iter()
        .map(|(thread, name)| {
            json!({"ph": "M", "name": "thread_name", "pid": 1, "tid": thread, "args": {"name": name}})
        })
        .collect();
    for span in spans {
        events.push(json!({
            "ph": "X",
            "name": if span.holding { "holds the GIL" } else { "blocked (no GIL)" },
            "pid": 1,
            "tid": span.thread,
            "ts": micros(span.from),
            "dur": micros(span.to) - micros(span.from),
        }));
    }
    for (thread, at) in requests {
        events.push(json!({"ph": "i", "s": "t", "name": "drop request", "pid": 1, "tid": thread, "ts": micros(at)}));
    }
    serde_json::to_string_pretty(&json!({"traceEvents": events, "displayTimeUnit": "ms"}))
        .unwrap_or_default()
}

fn nice_step(total: f64) -> f64 {
    let raw = total / 8.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(raw)
}

fn trim(ms: f64) -> String {
    let text = format!("{ms:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
