//! `library_under_test!(alias)` expands to `extern crate <lib> as alias;`, where `<lib>` is
//! the library of the package whose test is being compiled: `exercise_04` when cargo tests
//! `exercise-04`, `solution_04` for `solution-04`, `mutant_04_unlock_relaxed` for a mutant.
//!
//! Why: an exercise's graded suite is one test binary that checks the learner's code twice,
//! on real threads through the library (with `crate::sync` = std) and under loom through the
//! module files compiled again inside the test (with `crate::sync` = loom). The same suite
//! file grades the exercise, its solution and every mutant and alternative, whose libraries
//! have different names; a declarative macro cannot turn `CARGO_PKG_NAME` into a crate name,
//! so this does. It reads the variable at expansion time: cargo sets it for every compile.

use proc_macro::TokenStream;

/// `library_under_test!(name)`: `extern crate <the package's library> as name;`.
#[proc_macro]
pub fn library_under_test(input: TokenStream) -> TokenStream {
    let alias = input.to_string();
    let alias = alias.trim();
    if alias.is_empty() || !alias.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return compile_error("library_under_test! takes one name: library_under_test!(graded)");
    }
    let Ok(package) = std::env::var("CARGO_PKG_NAME") else {
        return compile_error("library_under_test! needs cargo: CARGO_PKG_NAME is not set");
    };
    let library = package.replace('-', "_");
    format!("extern crate {library} as {alias};")
        .parse()
        .unwrap_or_else(|_| {
            compile_error("library_under_test!: the package name is not a crate name")
        })
}

fn compile_error(message: &str) -> TokenStream {
    format!("compile_error!({message:?});")
        .parse()
        .unwrap_or_default()
}
