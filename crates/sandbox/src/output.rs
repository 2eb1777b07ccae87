// The merged output of a run: kept up to a cap, handed on line by line.

/// Collects bytes as they are read, keeps at most `cap` of them, and calls the callback for
/// every complete line among the kept bytes.
pub(crate) struct Collector<'a> {
    kept: Vec<u8>,
    line_start: usize,
    dropped: u64,
    cap: usize,
    on_line: &'a mut dyn FnMut(&str),
}

impl<'a> Collector<'a> {
    pub(crate) fn new(cap: usize, on_line: &'a mut dyn FnMut(&str)) -> Self {
        Collector {
            kept: Vec::new(),
            line_start: 0,
            dropped: 0,
            cap,
            on_line,
        }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        let room = self.cap - self.kept.len();
        let (keep, drop) = bytes.split_at(bytes.len().min(room));
        self.dropped += drop.len() as u64;
        let searched_from = self.kept.len();
        self.kept.extend_from_slice(keep);
        let mut from = searched_from;
        while let Some(offset) = self.kept[from..].iter().position(|&b| b == b'\n') {
            let end = from + offset;
            let line = String::from_utf8_lossy(&self.kept[self.line_start..end]);
            (self.on_line)(line.trim_end_matches('\r'));
            self.line_start = end + 1;
            from = end + 1;
        }
    }

    /// The kept output; a last line without a newline is handed on too, and a note if
    /// anything was dropped.
    pub(crate) fn finish(self) -> String {
        if self.line_start < self.kept.len() {
            let line = String::from_utf8_lossy(&self.kept[self.line_start..]);
            (self.on_line)(line.trim_end_matches('\r'));
        }
        let mut output = String::from_utf8_lossy(&self.kept).into_owned();
        if self.dropped > 0 {
            let note = format!(
                "[sandbox: output truncated: {} more bytes not kept (cap {} bytes)]",
                self.dropped, self.cap
            );
            if !output.is_empty() && !output.ends_with('\n') {
                output.push('\n');
            }
            (self.on_line)(&note);
            output.push_str(&note);
            output.push('\n');
        }
        output
    }
}

#[cfg(test)]
mod tests {
    use super::Collector;

    fn collect(cap: usize, chunks: &[&[u8]]) -> (Vec<String>, String) {
        let mut lines = Vec::new();
        let mut on_line = |line: &str| lines.push(line.to_owned());
        let mut collector = Collector::new(cap, &mut on_line);
        for chunk in chunks {
            collector.push(chunk);
        }
        let output = collector.finish();
        (lines, output)
    }

    #[test]
    fn lines_split_across_chunks_are_whole() {
        let (lines, output) = collect(100, &[b"one\ntw", b"o\r\nthr", b"ee"]);
        assert_eq!(lines, ["one", "two", "three"]);
        assert_eq!(output, "one\ntwo\r\nthree");
    }

    #[test]
    fn the_cap_keeps_the_start_and_says_how_much_was_dropped() {
        let (lines, output) = collect(8, &[b"abc\ndef\nghi\n", b"jkl\n"]);
        assert_eq!(lines[..2], ["abc", "def"]);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].contains("8 more bytes"), "{lines:?}");
        assert!(
            output.starts_with("abc\ndef\n[sandbox: output truncated"),
            "{output}"
        );
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let (lines, _) = collect(100, &[b"a\xffb\n"]);
        assert_eq!(lines, ["a\u{fffd}b"]);
    }
}
