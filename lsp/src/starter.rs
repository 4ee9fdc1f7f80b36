//! The files `praxis init` writes, built into the binary so that `init` works anywhere.

/// `.praxis/config.toml`.
pub const CONFIG: &str = include_str!("../starter/config.toml");

/// `.praxis/practices/*.yaml`, by file name.
pub const PRACTICES: &[(&str, &str)] = &[
    ("compare-none-with-is.yaml", include_str!("../starter/practices/compare-none-with-is.yaml")),
    ("no-bare-except.yaml", include_str!("../starter/practices/no-bare-except.yaml")),
    ("no-console-log.yaml", include_str!("../starter/practices/no-console-log.yaml")),
    ("no-dbg-macro.yaml", include_str!("../starter/practices/no-dbg-macro.yaml")),
    ("no-debugger.yaml", include_str!("../starter/practices/no-debugger.yaml")),
    ("no-defer-in-loop.yaml", include_str!("../starter/practices/no-defer-in-loop.yaml")),
    ("no-empty-catch.yaml", include_str!("../starter/practices/no-empty-catch.yaml")),
    ("no-explicit-any.yaml", include_str!("../starter/practices/no-explicit-any.yaml")),
    ("no-fmt-println.yaml", include_str!("../starter/practices/no-fmt-println.yaml")),
    ("no-ignored-error.yaml", include_str!("../starter/practices/no-ignored-error.yaml")),
    ("no-mutable-default-arg.yaml", include_str!("../starter/practices/no-mutable-default-arg.yaml")),
    ("no-print-stack-trace.yaml", include_str!("../starter/practices/no-print-stack-trace.yaml")),
    ("no-print.yaml", include_str!("../starter/practices/no-print.yaml")),
    ("no-system-out.yaml", include_str!("../starter/practices/no-system-out.yaml")),
    ("no-todo-macro.yaml", include_str!("../starter/practices/no-todo-macro.yaml")),
    ("no-unwrap.yaml", include_str!("../starter/practices/no-unwrap.yaml")),
    ("prefer-strict-equality.yaml", include_str!("../starter/practices/prefer-strict-equality.yaml")),
    ("todo-needs-ticket.yaml", include_str!("../starter/practices/todo-needs-ticket.yaml")),
];
