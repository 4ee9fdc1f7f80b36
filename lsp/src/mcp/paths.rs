//! Paths an agent names, confined to the project. The server reads the files its tools check,
//! and must not become a way to read files anywhere else on the machine: a path that leaves the
//! project root, by `..` or through a symlink, is refused.

use std::path::{Component, Path, PathBuf};

/// The project root, as it was found and as the file system resolves it (through symlinks).
pub struct Root {
    found: PathBuf,
    real: PathBuf,
}

/// A file inside the project that exists.
#[derive(Debug)]
pub struct ProjectFile {
    /// Its path with every symlink resolved: what is read.
    pub real: PathBuf,
    /// Its path relative to the root as named, with `/` separators: what `files`/`ignores` globs
    /// and the language are decided by, as for `praxis check FILE`.
    pub relative: String,
}

impl Root {
    pub fn new(root: &Path) -> Root {
        let found = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let real = std::fs::canonicalize(&found).unwrap_or_else(|_| found.clone());
        Root { found, real }
    }

    /// `path` (relative to the root, or absolute inside it) relative to the root, with `/`
    /// separators. Only the text is looked at, so the file need not exist: this is for code
    /// that is not written yet.
    pub fn relative(&self, path: &str) -> Result<String, String> {
        if path.trim().is_empty() {
            return Err("`path` is empty".into());
        }
        let given = Path::new(path);
        let joined = if given.is_absolute() { given.to_path_buf() } else { self.found.join(given) };
        let normal = normalize(&joined);
        let inside = normal.strip_prefix(&self.found).or_else(|_| normal.strip_prefix(&self.real));
        match inside {
            Ok(rest) if rest.as_os_str().is_empty() => Err(format!("`{path}` is the project folder, not a file")),
            Ok(rest) => Ok(slashed(rest)),
            Err(_) => Err(self.outside(path)),
        }
    }

    /// The existing file `path` names inside the project, with symlinks resolved: a symlink that
    /// leads out of the project is refused like a path that does.
    pub fn existing_file(&self, path: &str) -> Result<ProjectFile, String> {
        let relative = self.relative(path)?;
        let real = std::fs::canonicalize(self.found.join(&relative)).map_err(|err| {
            if err.kind() == std::io::ErrorKind::NotFound {
                format!("`{path}` does not exist")
            } else {
                format!("`{path}`: {}", crate::files::io_reason(&err))
            }
        })?;
        if !real.starts_with(&self.real) {
            return Err(format!(
                "`{path}` leads out of the project through a symlink; only files inside it are checked"
            ));
        }
        if !real.is_file() {
            return Err(format!("`{path}` is not a file"));
        }
        Ok(ProjectFile { real, relative })
    }

    fn outside(&self, path: &str) -> String {
        format!("`{path}` is outside the project {}; only files inside it are checked", self.found.display())
    }
}

/// `path` with `.` dropped and each `..` taking away the folder before it, as the file system
/// would read it if no folder on the way were a symlink.
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

fn slashed(path: &Path) -> String {
    let parts: Vec<String> = path.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("project/src")).unwrap();
        std::fs::write(dir.path().join("project/src/app.ts"), "let a = 1;\n").unwrap();
        std::fs::write(dir.path().join("secret.ts"), "let key = 1;\n").unwrap();
        let root = Root::new(&dir.path().join("project"));
        (dir, root)
    }

    #[test]
    fn paths_inside_the_project_are_relative_to_its_root() {
        let (dir, root) = project();
        assert_eq!(root.relative("src/app.ts").unwrap(), "src/app.ts");
        assert_eq!(root.relative("./src/../src/new.ts").unwrap(), "src/new.ts");
        let absolute = dir.path().join("project/src/app.ts");
        assert_eq!(root.relative(absolute.to_str().unwrap()).unwrap(), "src/app.ts");
        let file = root.existing_file("src/app.ts").unwrap();
        assert_eq!(file.relative, "src/app.ts");
        assert_eq!(std::fs::read_to_string(file.real).unwrap(), "let a = 1;\n");
    }

    #[test]
    fn paths_out_of_the_project_are_refused() {
        let (dir, root) = project();
        for path in
            ["../secret.ts", "src/../../secret.ts", "/etc/passwd", dir.path().join("secret.ts").to_str().unwrap()]
        {
            let err = root.relative(path).unwrap_err();
            assert!(err.contains("is outside the project"), "{path}: {err}");
            assert!(root.existing_file(path).is_err(), "{path}");
        }
        assert_eq!(root.relative(" ").unwrap_err(), "`path` is empty");
        assert_eq!(root.relative(".").unwrap_err(), "`.` is the project folder, not a file");
        assert_eq!(root.existing_file("src").unwrap_err(), "`src` is not a file");
        assert_eq!(root.existing_file("src/gone.ts").unwrap_err(), "`src/gone.ts` does not exist");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_project_are_refused() {
        let (dir, root) = project();
        std::os::unix::fs::symlink(dir.path().join("secret.ts"), dir.path().join("project/src/link.ts")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("project/up")).unwrap();
        for path in ["src/link.ts", "up/secret.ts"] {
            let err = root.existing_file(path).unwrap_err();
            assert!(err.contains("leads out of the project through a symlink"), "{path}: {err}");
        }
        std::os::unix::fs::symlink("app.ts", dir.path().join("project/src/inner.ts")).unwrap();
        assert_eq!(root.existing_file("src/inner.ts").unwrap().relative, "src/inner.ts");
    }
}
