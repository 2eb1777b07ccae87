//! Who held the GIL when: an SVG picture and a Chrome-trace JSON file (open it at
//! ui.perfetto.dev or chrome://tracing), both from a GIL's event log.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use toy_python::{Event, EventKind};

/// What a thread was doing in a span of its life.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    /// It held the GIL (from `Acquired` to `Released`).
    Holding,
    /// It wanted the GIL and did not have it yet (from `Wanted` to `Acquired`).
    Waiting,
    /// It was in a blocking call, without the GIL (from `Blocked` to `Unblocked`).
    Blocked,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Holding => "holds the GIL",
            State::Waiting => "waits for the GIL",
            State::Blocked => "blocked (no GIL)",
        }
    }
}

/// A span of one thread's life.
struct Span {
    thread: usize,
    from: Duration,
    to: Duration,
    state: State,
}

fn spans(events: &[Event]) -> (Vec<Span>, Vec<(usize, Duration)>) {
    let end = events.last().map(|e| e.at).unwrap_or_default();
    // Open spans by (thread, state): `Acquired` closes a waiting span and opens a holding
    // one that `Released` closes; `Wanted` opens a waiting span; `Blocked` opens a blocked
    // one that `Unblocked` closes.
    let mut open: BTreeMap<(usize, State), Duration> = BTreeMap::new();
    let mut spans = Vec::new();
    let mut requests = Vec::new();
    for event in events {
        let (closes, opens): (&[State], &[State]) = match event.kind {
            EventKind::Wanted => (&[], &[State::Waiting]),
            EventKind::Acquired => (&[State::Waiting], &[State::Holding]),
            EventKind::Released => (&[State::Holding], &[]),
            EventKind::Blocked => (&[], &[State::Blocked]),
            EventKind::Unblocked => (&[State::Blocked], &[]),
            EventKind::DropRequested => {
                requests.push((event.thread, event.at));
                continue;
            }
        };
        for &state in closes {
            if let Some(from) = open.remove(&(event.thread, state)) {
                spans.push(Span {
                    thread: event.thread,
                    from,
                    to: event.at,
                    state,
                });
            }
        }
        for &state in opens {
            open.insert((event.thread, state), event.at);
        }
    }
    // Spans still open when the log ends run to its end.
    spans.extend(open.into_iter().map(|((thread, state), from)| Span {
        thread,
        from,
        to: end,
        state,
    }));
    (spans, requests)
}

/// Colours of the picture. It has its own white background, so that it reads the same in
/// the book's light and dark themes.
const HOLD: &str = "#3572b0";
const BLOCKED: &str = "#f0a830";
const REQUEST: &str = "#c0392b";
/// The narrowest bar drawn for a hold: the I/O thread holds the GIL for microseconds, which
/// would be far less than a pixel.
const MIN_HOLD: f64 = 3.0;

/// An SVG: one row per thread, a bar where it held the GIL (never narrower than
/// `MIN_HOLD`, so that short holds stay visible), a hatched bar where it waited for the GIL,
/// a thin bar where it was blocked in a call without it, a tick where it asked the holder
/// to drop the GIL, and a legend. It is 760 units wide, about the width of the book's
/// content column, so that its 14-unit text is shown at about 14 px.
pub fn svg(events: &[Event], names: &BTreeMap<usize, String>, caption: &str) -> String {
    let (mut spans, requests) = spans(events);
    // Holds last, so that they are drawn on top of the waits and blocks they touch.
    spans.sort_by_key(|span| std::cmp::Reverse(span.state));
    let start = events.first().map(|m| m.at).unwrap_or_default();
    let end = events.last().map(|m| m.at).unwrap_or_default();
    let total = (end - start).as_secs_f64().max(1e-9);
    let (full, left, width, row) = (760.0, 150.0, 595.0, 40.0);
    let x = |t: Duration| left + (t - start).as_secs_f64() / total * width;
    let threads: Vec<usize> = names.keys().copied().collect();
    let caption_lines = wrap(caption, 84);
    let top = 14.0 + caption_lines.len() as f64 * 18.0;
    let y =
        |thread: usize| top + threads.iter().position(|t| *t == thread).unwrap_or(0) as f64 * row;
    let axis = top + threads.len() as f64 * row + 4.0;
    let legend = axis + 36.0;
    let height = legend + 30.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {height:.0}\" \
         font-family=\"Helvetica, Arial, sans-serif\" font-size=\"14\" fill=\"#222\">\n\
         <title>{}</title>\n\
         <desc>One row per thread. Solid bars: the thread holds the GIL. Hatched bars: it \
         wants the GIL and waits for it. Thin bars: it is blocked in a call, without the GIL. \
         Red ticks: it asks the holder to drop the GIL.</desc>\n\
         <defs><pattern id=\"wait\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eeeeee\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#777\" stroke-width=\"2\"/>\
         </pattern></defs>\n\
         <rect width=\"{full}\" height=\"{height:.0}\" rx=\"4\" fill=\"white\"/>\n",
        escape(caption)
    );
    for (i, line) in caption_lines.iter().enumerate() {
        out += &format!(
            "<text x=\"10\" y=\"{:.0}\" font-weight=\"bold\">{}</text>\n",
            22.0 + i as f64 * 18.0,
            escape(line)
        );
    }
    for thread in &threads {
        out += &format!(
            "<text x=\"10\" y=\"{:.1}\">{}</text>\n<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" \
             y2=\"{:.1}\" stroke=\"#ddd\"/>\n",
            y(*thread) + 17.0,
            escape(&names[thread]),
            left + width,
            y(*thread) + 12.0,
            y(*thread) + 12.0
        );
    }
    for span in &spans {
        // An uncontended take is a wait of no time at all: nothing to draw.
        if !names.contains_key(&span.thread)
            || (span.state == State::Waiting && span.to == span.from)
        {
            continue;
        }
        let wide = x(span.to) - x(span.from);
        let (top, tall, fill, wide) = match span.state {
            State::Holding => (2.0, 20.0, HOLD, wide.max(MIN_HOLD)),
            State::Waiting => (4.0, 16.0, "url(#wait)", wide.max(0.5)),
            State::Blocked => (9.0, 6.0, BLOCKED, wide.max(0.5)),
        };
        out += &format!(
            "<rect x=\"{:.2}\" y=\"{:.1}\" width=\"{wide:.2}\" height=\"{tall}\" fill=\"{fill}\"/>\n",
            x(span.from),
            y(span.thread) + top,
        );
    }
    for (thread, at) in &requests {
        if names.contains_key(thread) {
            out += &format!(
                "<line x1=\"{0:.2}\" x2=\"{0:.2}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"{REQUEST}\" \
                 stroke-width=\"2\"/>\n",
                x(*at),
                y(*thread) - 3.0,
                y(*thread) + 27.0
            );
        }
    }
    let step = nice_step(total);
    let mut tick = 0.0;
    while tick <= total + 1e-12 {
        let tx = left + tick / total * width;
        out += &format!(
            "<line x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"{axis:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>\
             <text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#444\">{} ms</text>\n",
            axis + 5.0,
            axis + 20.0,
            trim(tick * 1e3)
        );
        tick += step;
    }
    let text_y = legend + 12.0;
    out += &format!(
        "<rect x=\"10\" y=\"{legend:.1}\" width=\"16\" height=\"14\" fill=\"{HOLD}\"/>\
         <text x=\"32\" y=\"{text_y:.1}\">holds the GIL</text>\
         <rect x=\"150\" y=\"{legend:.1}\" width=\"16\" height=\"14\" fill=\"url(#wait)\"/>\
         <text x=\"172\" y=\"{text_y:.1}\">waits for the GIL</text>\
         <rect x=\"315\" y=\"{:.1}\" width=\"16\" height=\"6\" fill=\"{BLOCKED}\"/>\
         <text x=\"337\" y=\"{text_y:.1}\">blocked in a call, no GIL</text>\
         <line x1=\"545\" x2=\"545\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{REQUEST}\" stroke-width=\"2\"/>\
         <text x=\"553\" y=\"{text_y:.1}\">drop request</text>\n</svg>\n",
        legend + 4.0,
        legend - 2.0,
        legend + 16.0,
    );
    out
}

/// `text` in lines of at most `columns` characters, broken between words.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= columns => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
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
            "name": span.state.name(),
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
