//! `praxis lsp` in a real Emacs: Emacs 28 in batch mode, with Eglot from Debian's `elpa-eglot`
//! (1.9), runs the init file `docs/editors/emacs.md` gives (it loads `editors/emacs/praxis.el`),
//! opens a Python file of the demo, and `tests/fixtures/emacs/check.el` records what Emacs
//! itself ends up with: Flymake's diagnostics on open and after an edit sent by Eglot, a hover,
//! the code actions, the project root, and how the server stopped. Emacs and Eglot must be
//! installed (`.ci/run` installs them); a missing `emacs` fails the test with the install line.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::readme::{blocks, section};
use support::{binary, codes_and_lines, copy_tree, fixture, line_of, workspace};

/// The file the tests open, relative to the demo project: Emacs 28 has a major mode for Python
/// built in (none for TypeScript).
const FILE: &str = "pricing/discounts.py";

/// Where Debian installs ELPA packages such as `elpa-eglot`; `emacs -Q` leaves it out.
const DEBIAN_ELPA: &str = "/usr/share/emacs/site-lisp/elpa";

/// How to install what the tests need, for the failure messages.
const INSTALL: &str = "The Emacs end-to-end test needs Emacs 28 or newer with Eglot: `.ci/run` \
                       installs them (`apt-get install -y emacs-nox elpa-eglot`); install them \
                       the same way to run the tests locally";

/// Fails with [`INSTALL`] when `emacs` is missing or older than 28; returns its version line.
fn emacs_version() -> String {
    let output = match Command::new("emacs").arg("--version").stdin(Stdio::null()).output() {
        Ok(output) => output,
        Err(err) => panic!("`emacs` could not be run ({err}). {INSTALL}"),
    };
    let line = String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or_default().to_owned();
    // "GNU Emacs 28.2"
    let major: u32 =
        line.trim_start_matches("GNU Emacs ").split('.').next().and_then(|major| major.parse().ok()).unwrap_or(0);
    assert!(major >= 28, "`emacs --version` says {line:?}. {INSTALL}");
    line
}

/// The system's ELPA folder when it holds Eglot (Emacs 28); Emacs 29 and newer have it built in.
fn eglot_packages() -> Option<&'static Path> {
    let elpa = Path::new(DEBIAN_ELPA);
    let has_eglot = std::fs::read_dir(elpa)
        .map(|entries| entries.flatten().any(|entry| entry.file_name().to_string_lossy().starts_with("eglot-")))
        .unwrap_or(false);
    has_eglot.then_some(elpa)
}

/// The `elisp` blocks of the page's Eglot section, in order: the init file, then the options.
fn page_blocks() -> Vec<String> {
    let page = std::fs::read_to_string(workspace().join("docs/editors/emacs.md")).unwrap();
    let blocks = blocks(section(&page, "## Eglot"), "elisp");
    assert_eq!(blocks.len(), 3, "docs/editors/emacs.md: the init block and two options blocks under ## Eglot");
    blocks
}

/// A copy of the demo project in a temporary folder.
struct Demo {
    _temp: tempfile::TempDir,
    root: PathBuf,
    text: String,
}

impl Demo {
    fn new() -> Demo {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("demo");
        copy_tree(&workspace().join("examples/demo"), &root);
        let text = std::fs::read_to_string(root.join(FILE)).unwrap();
        Demo { _temp: temp, root, text }
    }

    /// The demo's findings in [`FILE`] with all its practices, in line order.
    fn findings(&self) -> Vec<(String, u64)> {
        vec![
            ("no-mutable-default-arg".to_owned(), line_of(&self.text, "codes=[]")),
            ("no-bare-except".to_owned(), line_of(&self.text, "except:")),
            ("no-mutable-default-arg".to_owned(), line_of(&self.text, "tiers: dict = {}")),
            ("todo-needs-ticket".to_owned(), line_of(&self.text, "# FIXME")),
        ]
    }
}

/// Runs Emacs with check.el on `file`, with the page's init file and then `eval` (Lisp) when
/// given, and the extra environment `env`. The user's home and Praxis's own folders are scratch
/// folders next to `project`.
fn run_emacs(project: &Path, file: &Path, eval: Option<&str>, env: &[(&str, &str)]) -> (Output, PathBuf) {
    emacs_version();
    let scratch = project.parent().unwrap().join("emacs-home");
    let out = project.parent().unwrap().join("emacs-report.json");
    // The page's init block, with the path of this checkout for "/path/to/praxis".
    let init = scratch.join("init.el");
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::write(&init, page_blocks()[0].replace("/path/to/praxis", workspace().to_str().unwrap())).unwrap();
    let praxis = binary("praxis");
    // `praxis` is found on the PATH, as the page's default `praxis-command` expects.
    let path = std::env::join_paths(
        std::iter::once(praxis.parent().unwrap().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let mut command = Command::new("timeout");
    command
        .arg("60")
        .arg("emacs")
        .args(["--batch", "-Q", "-l"])
        .arg(fixture("emacs").join("check.el"))
        .current_dir(project)
        .env("PATH", path)
        .env("PRAXIS_EMACS_INIT", &init)
        .env("PRAXIS_EMACS_FILE", file)
        .env("PRAXIS_EMACS_OUT", &out)
        // Keep Emacs's files (and its ELPA folder) out of the user's home.
        .env("HOME", scratch.join("home"))
        .env_remove("PRAXIS_LOG")
        // And Praxis's own user folders, token and keyring.
        .env("PRAXIS_CONFIG_DIR", scratch.join("praxis-config"))
        .env("PRAXIS_CACHE_DIR", scratch.join("praxis-cache"))
        .env("PRAXIS_NO_KEYRING", "1")
        .env_remove("PRAXIS_TOKEN")
        .stdin(Stdio::null());
    if let Some(elpa) = eglot_packages() {
        command.env("PRAXIS_EMACS_ELPA", elpa);
    }
    if let Some(eval) = eval {
        command.env("PRAXIS_EMACS_EVAL", eval);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    (command.output().expect("`timeout` (coreutils) runs"), out)
}

/// Runs Emacs on [`FILE`] in `project` (then `eval`, when given) and returns the JSON report of
/// check.el, made once Flymake shows `findings` diagnostics.
fn report(project: &Path, eval: Option<&str>, findings: usize, env: &[(&str, &str)]) -> Value {
    let findings = findings.to_string();
    let env: Vec<(&str, &str)> = env.iter().copied().chain([("PRAXIS_EMACS_FINDINGS", findings.as_str())]).collect();
    let (output, out) = run_emacs(project, &project.join(FILE), eval, &env);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    assert_ne!(code, Some(124), "Emacs did not finish within 60 s\nstderr:\n{stderr}");
    assert_eq!(code, Some(0), "Emacs failed\nstderr:\n{stderr}");
    let report = std::fs::read_to_string(&out).unwrap_or_else(|err| panic!("no report from check.el ({err})"));
    serde_json::from_str(&report).unwrap_or_else(|err| panic!("check.el wrote invalid JSON ({err}): {report}"))
}

#[test]
fn emacs_shows_praxis_diagnostics_follows_edits_and_hovers() {
    let version = emacs_version();
    let demo = Demo::new();
    // Two more files of the project, in other modes: JavaScript, and HTML (`mhtml-mode`).
    std::fs::write(demo.root.join("web/index.html"), "<p>Orders</p>\n").unwrap();
    let others =
        ["web/scripts/seed.js", "web/index.html"].map(|file| demo.root.join(file).to_str().unwrap().to_owned());
    let report = report(&demo.root, None, demo.findings().len(), &[("PRAXIS_EMACS_ALSO", &others.join(":"))]);
    let context = format!("{version}; report: {report:#}");

    // Started by `praxis-eglot-ensure` from `prog-mode-hook`, in Emacs's own Python mode.
    assert_eq!(report["major_mode"], "python-mode", "{context}");
    // The server Eglot starts manages the modes of the languages Praxis checks, but no YAML
    // mode: the project's YAML files other than practices keep their own server.
    let modes: Vec<&str> = report["server_modes"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for mode in ["python-mode", "js-mode", "java-mode", "c-mode", "ruby-mode", "typescript-ts-mode"] {
        assert!(modes.contains(&mode), "{mode}\n{context}");
    }
    assert!(!modes.iter().any(|mode| mode.starts_with("yaml")), "{context}");
    // The project is the folder holding `.praxis/`, though the copy has no version control.
    assert_eq!(report["root"], format!("{}/", demo.root.display()), "{context}");

    // On open: the demo's four findings in this file, on their lines, from Praxis, with the
    // practice's severity as Flymake's type and its message in the text.
    let expected = demo.findings();
    assert_eq!(codes_and_lines(&report["initial"], "line"), expected, "{context}");
    let initial = report["initial"].as_array().unwrap();
    assert!(initial.iter().all(|d| d["source"] == "praxis"), "{context}");
    let first = &initial[0];
    let column = demo.text.lines().nth(expected[0].1 as usize).unwrap().find("codes=[]").unwrap() as u64;
    assert_eq!(first["column"], column, "the finding starts at `codes=[]`\n{context}");
    assert_eq!(first["type"], "eglot-error", "{context}");
    assert_eq!(
        first["text"],
        "praxis [no-mutable-default-arg]: Default `[]` is shared between calls; use None and create it inside",
        "{context}"
    );
    assert_eq!(initial[3]["type"], "eglot-note", "todo-needs-ticket is `info`\n{context}");

    // After Eglot sends the insertion of a two-line function on top: its finding on line 0,
    // the others two lines further down.
    let mut edited = vec![("no-mutable-default-arg".to_owned(), 0)];
    edited.extend(expected.iter().map(|(code, line)| (code.clone(), line + 2)));
    assert_eq!(codes_and_lines(&report["edited"], "line"), edited, "{context}");
    assert_eq!(report["edited"][0]["column"], "def inserted(".len(), "{context}");

    // Hover on the new finding: the practice's name, description and good example.
    let hover = report["hover"].as_str().unwrap_or_default();
    assert!(hover.contains("No mutable default arguments"), "{context}");
    assert!(hover.contains("shared by\nevery call"), "{context}");
    assert!(hover.contains("def add(item, cart=None):"), "{context}");
    // Code actions on it: suppress, and create a practice from the selection.
    let actions: Vec<&str> = report["actions"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(actions.contains(&"Suppress `no-mutable-default-arg` on this line"), "{context}");
    assert!(actions.iter().any(|title| title.starts_with("Create practice from selection")), "{context}");

    // The other files go to the same server: one Praxis per project, whatever the language.
    let others: Vec<(&str, &Value)> = report["others"]
        .as_array()
        .unwrap()
        .iter()
        .map(|other| (other["major_mode"].as_str().unwrap(), &other["same_server"]))
        .collect();
    assert_eq!(others, [("js-mode", &Value::Bool(true)), ("mhtml-mode", &Value::Bool(true))], "{context}");
    assert_eq!(report["servers"], 1, "{context}");

    // `eglot-shutdown`: `shutdown` answered, then `exit` ended the server by itself with 0.
    assert_eq!(report["exit_status"], 0, "{context}");
    assert_eq!(report["server_live"], false, "{context}");
}

/// Runs Emacs with the page's options block number `block` (it names `lint/practices`) and
/// checks that only the practices of that folder report.
fn check_practices_option(block: usize) {
    let version = emacs_version();
    let options = &page_blocks()[block];
    assert!(options.contains("\"lint/practices\""), "{options}");
    let demo = Demo::new();
    // A folder with two of the demo's practices: todo-needs-ticket is not among them.
    let lint = demo.root.join("lint/practices");
    std::fs::create_dir_all(&lint).unwrap();
    for practice in ["no-mutable-default-arg.yaml", "no-bare-except.yaml"] {
        std::fs::copy(demo.root.join(".praxis/practices").join(practice), lint.join(practice)).unwrap();
    }
    let expected: Vec<_> = demo.findings().into_iter().filter(|(code, _)| code != "todo-needs-ticket").collect();
    let report = report(&demo.root, Some(options), expected.len(), &[]);
    let context = format!("{version}; {options}; report: {report:#}");
    assert_eq!(codes_and_lines(&report["initial"], "line"), expected, "{context}");
}

#[test]
fn praxis_initialization_options_outlast_eglots_empty_settings() {
    // Eglot sends `didChangeConfiguration` with `{}` right after connecting: the options stay.
    // The folder is relative to the project root that praxis.el gives Eglot.
    check_practices_option(1);
}

#[test]
fn eglot_workspace_configuration_sets_praxis_options() {
    check_practices_option(2);
}

#[test]
fn praxis_el_leaves_other_projects_to_eglot() {
    // A Python file in a folder with no `.praxis/` above it: no server starts, and Eglot's own
    // choice of server is untouched there and everywhere.
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("elsewhere");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::copy(workspace().join("examples/demo").join(FILE), project.join("discounts.py")).unwrap();
    let (output, out) = run_emacs(&project, &project.join("discounts.py"), None, &[("PRAXIS_EMACS_OUTSIDE", "1")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(report["major_mode"], "python-mode", "{report}");
    assert_eq!(report["server"], false, "{report}");
    assert_eq!(report["local_server_programs"], false, "{report}");
    assert_eq!(report["global_praxis_entry"], false, "{report}");
}

#[test]
fn a_failing_lsp_session_fails_emacs() {
    // The harness itself: when the server cannot start, check.el must exit non-zero with the
    // reason, not hang or pass. (A program name that Emacs looks up on the PATH and does not
    // find: Emacs says so at once. An absolute path that does not exist is only found out once
    // Eglot writes to the dead process, and batch Emacs dies of SIGPIPE.)
    let demo = Demo::new();
    let missing = r#"(setq praxis-command '("no-such-praxis" "lsp"))"#;
    let (output, out) = run_emacs(&demo.root, &demo.root.join(FILE), Some(missing), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stderr.contains("praxis emacs test failed"), "stderr:\n{stderr}");
    assert!(stderr.contains("no-such-praxis"), "stderr:\n{stderr}");
    assert!(!out.exists());
}
