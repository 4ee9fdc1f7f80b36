//! `praxis agents install|uninstall claude-code|cursor`: Praxis's hooks in the agent's project
//! settings. Install merges them in, keeping every key and hook already there, and adds nothing
//! twice; uninstall takes out exactly the entries whose command is Praxis's, and the containers
//! that only held them.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

use super::super::Exit;
use super::hook::Agent;
use crate::project::Project;

/// How many times Cursor may continue the agent from the stop hook (its `loop_limit`).
const CURSOR_LOOP_LIMIT: u64 = 3;

impl Agent {
    /// The hook command, as the agent runs it.
    fn command(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "praxis agents hook claude-code",
            Agent::Cursor => "praxis agents hook cursor",
        }
    }

    /// The settings file, relative to the project root.
    fn settings(self) -> &'static str {
        match self {
            Agent::ClaudeCode => ".claude/settings.json",
            Agent::Cursor => ".cursor/hooks.json",
        }
    }

    /// Each hook event with the entry Praxis adds to its list.
    fn entries(self) -> Vec<(&'static str, Value)> {
        let command = self.command();
        match self {
            Agent::ClaudeCode => {
                let hook = json!([{"type": "command", "command": command}]);
                vec![
                    ("PostToolUse", json!({"matcher": "Write|Edit|MultiEdit", "hooks": hook})),
                    ("Stop", json!({"hooks": hook})),
                ]
            }
            Agent::Cursor => vec![
                ("afterFileEdit", json!({"command": command})),
                ("stop", json!({"command": command, "loop_limit": CURSOR_LOOP_LIMIT})),
            ],
        }
    }

    /// Whether `entry` (an item of an event's list) runs Praxis's command.
    fn is_ours(self, entry: &Value) -> bool {
        match self {
            Agent::ClaudeCode => entry["hooks"]
                .as_array()
                .is_some_and(|hooks| hooks.iter().any(|hook| hook["command"] == self.command())),
            Agent::Cursor => entry["command"] == self.command(),
        }
    }
}

pub fn install(agent: Agent) -> anyhow::Result<Exit> {
    let path = settings_path(agent)?;
    let mut settings = read(&path)?;
    let changed = add(agent, &mut settings)?;
    finish(&path, &settings, changed, "installed Praxis's hooks in", "Praxis's hooks are already in")
}

pub fn uninstall(agent: Agent) -> anyhow::Result<Exit> {
    let path = settings_path(agent)?;
    if !path.exists() {
        writeln!(std::io::stdout().lock(), "nothing to remove: there is no {}", path.display())?;
        return Ok(Exit::Clean);
    }
    let mut settings = read(&path)?;
    let changed = remove(agent, &mut settings)?;
    finish(&path, &settings, changed, "removed Praxis's hooks from", "Praxis's hooks are not in")
}

fn finish(path: &Path, settings: &Value, changed: bool, done: &str, already: &str) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    if changed {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(settings)? + "\n";
        let temporary = path.with_extension("json.praxis-tmp");
        std::fs::write(&temporary, text).with_context(|| format!("cannot write {}", temporary.display()))?;
        std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(out, "{done} {}", path.display())?;
    } else {
        writeln!(out, "{already} {}", path.display())?;
    }
    Ok(Exit::Clean)
}

/// The agent's settings file in the project (the folder holding `.praxis/`, else here).
fn settings_path(agent: Agent) -> anyhow::Result<PathBuf> {
    let root = match Project::discover(Path::new("."))? {
        Some(project) => project.root,
        None => std::env::current_dir()?,
    };
    Ok(root.join(agent.settings()))
}

/// The settings as they are: an empty object when there is no file; an error (and nothing
/// written) when the file is not a JSON object.
fn read(path: &Path) -> anyhow::Result<Value> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(json!({})),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON; fix it first, Praxis changed nothing", path.display()))?;
    if !value.is_object() {
        bail!("{} is not a JSON object; Praxis changed nothing", path.display());
    }
    Ok(value)
}

/// The event lists under `hooks`, created when missing; an error when something else is there.
fn hook_lists<'a>(agent: Agent, settings: &'a mut Value, path: &str) -> anyhow::Result<&'a mut Map<String, Value>> {
    let root = settings.as_object_mut().context("not an object")?;
    if agent == Agent::Cursor {
        root.entry("version").or_insert(json!(1));
    }
    match root.entry("hooks").or_insert_with(|| json!({})) {
        Value::Object(hooks) => Ok(hooks),
        _ => bail!("`hooks` in {path} is not an object; Praxis changed nothing"),
    }
}

/// Adds Praxis's entry to each event's list, unless one is there; returns whether anything
/// changed.
fn add(agent: Agent, settings: &mut Value) -> anyhow::Result<bool> {
    let before = settings.clone();
    let hooks = hook_lists(agent, settings, agent.settings())?;
    for (event, entry) in agent.entries() {
        let Value::Array(list) = hooks.entry(event).or_insert_with(|| json!([])) else {
            bail!("`hooks.{event}` in {} is not a list; Praxis changed nothing", agent.settings());
        };
        if !list.iter().any(|existing| agent.is_ours(existing)) {
            list.push(entry);
        }
    }
    Ok(*settings != before)
}

/// Takes Praxis's entries out, and each list and `hooks` object left empty by that; returns
/// whether anything changed.
fn remove(agent: Agent, settings: &mut Value) -> anyhow::Result<bool> {
    let Some(Value::Object(hooks)) = settings.get_mut("hooks") else { return Ok(false) };
    let mut changed = false;
    for (event, _) in agent.entries() {
        let Some(Value::Array(list)) = hooks.get_mut(event) else { continue };
        let before = list.len();
        list.retain(|entry| !agent.is_ours(entry));
        if list.len() != before {
            changed = true;
            if list.is_empty() {
                hooks.remove(event);
            }
        }
    }
    if changed && hooks.is_empty() {
        settings.as_object_mut().map(|root| root.remove("hooks"));
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_keeps_other_hooks_and_uninstall_takes_only_its_own() {
        let original = json!({
            "permissions": {"allow": ["Bash(npm test)"]},
            "hooks": {"PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "prettier"}]}]},
        });
        let mut settings = original.clone();
        assert!(add(Agent::ClaudeCode, &mut settings).unwrap());
        let post = settings["hooks"]["PostToolUse"].as_array().unwrap();
        assert_eq!(post.len(), 2);
        assert_eq!(post[0]["hooks"][0]["command"], "prettier");
        assert_eq!(settings["hooks"]["Stop"][0]["hooks"][0]["command"], "praxis agents hook claude-code");
        assert_eq!(settings["permissions"], original["permissions"]);
        let installed = settings.clone();
        assert!(!add(Agent::ClaudeCode, &mut settings).unwrap(), "installing twice adds nothing");
        assert_eq!(settings, installed);
        assert!(remove(Agent::ClaudeCode, &mut settings).unwrap());
        assert_eq!(settings, original, "uninstall gives back what was there");
        assert!(!remove(Agent::ClaudeCode, &mut settings).unwrap());

        let mut empty = json!({});
        add(Agent::Cursor, &mut empty).unwrap();
        assert_eq!(empty["version"], 1);
        assert_eq!(empty["hooks"]["stop"][0]["loop_limit"], CURSOR_LOOP_LIMIT);
        remove(Agent::Cursor, &mut empty).unwrap();
        assert_eq!(empty, json!({"version": 1}));

        let mut odd = json!({"hooks": []});
        assert!(add(Agent::ClaudeCode, &mut odd).is_err());
    }
}
