//! The command line itself: help is an answer, not an error; an unknown task
//! or command is named.

mod common;

use common::xtask;

#[test]
fn help_prints_usage_and_exits_zero() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["spec", "--help"],
        &[],
    ] {
        let run = xtask(args);
        assert!(run.success, "{args:?}: {run:?}");
        assert!(run.stdout.contains("usage: cargo xtask spec"), "{args:?}");
        assert!(run.stderr.is_empty(), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn usage_errors_are_named_and_exit_2() {
    for (args, named) in [
        (&["frob"][..], "unknown task `frob`"),
        (&["spec", "frob"], "unknown spec command `frob`"),
        (&["spec", "check", "--frob"], "unknown option --frob"),
        (
            &["spec", "check", "--json"],
            "--json does not apply to `spec check`",
        ),
        (
            &["spec", "update", "--strict"],
            "--strict does not apply to `spec update`",
        ),
        (
            &["spec", "normalize", "--check"],
            "--check does not apply to `spec normalize`",
        ),
        (&["spec", "fetch", "--timeout"], "--timeout needs a value"),
        (
            &["spec", "update", "--timeout", "-1"],
            "--timeout takes seconds",
        ),
        (
            &["spec", "update", "--timeout", "NaN"],
            "--timeout takes seconds",
        ),
        (
            &["spec", "update", "--timeout", "1e30"],
            "--timeout takes seconds",
        ),
    ] {
        let run = xtask(args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains(named), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn the_usage_documents_the_flags_and_exit_codes() {
    let run = xtask(&["--help"]);
    for part in [
        "--strict",
        "--check",
        "--json",
        "exit codes",
        "3 update --check",
    ] {
        assert!(run.stdout.contains(part), "{part}: {}", run.stdout);
    }
}
