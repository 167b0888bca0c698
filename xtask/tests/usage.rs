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
fn unknown_tasks_and_commands_are_named() {
    for (args, named) in [
        (&["frob"][..], "unknown task `frob`"),
        (&["spec", "frob"], "unknown spec command `frob`"),
        (&["spec", "check", "--frob"], "unknown option --frob"),
    ] {
        let run = xtask(args);
        assert!(!run.success, "{args:?}");
        assert!(run.stderr.contains(named), "{args:?}: {}", run.stderr);
    }
}
