//! A GitLab merge request through REST API v4: its `diff_refs` and diffs, file contents at the
//! head commit, Praxis's earlier discussions, new discussions positioned on their lines,
//! resolving, and the commit status. The token goes in `PRIVATE-TOKEN`.

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use super::body::Flavour;
use super::flow::{Change, ChangedFile, Comment, Earlier, Host};
use super::http::{Api, encode, secret_header, text};
use crate::files::MAX_FILE_BYTES;

/// One merge request of one project.
pub struct GitLab {
    api: Api,
    /// `/projects/:id/merge_requests/:iid`, the id encoded.
    mr_path: String,
    /// `/projects/:id`.
    project_path: String,
}

impl GitLab {
    /// The merge request `mr` of `project` (an id or a `group/name` path) on the API at
    /// `api_url`, with `token` when there is one.
    pub fn new(api_url: &str, project: &str, mr: u64, token: Option<String>) -> anyhow::Result<GitLab> {
        let mut headers = HeaderMap::new();
        if let Some(token) = &token {
            headers.insert("private-token", secret_header(token)?);
        }
        let api = Api::new("gitlab", api_url, headers, token)?;
        let project_path = format!("/projects/{}", encode(project, false));
        Ok(GitLab { api, mr_path: format!("{project_path}/merge_requests/{mr}"), project_path })
    }
}

impl Host for GitLab {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn flavour(&self) -> Flavour {
        Flavour::GitLab
    }

    async fn change(&self) -> anyhow::Result<Change> {
        let mr = self.api.get_json(&self.mr_path).await?;
        let refs = mr.get("diff_refs").filter(|refs| refs.is_object());
        let Some(refs) = refs else {
            anyhow::bail!(
                "gitlab: merge request {} has no diff_refs yet; try again when GitLab has made its diff",
                self.mr_path
            );
        };
        let (base_sha, head_sha, start_sha) = (text(refs, "base_sha"), text(refs, "head_sha"), text(refs, "start_sha"));
        if head_sha.is_empty() || base_sha.is_empty() {
            anyhow::bail!("gitlab: the diff_refs of {} lack base_sha or head_sha", self.mr_path);
        }
        let diffs = self.api.get_all(&format!("{}/diffs?per_page=100", self.mr_path)).await?;
        let files = diffs
            .iter()
            .filter_map(|diff| {
                let path = text(diff, "new_path");
                if path.is_empty() {
                    return None;
                }
                let flag = |key: &str| diff.get(key).and_then(Value::as_bool).unwrap_or(false);
                let patch = text(diff, "diff");
                // An empty diff of a file GitLab found too large or collapsed: no diff given.
                let given = !patch.is_empty() || !(flag("too_large") || flag("collapsed"));
                Some(ChangedFile {
                    old_path: Some(text(diff, "old_path"))
                        .filter(|old| !old.is_empty())
                        .unwrap_or_else(|| path.clone()),
                    path,
                    deleted: flag("deleted_file"),
                    added: flag("new_file"),
                    patch: given.then_some(patch),
                })
            })
            .collect();
        Ok(Change { base_sha, head_sha, start_sha, files })
    }

    async fn content(&self, path: &str, sha: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let url =
            format!("{}/repository/files/{}/raw?ref={}", self.project_path, encode(path, false), encode(sha, false));
        Ok(self.api.get_raw(&url, None, MAX_FILE_BYTES as usize).await?)
    }

    async fn earlier(&self) -> anyhow::Result<Vec<Earlier>> {
        let discussions = self.api.get_all(&format!("{}/discussions?per_page=100", self.mr_path)).await?;
        let mut earlier = Vec::new();
        for discussion in &discussions {
            let Some(note) = discussion.get("notes").and_then(Value::as_array).and_then(|notes| notes.first()) else {
                continue;
            };
            let Some(key) = super::body::key_in(&text(note, "body")).map(str::to_owned) else { continue };
            let id = match discussion.get("id") {
                Some(Value::String(id)) => id.clone(),
                Some(Value::Number(id)) => id.to_string(),
                _ => continue,
            };
            let position = note.get("position");
            let place = match position {
                Some(position) => format!(
                    "{}:{}",
                    text(position, "new_path"),
                    position.get("new_line").and_then(Value::as_u64).unwrap_or(0)
                ),
                None => "the merge request".to_owned(),
            };
            earlier.push(Earlier { key, id, resolved: note.get("resolved").and_then(Value::as_bool), place });
        }
        Ok(earlier)
    }

    async fn post(&self, change: &Change, comments: &[Comment]) -> anyhow::Result<()> {
        for comment in comments {
            let body = json!({
                "body": comment.body,
                "position": {
                    "position_type": "text",
                    "base_sha": change.base_sha,
                    "start_sha": change.start_sha,
                    "head_sha": change.head_sha,
                    "old_path": comment.old_path,
                    "new_path": comment.path,
                    "new_line": comment.placement.anchor,
                },
            });
            self.api.send_json(Method::POST, &format!("{}/discussions", self.mr_path), Some(&body)).await?;
        }
        Ok(())
    }

    async fn resolve(&self, gone: &[Earlier]) -> anyhow::Result<usize> {
        for earlier in gone {
            let path = format!("{}/discussions/{}?resolved=true", self.mr_path, encode(&earlier.id, false));
            self.api.send_json(Method::PUT, &path, None).await?;
        }
        Ok(gone.len())
    }

    async fn status(&self, change: &Change, passed: bool, description: &str) -> anyhow::Result<()> {
        let body = json!({
            "name": "praxis",
            "state": if passed { "success" } else { "failed" },
            "description": description,
        });
        let path = format!("{}/statuses/{}", self.project_path, encode(&change.head_sha, false));
        match self.api.send_json(Method::POST, &path, Some(&body)).await {
            Ok(_) => Ok(()),
            // GitLab refuses to set a status to the state it already has; that is done too.
            Err(err) if err.status == Some(400) && err.message.contains("Cannot transition status") => Ok(()),
            Err(err) => Err(err.into()),
        }
    }
}
