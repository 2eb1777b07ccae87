//! Reading the course's TOML files by hand: each key taken from its table, with an error
//! that names the key and its line. (serde's derive did this before; its proc-macro stack,
//! syn and serde_derive, was the critical path of a learner's first `cargo run`.) The file is
//! named by whoever reads it: `course.toml: line 4: ...`.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A parsed TOML text, kept with the text so that positions become line numbers.
pub struct Document<'i> {
    text: &'i str,
    root: DeTable<'i>,
}

impl<'i> Document<'i> {
    /// Parses `text`; a syntax error is one line, as `line 3: ...`.
    pub fn parse(text: &'i str) -> Result<Document<'i>, String> {
        let root = DeTable::parse(text).map_err(|e| syntax_error(text, &e))?;
        Ok(Document {
            text,
            root: root.into_inner(),
        })
    }

    /// The top-level table.
    pub fn root(&self) -> Fields<'_, 'i> {
        Fields {
            text: self.text,
            table: &self.root,
            at: None,
        }
    }
}

/// A TOML syntax error on one line: `line 12: unclosed array, expected `]``.
fn syntax_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().replace('\n', " ");
    match error.span() {
        Some(span) => at_line(text, Some(span.start), &message),
        None => message,
    }
}

/// `line N: message` for the line holding byte `at` of `text`, or `message` alone.
fn at_line(text: &str, at: Option<usize>, message: &str) -> String {
    match at {
        Some(at) => {
            let line = text
                .get(..at)
                .map_or(0, |before| before.matches('\n').count())
                + 1;
            format!("line {line}: {message}")
        }
        None => message.to_owned(),
    }
}

/// One table of a document and where it starts, to read its keys one at a time.
#[derive(Clone, Copy)]
pub struct Fields<'a, 'i> {
    text: &'a str,
    table: &'a DeTable<'i>,
    /// Where the table's header is (`None` for the top level), for a key that is missing.
    at: Option<usize>,
}

impl<'a, 'i> Fields<'a, 'i> {
    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table.get(key)
    }

    fn error(&self, at: usize, message: &str) -> String {
        at_line(self.text, Some(at), message)
    }

    fn missing(&self, key: &str) -> String {
        at_line(self.text, self.at, &format!("missing field `{key}`"))
    }

    fn wrong_type(&self, key: &str, value: &Spanned<DeValue<'_>>, wanted: &str) -> String {
        self.error(
            value.span().start,
            &format!(
                "`{key}` must be {wanted}, not {}",
                describe(value.get_ref())
            ),
        )
    }

    /// An element of the array `key` that is not one of `wanted`.
    fn wrong_element(&self, key: &str, item: &Spanned<DeValue<'_>>, wanted: &str) -> String {
        self.error(
            item.span().start,
            &format!(
                "`{key}` must hold only {wanted}, not {}",
                describe(item.get_ref())
            ),
        )
    }

    /// The keys of the table, in order.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> {
        self.table.keys().map(|key| key.get_ref().as_ref())
    }

    /// Rejects any key not in `known`, as a typo (`tset = [...]`) would otherwise be ignored.
    pub fn only(&self, known: &[&str]) -> Result<(), String> {
        let unknown = self
            .table
            .keys()
            .find(|key| !known.contains(&key.get_ref().as_ref()));
        match unknown {
            Some(key) => Err(self.error(
                key.span().start,
                &format!(
                    "unknown field `{}`, expected {}",
                    key.get_ref(),
                    one_of(known)
                ),
            )),
            None => Ok(()),
        }
    }

    /// Fails, naming `key`, when the table does not have it.
    pub fn require(&self, key: &str) -> Result<(), String> {
        match self.get(key) {
            Some(_) => Ok(()),
            None => Err(self.missing(key)),
        }
    }

    /// A string the table must have.
    pub fn string(&self, key: &str) -> Result<String, String> {
        self.opt_string(key)?.ok_or_else(|| self.missing(key))
    }

    /// A string the table may have.
    pub fn opt_string(&self, key: &str) -> Result<Option<String>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => match value.get_ref() {
                DeValue::String(s) => Ok(Some(s.to_string())),
                _ => Err(self.wrong_type(key, value, "a string")),
            },
        }
    }

    /// A string, or `default` when the key is missing.
    pub fn string_or(&self, key: &str, default: &str) -> Result<String, String> {
        Ok(self.opt_string(key)?.unwrap_or_else(|| default.to_owned()))
    }

    /// An array of strings; empty when the key is missing.
    pub fn strings(&self, key: &str) -> Result<Vec<String>, String> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(key, value, "an array of strings"));
        };
        items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::String(s) => Ok(s.to_string()),
                _ => Err(self.wrong_element(key, item, "strings")),
            })
            .collect()
    }

    /// A whole number (0 or more) the table must have.
    pub fn number<T: TryFrom<u64>>(&self, key: &str) -> Result<T, String> {
        self.opt_number(key)?.ok_or_else(|| self.missing(key))
    }

    /// A whole number (0 or more) the table may have.
    pub fn opt_number<T: TryFrom<u64>>(&self, key: &str) -> Result<Option<T>, String> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let DeValue::Integer(integer) = value.get_ref() else {
            return Err(self.wrong_type(key, value, "a whole number"));
        };
        u64::from_str_radix(integer.as_str(), integer.radix())
            .ok()
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                let message = if integer.as_str().starts_with('-') {
                    format!("`{key}` must be 0 or more, not {integer}")
                } else {
                    format!("`{key}` is too large: {integer}")
                };
                self.error(value.span().start, &message)
            })
    }

    /// A whole number, or 0 when the key is missing.
    pub fn number_or_zero<T: TryFrom<u64> + Default>(&self, key: &str) -> Result<T, String> {
        Ok(self.opt_number(key)?.unwrap_or_default())
    }

    /// A table the table may have (`[shown]`, `[exercise.spin-lock]`).
    pub fn table(&self, key: &str) -> Result<Option<Fields<'a, 'i>>, String> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        match value.get_ref() {
            DeValue::Table(table) => Ok(Some(self.child(table, value))),
            _ => Err(self.wrong_type(key, value, "a table")),
        }
    }

    /// The tables of an array of tables (`[[exercise]]`); none when the key is missing.
    pub fn tables(&self, key: &str) -> Result<Vec<Fields<'a, 'i>>, String> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let DeValue::Array(items) = value.get_ref() else {
            let wanted = format!("[[{key}]] tables");
            return Err(self.wrong_type(key, value, &wanted));
        };
        items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::Table(table) => Ok(self.child(table, item)),
                _ => Err(self.wrong_element(key, item, "tables")),
            })
            .collect()
    }

    fn child(&self, table: &'a DeTable<'i>, value: &Spanned<DeValue<'_>>) -> Fields<'a, 'i> {
        Fields {
            text: self.text,
            table,
            at: Some(value.span().start),
        }
    }
}

/// `a string ("three")`, `an integer (3)`, `a table`: what was found instead.
fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("a string ({s:?})"),
        DeValue::Integer(i) => format!("an integer ({i})"),
        DeValue::Float(f) => format!("a float ({f})"),
        DeValue::Boolean(b) => format!("a boolean ({b})"),
        DeValue::Datetime(d) => format!("a date ({d})"),
        DeValue::Array(_) => "an array".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}

/// `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``.
fn one_of(known: &[&str]) -> String {
    let quoted: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    match quoted.as_slice() {
        [] => "no keys here".to_owned(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        more => format!("one of {}", more.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T>(
        text: &str,
        f: impl FnOnce(Fields<'_, '_>) -> Result<T, String>,
    ) -> Result<T, String> {
        let doc = Document::parse(text)?;
        f(doc.root())
    }

    #[test]
    fn keys_of_every_kind_are_read() {
        let text = "name = \"a\"\nn = 0x10\nlist = [\"x\", \"y\"]\n[[item]]\nk = 1_000\n[sub]\nb = \"c\"\n";
        let doc = Document::parse(text).expect("valid");
        let root = doc.root();
        assert_eq!(root.string("name"), Ok("a".into()));
        assert_eq!(root.opt_string("none"), Ok(None));
        assert_eq!(root.string_or("none", "d"), Ok("d".into()));
        assert_eq!(root.number::<u32>("n"), Ok(16));
        assert_eq!(root.opt_number::<u32>("none"), Ok(None));
        assert_eq!(root.number_or_zero::<u32>("none"), Ok(0));
        assert_eq!(root.strings("list"), Ok(vec!["x".into(), "y".into()]));
        assert_eq!(root.strings("none"), Ok(vec![]));
        let items = root.tables("item").expect("tables");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].number::<usize>("k"), Ok(1000));
        assert!(root.tables("none").expect("none").is_empty());
        let sub = root.table("sub").expect("table").expect("present");
        assert_eq!(sub.string("b"), Ok("c".into()));
        let mut keys: Vec<&str> = root.keys().collect();
        keys.sort_unstable();
        assert_eq!(keys, ["item", "list", "n", "name", "sub"]);
    }

    #[test]
    fn errors_name_the_key_and_its_line() {
        let e = read("\nn = \"three\"\n", |t| t.number::<u32>("n")).expect_err("type");
        assert_eq!(
            e,
            "line 2: `n` must be a whole number, not a string (\"three\")"
        );
        let e = read("n = -3", |t| t.number::<u64>("n")).expect_err("negative");
        assert_eq!(e, "line 1: `n` must be 0 or more, not -3");
        let e = read("n = 300", |t| t.number::<u8>("n")).expect_err("too big");
        assert_eq!(e, "line 1: `n` is too large: 300");
        let e = read("\n\n[[item]]\nk = 1\n", |t| {
            t.tables("item")?[0].string("name")
        })
        .expect_err("missing");
        assert_eq!(e, "line 3: missing field `name`");
        let e = read("name = 1", |t| t.string("name")).expect_err("missing");
        assert_eq!(e, "line 1: `name` must be a string, not an integer (1)");
        let e = read("name = 1", |t| t.string("other")).expect_err("missing");
        assert_eq!(e, "missing field `other`");
        let e = read("[t]\nname = 1", |t| {
            t.table("t")?.map_or(Ok(()), |t| t.require("list"))
        })
        .expect_err("missing");
        assert_eq!(e, "line 1: missing field `list`");
        let e = read("l = [\"a\",\n 3]", |t| t.strings("l")).expect_err("element");
        assert_eq!(e, "line 2: `l` must hold only strings, not an integer (3)");
        let e = read("item = 3", |t| t.tables("item").map(|v| v.len())).expect_err("not tables");
        assert_eq!(
            e,
            "line 1: `item` must be [[item]] tables, not an integer (3)"
        );
        let e =
            read("item = [{}, 3]", |t| t.tables("item").map(|v| v.len())).expect_err("not tables");
        assert_eq!(
            e,
            "line 1: `item` must hold only tables, not an integer (3)"
        );
        let e = read("a = 1\ntset = 2", |t| t.only(&["a", "test"])).expect_err("unknown");
        assert_eq!(e, "line 2: unknown field `tset`, expected `a` or `test`");
        let e = read("a = [1,", |t| t.only(&[])).expect_err("syntax");
        assert!(e.starts_with("line 1: "), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
}
