//! The book's code, compiled and run.
//!
//! Each chapter of `book/src` is included below as the documentation of an empty module, so
//! `cargo test -p book-snippets` compiles and runs every ```` ```rust ```` block in the book as
//! a doc test (`compile_fail` blocks must fail to compile). Lines starting with `# ` are
//! hidden by both rustdoc and mdBook. Blocks in other languages (`python`, `text`,
//! `console`) are not compiled; a block without a language would be taken for Rust, so the
//! unit tests below reject it, and they check that every chapter is included here.

macro_rules! chapters {
    ($($module:ident => $path:literal,)+) => {
        $(
            #[doc = include_str!(concat!("../../../book/src/", $path))]
            pub mod $module {}
        )+

        /// Every chapter included above, relative to `book/src`.
        pub const CHAPTERS: &[&str] = &[$($path),+];
    };
}

chapters! {
    introduction => "introduction.md",
    part_1 => "part-1/index.md",
    concurrency_and_parallelism => "part-1/concurrency-and-parallelism.md",
    processes_and_threads => "part-1/processes-and-threads.md",
    context_switches => "part-1/context-switches.md",
    what_threads_buy => "part-1/what-threads-buy.md",
    multitasking => "part-1/multitasking.md",
    thread_models => "part-1/thread-models.md",
    work_in_processes => "part-1/work-in-processes.md",
    throughput_latency_blocking => "part-1/throughput-latency-blocking.md",
    part_1_lab => "part-1/lab.md",
    part_2 => "part-2/index.md",
    shared_state => "part-2/shared-state.md",
    lost_update => "part-2/lost-update.md",
    atomics => "part-2/atomics.md",
    memory_ordering => "part-2/memory-ordering.md",
    spin_locks => "part-2/spin-locks.md",
    ticket_locks => "part-2/ticket-locks.md",
    part_3 => "part-3/index.md",
    blocking => "part-3/blocking.md",
    condition_variables => "part-3/condition-variables.md",
    rwlocks => "part-3/rwlocks.md",
    mutexes_and_semaphores => "part-3/mutexes-and-semaphores.md",
    reentrant_locks => "part-3/reentrant-locks.md",
    events_barriers_timers => "part-3/events-barriers-timers.md",
    part_4 => "part-4/index.md",
    four_conditions => "part-4/four-conditions.md",
    livelock_starvation_fairness => "part-4/livelock-starvation-fairness.md",
    philosophers_and_transfers => "part-4/philosophers-and-transfers.md",
    detecting_deadlock => "part-4/detecting-deadlock.md",
    part_5 => "part-5/index.md",
    thread_safe_queues => "part-5/thread-safe-queues.md",
    producers_and_consumers => "part-5/producers-and-consumers.md",
    lock_free_queues => "part-5/lock-free-queues.md",
    thread_pools_and_futures => "part-5/thread-pools-and-futures.md",
    stopping_threads => "part-5/stopping-threads.md",
    token_bucket => "part-5/token-bucket.md",
    part_6 => "part-6/index.md",
    bytecode => "part-6/bytecode.md",
    what_the_gil_is => "part-6/what-the-gil-is.md",
    not_thread_safe => "part-6/not-thread-safe.md",
    switching => "part-6/switching.md",
    convoy => "part-6/convoy.md",
    free_threading => "part-6/free-threading.md",
    escaping => "part-6/escaping.md",
    lab => "part-6/lab.md",
    sources => "part-6/sources.md",
    exercises => "exercises.md",
    checking => "appendix/checking.md",
    instructors => "appendix/instructors.md",
    puzzles => "appendix/puzzles.md",
    // Not a page: the puzzles' format, kept beside them.
    puzzle_format => "puzzles/README.md",
}

#[cfg(test)]
mod tests {
    use super::CHAPTERS;
    use std::path::{Path, PathBuf};

    /// The languages a fenced block may have (before any `,attribute`).
    const LANGUAGES: &[&str] = &["rust", "python", "text", "console", "toml"];

    fn book_src() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src")
    }

    fn markdown_files(dir: &Path, found: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
            .map(|entry| entry.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                markdown_files(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                let relative = path.strip_prefix(book_src()).expect("under book/src");
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn every_chapter_is_compiled() {
        let mut on_disk = Vec::new();
        markdown_files(&book_src(), &mut on_disk);
        let missing: Vec<_> = on_disk
            .iter()
            .filter(|path| path.as_str() != "SUMMARY.md" && !CHAPTERS.contains(&path.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "these chapters are not included in crates/book-snippets/src/lib.rs, so their \
             code is never compiled: {missing:?}"
        );
    }

    #[test]
    fn every_fenced_block_names_its_language() {
        let mut problems = Vec::new();
        for chapter in CHAPTERS {
            let text = std::fs::read_to_string(book_src().join(chapter)).expect("a chapter");
            let mut open: Option<usize> = None;
            for (index, line) in text.lines().enumerate() {
                let trimmed = line.trim_start();
                let Some(info) = trimmed.strip_prefix("```") else {
                    continue;
                };
                if open.is_some() {
                    open = None;
                    continue;
                }
                open = Some(index);
                let language = info.split(',').next().unwrap_or_default().trim();
                if !LANGUAGES.contains(&language) {
                    problems.push(format!(
                        "book/src/{chapter}:{}: fence with language {language:?}; use one of \
                         {LANGUAGES:?} (an untagged block is compiled as Rust)",
                        index + 1
                    ));
                }
            }
            if let Some(index) = open {
                problems.push(format!("book/src/{chapter}:{}: unclosed fence", index + 1));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
