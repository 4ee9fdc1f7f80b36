//! The local Git repository, read through the `git` command (no network, nothing written):
//! which lines changed since a commit, and a file's text at `HEAD`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context, bail};

use crate::diff::{self, Changed};

/// Git's empty tree: what a repository without commits is compared against.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// A Git working tree.
#[derive(Debug, Clone)]
pub struct Repo {
    /// The top of the working tree (absolute).
    pub top: PathBuf,
}

impl Repo {
    /// The working tree holding `dir`, or `None` when `dir` is not in one (or Git is missing).
    pub fn discover(dir: &Path) -> Option<Repo> {
        let output = git_in(dir).args(["rev-parse", "--show-toplevel"]).output().ok()?;
        if !output.status.success() {
            return None;
        }
        let top = String::from_utf8(output.stdout).ok()?;
        let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
        Some(Repo { top: top.canonicalize().unwrap_or(top) })
    }

    fn git(&self) -> Command {
        git_in(&self.top)
    }

    /// What `check --diff` compares with when no commit is named: the merge base of `HEAD` and
    /// its upstream branch, else `HEAD` (else, before the first commit, the empty tree).
    pub fn default_base(&self) -> String {
        let merge_base = self.git().args(["merge-base", "HEAD", "@{upstream}"]).output();
        if let Ok(output) = merge_base
            && output.status.success()
        {
            let commit = String::from_utf8_lossy(&output.stdout).trim().to_owned();
            if !commit.is_empty() {
                return commit;
            }
        }
        if self.resolves("HEAD") { "HEAD".to_owned() } else { EMPTY_TREE.to_owned() }
    }

    fn resolves(&self, rev: &str) -> bool {
        self.git()
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{rev}^{{commit}}"))
            .output()
            .is_ok_and(|output| output.status.success())
    }

    /// The changed lines of every file of the working tree that differs from `base` (a commit,
    /// a branch, a tag: anything `git rev-parse` reads), keyed by absolute path. Untracked files
    /// that are not ignored are new in every line.
    pub fn changed_since(&self, base: &str) -> anyhow::Result<BTreeMap<PathBuf, Changed>> {
        if base.starts_with('-') {
            bail!("`{base}` is not a Git commit");
        }
        if base != EMPTY_TREE && !self.resolves(base) {
            bail!("`{base}` is not a commit of the Git repository at {}", self.top.display());
        }
        let output = run(self.git().args([
            "-c",
            "core.quotePath=false",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--find-renames",
            "--unified=0",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            base,
            "--",
        ]))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let files = diff::git_files(&text).context("cannot read the output of `git diff`")?;
        let mut changed: BTreeMap<PathBuf, Changed> =
            files.into_iter().filter_map(|file| Some((self.top.join(file.path?), file.changed))).collect();
        let untracked = run(self.git().args(["ls-files", "--others", "--exclude-standard", "-z"]))?;
        for path in untracked.stdout.split(|byte| *byte == 0).filter(|path| !path.is_empty()) {
            changed.insert(self.top.join(String::from_utf8_lossy(path).as_ref()), Changed::All);
        }
        Ok(changed)
    }

    /// The text of `path` (absolute, in this working tree) at `HEAD`; `None` when `HEAD` has no
    /// such file (it is new) or its content is not text.
    pub fn head_text(&self, path: &Path) -> Option<String> {
        let relative = path.strip_prefix(&self.top).ok()?;
        let relative = relative.to_str()?.replace('\\', "/");
        let output = self.git().args(["cat-file", "blob", "--end-of-options"]).arg(format!("HEAD:{relative}")).output();
        match output {
            Ok(output) if output.status.success() => String::from_utf8(output.stdout).ok(),
            _ => None,
        }
    }
}

/// `git -C dir`, reading only: no optional locks taken (an editor must never block a commit),
/// no pager, no prompt.
fn git_in(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_PAGER")
        .stdin(Stdio::null());
    command
}

/// Runs `command`; a failure is one line with Git's own first line of complaint.
fn run(command: &mut Command) -> anyhow::Result<Output> {
    let output = command.output().context("cannot run `git`; is it installed?")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or("no reason given");
        bail!("git failed: {reason}");
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn changed_lines_since_a_commit_and_the_text_at_head() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        git(&root, &["init", "-q", "-b", "main"]);
        let repo = Repo::discover(&root).unwrap();
        assert_eq!(repo.top, root);
        // Before the first commit, everything is new.
        std::fs::write(root.join("a.py"), "a = 1\nb = 2\n").unwrap();
        assert_eq!(repo.default_base(), EMPTY_TREE);
        let changed = repo.changed_since(&repo.default_base()).unwrap();
        assert_eq!(changed.get(&root.join("a.py")), Some(&Changed::All));
        assert_eq!(repo.head_text(&root.join("a.py")), None);

        git(&root, &["add", "."]);
        git(&root, &["commit", "-q", "-m", "one"]);
        assert_eq!(repo.default_base(), "HEAD");
        assert!(repo.changed_since("HEAD").unwrap().is_empty());
        assert_eq!(repo.head_text(&root.join("a.py")).as_deref(), Some("a = 1\nb = 2\n"));

        std::fs::write(root.join("a.py"), "a = 1\nb = 3\nc = 4\n").unwrap();
        std::fs::write(root.join("new.py"), "x\n").unwrap();
        std::fs::write(root.join(".gitignore"), "ignored.py\n").unwrap();
        std::fs::write(root.join("ignored.py"), "x\n").unwrap();
        let changed = repo.changed_since("HEAD").unwrap();
        let keys: Vec<&Path> = changed.keys().map(PathBuf::as_path).collect();
        assert_eq!(keys, [root.join(".gitignore"), root.join("a.py"), root.join("new.py")]);
        assert_eq!(changed[&root.join("a.py")], Changed::Lines(vec![(2, 3)]));

        let err = repo.changed_since("no-such-branch").unwrap_err().to_string();
        assert!(err.starts_with("`no-such-branch` is not a commit of the Git repository"), "{err}");
        assert!(repo.changed_since("--output=/tmp/x").is_err());
        assert!(Repo::discover(&std::env::temp_dir().join("praxis-surely-not-a-repo")).is_none());
    }
}
