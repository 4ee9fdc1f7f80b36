//! The project: the nearest folder holding `.praxis/`, and its `.praxis/config.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use praxis_engine::Severity;
use praxis_sync::wire::{LlmProvider, LlmSettings};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const PRAXIS_DIR: &str = ".praxis";
pub const CONFIG_FILE: &str = "config.toml";
pub const DEFAULT_PRACTICES: &str = ".praxis/practices";

// Its JSON Schema (`editors/schemas/config.schema.json`) is derived from this type: the doc
// comments are what editors show.
/// The project's Praxis settings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Praxis project config (.praxis/config.toml)")]
pub struct Config {
    /// Whether anonymous usage counts go to the team's server (default: yes, when there is one).
    #[serde(default)]
    pub stats: Option<bool>,
    /// The team's server and space this project follows.
    #[serde(default)]
    pub server: Option<ServerConfig>,
    /// Where the project's practices are, and which are turned off.
    #[serde(default)]
    pub practices: PracticesConfig,
    /// Severity overrides by practice id, such as `no-console-log = "error"`.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// What `praxis agents write` writes.
    #[serde(default)]
    pub agents: AgentsConfig,
    /// The LLM `praxis practice draft` asks; each key set here wins over the user's config.
    #[serde(default)]
    pub llm: Option<LlmConfig>,
}

/// `[llm]`: the chat-completions provider `praxis practice draft` asks. The key is never read
/// from a file: it comes from `PRAXIS_LLM_KEY` or the OS keyring (`praxis llm login`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// `openai` (OpenAI, or any server with an OpenAI-compatible API) or `azure` (Azure
    /// OpenAI); default `openai`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<LlmProvider>,
    /// The API's base URL: `https://api.openai.com/v1`, `https://NAME.openai.azure.com`, or a
    /// self-hosted server such as `http://127.0.0.1:11434/v1` (`http://` only for loopback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(url)]
    pub base_url: Option<String>,
    /// The model, such as `gpt-4o` (Azure: the model the deployment serves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Azure: the deployment's name (default: `model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// Azure: the API version, such as `2024-10-21`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Never read: a key in a config file is refused, with a line and column.
    #[serde(default, skip_serializing, deserialize_with = "refuse_key")]
    #[schemars(skip)]
    pub key: Option<()>,
}

/// A `key` in `[llm]`: always an error. Keys never come from a file (a project's is in its
/// repository for everyone to read).
fn refuse_key<'de, D: serde::Deserializer<'de>>(_: D) -> Result<Option<()>, D::Error> {
    Err(serde::de::Error::custom(
        "[llm] key: a key is never read from a config file; set PRAXIS_LLM_KEY or run `praxis llm login`",
    ))
}

impl LlmConfig {
    /// The settings in force: each key from `project` when it sets it, else from `user`.
    pub fn merged(project: Option<&LlmConfig>, user: Option<&LlmConfig>) -> LlmConfig {
        let pick = |field: fn(&LlmConfig) -> Option<String>| project.and_then(field).or_else(|| user.and_then(field));
        LlmConfig {
            provider: project.and_then(|config| config.provider).or(user.and_then(|config| config.provider)),
            base_url: pick(|config| config.base_url.clone()),
            model: pick(|config| config.model.clone()),
            deployment: pick(|config| config.deployment.clone()),
            api_version: pick(|config| config.api_version.clone()),
            key: None,
        }
    }

    /// The provider settings, once `base_url` and `model` are set.
    pub fn settings(&self) -> anyhow::Result<LlmSettings> {
        let LlmConfig { provider, base_url, model, deployment, api_version, key: _ } = self;
        let missing = |key: &str| {
            anyhow!(
                "no LLM configured: set `{key}` under [llm] in .praxis/config.toml or in your own config.toml \
                 (see docs/drafting.md)"
            )
        };
        Ok(LlmSettings {
            provider: provider.unwrap_or(LlmProvider::Openai),
            base_url: base_url.clone().ok_or_else(|| missing("base_url"))?,
            model: model.clone().ok_or_else(|| missing("model"))?,
            deployment: deployment.clone(),
            api_version: api_version.clone(),
        })
    }
}

/// `[agents]`: the AI coding agents the practices are written for.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentsConfig {
    /// The agents `praxis agents write` writes for when no `--target` is given (default: the
    /// agents whose files the project already has, else `agents-md`).
    #[serde(default)]
    pub targets: Vec<crate::agents::Target>,
}

/// The team's server and space this project follows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The server's address, such as `https://praxis.example.com` (`http://` only for loopback).
    #[schemars(url)]
    pub url: String,
    /// The space to follow: its name on the server.
    #[schemars(regex(pattern = praxis_sync::wire::SPACE_NAME_PATTERN))]
    pub space: String,
    /// A PEM file of CA certificates to trust besides the system's (a private CA); in a
    /// project's config, relative to the project root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
}

/// The user's own settings: `config.toml` in the user's config folder. `praxis login` writes
/// its `[server]`, which projects without a `[server]` of their own follow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerConfig>,
    /// The LLM `praxis practice draft` asks, for keys the project's `[llm]` leaves unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm: Option<LlmConfig>,
}

impl UserConfig {
    /// Reads the user's config from `dir`; a missing file is the default.
    pub fn load(dir: &Path) -> anyhow::Result<UserConfig> {
        read_toml(&dir.join(CONFIG_FILE)).map(Option::unwrap_or_default)
    }

    /// Writes the user's config into `dir`, serialised from the model.
    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        let path = dir.join(CONFIG_FILE);
        let text = toml::to_string(self).context("cannot write the user config")?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let temporary = path.with_extension("toml.tmp");
        std::fs::write(&temporary, text).with_context(|| format!("cannot write {}", temporary.display()))?;
        std::fs::rename(&temporary, &path).with_context(|| format!("cannot write {}", path.display()))
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticesConfig {
    /// Practice folders, relative to the project root.
    #[serde(default = "default_paths")]
    pub paths: Vec<String>,
    /// Practice ids that are not run.
    #[serde(default)]
    pub disable: Vec<String>,
}

impl Default for PracticesConfig {
    fn default() -> Self {
        PracticesConfig { paths: default_paths(), disable: Vec::new() }
    }
}

fn default_paths() -> Vec<String> {
    vec![DEFAULT_PRACTICES.to_owned()]
}

/// A project found on disk.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
}

impl Project {
    /// The nearest ancestor of `start` (itself included) that holds `.praxis/`.
    pub fn discover(start: &Path) -> anyhow::Result<Option<Project>> {
        let start = std::path::absolute(start).with_context(|| format!("cannot resolve {}", start.display()))?;
        let first = if start.is_file() { start.parent().map(Path::to_path_buf) } else { Some(start) };
        let Some(root) = first.as_deref().and_then(|dir| dir.ancestors().find(|dir| dir.join(PRAXIS_DIR).is_dir()))
        else {
            return Ok(None);
        };
        let config = load_config(&root.join(PRAXIS_DIR).join(CONFIG_FILE))?;
        Ok(Some(Project { root: root.to_path_buf(), config }))
    }

    /// The configured practice folders, as paths.
    pub fn practice_dirs(&self) -> Vec<PathBuf> {
        self.config.practices.paths.iter().map(|path| self.root.join(path)).collect()
    }
}

/// Reads a config file; a missing file is the default config. A relative `ca_cert` is taken
/// relative to the `.praxis/` folder's parent, the project root.
fn load_config(path: &Path) -> anyhow::Result<Config> {
    let mut config: Config = read_toml(path)?.unwrap_or_default();
    if let (Some(server), Some(root)) = (&mut config.server, path.parent().and_then(Path::parent)) {
        server.ca_cert = server.ca_cert.take().map(|cert| root.join(cert));
    }
    Ok(config)
}

/// Reads a TOML file into `T`, with located errors; `None` when the file does not exist.
fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<Option<T>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("{}: cannot read", path.display())),
    };
    toml::from_str(&text).map(Some).map_err(|err| {
        let (line, column) = err.span().map_or((1, 1), |span| line_column(&text, span.start));
        anyhow!("{}:{line}:{column}: {}", path.display(), err.message().trim_end_matches('\n'))
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let praxis = dir.path().join(PRAXIS_DIR);
        std::fs::create_dir_all(praxis.join("practices")).unwrap();
        let nested = dir.path().join("src/deep");
        std::fs::create_dir_all(&nested).unwrap();

        let project = Project::discover(&nested).unwrap().unwrap();
        assert_eq!(project.root, dir.path());
        assert_eq!(project.practice_dirs(), vec![dir.path().join(".praxis/practices")]);

        std::fs::write(praxis.join(CONFIG_FILE), "[practices]\ndisable = [\"a\"]\n[severity]\nb = \"error\"\n")
            .unwrap();
        let project = Project::discover(dir.path()).unwrap().unwrap();
        assert_eq!(project.config.practices.disable, vec!["a"]);
        assert_eq!(project.config.severity["b"], Severity::Error);

        std::fs::write(praxis.join(CONFIG_FILE), "[practices]\npaths = [\"x\"]\n\n[severity]\nb = \"fatal\"\n")
            .unwrap();
        let err = Project::discover(dir.path()).unwrap_err().to_string();
        assert!(err.contains("config.toml:5:5: "), "{err}");
        assert!(err.contains("unknown variant `fatal`"), "{err}");
    }

    #[test]
    fn llm_settings_project_first_and_never_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let praxis = dir.path().join(PRAXIS_DIR);
        std::fs::create_dir_all(&praxis).unwrap();
        std::fs::write(praxis.join(CONFIG_FILE), "[llm]\nmodel = \"team-model\"\n").unwrap();
        let project = Project::discover(dir.path()).unwrap().unwrap();
        let user: UserConfig = toml::from_str(
            "[llm]\nprovider = \"azure\"\nbase_url = \"https://me.openai.azure.com\"\nmodel = \"mine\"\n",
        )
        .unwrap();
        let merged = LlmConfig::merged(project.config.llm.as_ref(), user.llm.as_ref());
        let settings = merged.settings().unwrap();
        assert_eq!(
            (settings.provider, settings.base_url.as_str(), settings.model.as_str()),
            (LlmProvider::Azure, "https://me.openai.azure.com", "team-model")
        );
        let err = LlmConfig::merged(project.config.llm.as_ref(), None).settings().unwrap_err().to_string();
        assert!(err.contains("set `base_url` under [llm]"), "{err}");

        std::fs::write(praxis.join(CONFIG_FILE), "[llm]\nmodel = \"m\"\nkey = \"sk-in-the-repo\"\n").unwrap();
        let err = Project::discover(dir.path()).unwrap_err().to_string();
        assert!(err.contains("config.toml:3:7: [llm] key: a key is never read from a config file"), "{err}");
        assert!(!err.contains("sk-in-the-repo"), "{err}");
        assert!(toml::from_str::<UserConfig>("[llm]\nkey = \"k\"\n").is_err());
    }
}
