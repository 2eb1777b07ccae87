//! The one error type of the tool: a message for the user, and which usage text goes with it.

use std::fmt;

use crate::cli::Topic;

/// Something went wrong before the command could do its job: a bad argument, a missing or
/// malformed `course.toml`, no `cargo` on the PATH. The tool prints the message on one line,
/// then the usage of `topic`, and exits with code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    topic: Topic,
}

impl Error {
    /// An error with the general usage text.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            topic: Topic::General,
        }
    }

    /// The same error, shown with the usage of `topic`.
    #[must_use]
    pub fn with_topic(mut self, topic: Topic) -> Self {
        self.topic = topic;
        self
    }

    /// The one-line message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Which usage text to print after the message.
    pub fn topic(&self) -> Topic {
        self.topic
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// `Result` with the tool's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
