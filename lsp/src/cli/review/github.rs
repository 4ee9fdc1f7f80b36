//! A GitHub pull request through the REST API: its head and base, its files with their
//! patches, contents at a commit, Praxis's earlier review comments, one review holding the new
//! line comments, and the commit status. Threads are resolved through the GraphQL API, since
//! REST cannot; when that fails the review says so and goes on.

use std::collections::HashSet;

use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde_json::{Value, json};

use super::body::Flavour;
use super::flow::{Change, ChangedFile, Comment, Earlier, Host};
use super::http::{Api, MAX_PAGES, check_address, encode, secret_header, text};
use crate::files::MAX_FILE_BYTES;
use crate::report;

/// One pull request of one repository.
pub struct GitHub {
    api: Api,
    /// `/repos/owner/name`.
    repo_path: String,
    owner: String,
    name: String,
    number: u64,
    graphql_url: String,
}

impl GitHub {
    /// Pull request `number` of `repo` (`owner/name`) on the API at `api_url`, with `token`
    /// when there is one; `graphql_url` is where threads are resolved.
    pub fn new(
        api_url: &str,
        graphql_url: &str,
        repo: &str,
        number: u64,
        token: Option<String>,
    ) -> anyhow::Result<GitHub> {
        let Some((owner, name)) =
            repo.split_once('/').filter(|(owner, name)| !owner.is_empty() && !name.is_empty() && !name.contains('/'))
        else {
            anyhow::bail!("github: the repository `{repo}` is not owner/name");
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/vnd.github+json"));
        headers.insert("x-github-api-version", HeaderValue::from_static("2022-11-28"));
        if let Some(token) = &token {
            headers.insert(header::AUTHORIZATION, secret_header(&format!("Bearer {token}"))?);
        }
        let api = Api::new("github", api_url, headers, token)?;
        check_address("github", graphql_url)?;
        Ok(GitHub {
            api,
            repo_path: format!("/repos/{}/{}", encode(owner, false), encode(name, false)),
            owner: owner.to_owned(),
            name: name.to_owned(),
            number,
            graphql_url: graphql_url.to_owned(),
        })
    }

    fn pull_path(&self) -> String {
        format!("{}/pulls/{}", self.repo_path, self.number)
    }

    /// Resolves the open threads whose first comment carries a key of `keys`.
    async fn resolve_threads(&self, keys: &HashSet<&str>) -> Result<usize, String> {
        const THREADS: &str = "query($owner: String!, $name: String!, $number: Int!, $after: String) { \
            repository(owner: $owner, name: $name) { pullRequest(number: $number) { \
            reviewThreads(first: 100, after: $after) { pageInfo { hasNextPage endCursor } \
            nodes { id isResolved comments(first: 1) { nodes { body } } } } } } }";
        const RESOLVE: &str =
            "mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { id isResolved } } }";
        let mut open = Vec::new();
        let mut after = Value::Null;
        for page in 0.. {
            if page == MAX_PAGES {
                return Err(format!("the pull request has more than {MAX_PAGES} pages of review threads"));
            }
            let variables = json!({"owner": self.owner, "name": self.name, "number": self.number, "after": after});
            let data = self.graphql(THREADS, variables).await?;
            let threads =
                data.pointer("/repository/pullRequest/reviewThreads").ok_or("no reviewThreads in the answer")?;
            for thread in threads.get("nodes").and_then(Value::as_array).into_iter().flatten() {
                let resolved = thread.get("isResolved").and_then(Value::as_bool).unwrap_or(true);
                let body = thread.pointer("/comments/nodes/0/body").and_then(Value::as_str).unwrap_or_default();
                let id = thread.get("id").and_then(Value::as_str);
                if let (false, Some(key), Some(id)) = (resolved, super::body::key_in(body), id)
                    && keys.contains(key)
                {
                    open.push(id.to_owned());
                }
            }
            let info = threads.get("pageInfo");
            let more = info.and_then(|info| info.get("hasNextPage")).and_then(Value::as_bool).unwrap_or(false);
            match info.and_then(|info| info.get("endCursor")).filter(|cursor| cursor.is_string()) {
                Some(cursor) if more => after = cursor.clone(),
                _ => break,
            }
        }
        for id in &open {
            self.graphql(RESOLVE, json!({"id": id})).await?;
        }
        Ok(open.len())
    }

    /// One GraphQL call; its `data`, or why it failed.
    async fn graphql(&self, query: &str, variables: Value) -> Result<Value, String> {
        let body = json!({"query": query, "variables": variables});
        let answer =
            self.api.send_json(Method::POST, &self.graphql_url, Some(&body)).await.map_err(|err| err.message)?;
        if let Some(errors) = answer.get("errors").and_then(Value::as_array).filter(|errors| !errors.is_empty()) {
            let message = errors
                .iter()
                .map(|error| error.get("message").and_then(Value::as_str).unwrap_or("error").to_owned())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(self.api.scrub(&message));
        }
        answer.get("data").cloned().ok_or_else(|| "the answer has no data".to_owned())
    }
}

impl Host for GitHub {
    fn name(&self) -> &'static str {
        "github"
    }

    fn flavour(&self) -> Flavour {
        Flavour::GitHub
    }

    async fn change(&self) -> anyhow::Result<Change> {
        let pull = self.api.get_json(&self.pull_path()).await?;
        let sha = |side: &str| pull.pointer(&format!("/{side}/sha")).and_then(Value::as_str).unwrap_or("").to_owned();
        let (head_sha, base_sha) = (sha("head"), sha("base"));
        if head_sha.is_empty() || base_sha.is_empty() {
            anyhow::bail!("github: pull request {} has no head.sha or base.sha", self.number);
        }
        let listed = self.api.get_all(&format!("{}/files?per_page=100", self.pull_path())).await?;
        let files = listed
            .iter()
            .filter_map(|file| {
                let path = text(file, "filename");
                if path.is_empty() {
                    return None;
                }
                let status = text(file, "status");
                Some(ChangedFile {
                    old_path: Some(text(file, "previous_filename"))
                        .filter(|old| !old.is_empty())
                        .unwrap_or_else(|| path.clone()),
                    path,
                    deleted: status == "removed",
                    added: status == "added",
                    patch: file.get("patch").and_then(Value::as_str).map(str::to_owned),
                })
            })
            .collect();
        Ok(Change { start_sha: base_sha.clone(), base_sha, head_sha, files })
    }

    async fn content(&self, path: &str, sha: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let url = format!("{}/contents/{}?ref={}", self.repo_path, encode(path, true), encode(sha, false));
        Ok(self.api.get_raw(&url, Some("application/vnd.github.raw+json"), MAX_FILE_BYTES as usize).await?)
    }

    async fn earlier(&self) -> anyhow::Result<Vec<Earlier>> {
        let comments = self.api.get_all(&format!("{}/comments?per_page=100", self.pull_path())).await?;
        Ok(comments
            .iter()
            .filter_map(|comment| {
                let key = super::body::key_in(&text(comment, "body"))?.to_owned();
                let id = comment.get("id")?.to_string();
                let line = comment.get("line").or_else(|| comment.get("original_line")).and_then(Value::as_u64);
                let place = format!("{}:{}", text(comment, "path"), line.unwrap_or(0));
                Some(Earlier { key, id, resolved: None, place })
            })
            .collect())
    }

    async fn post(&self, change: &Change, comments: &[Comment]) -> anyhow::Result<()> {
        let comments: Vec<Value> = comments
            .iter()
            .map(|comment| {
                let mut value = json!({"path": comment.path, "side": "RIGHT", "body": comment.body});
                match &comment.placement.suggestion {
                    Some(suggestion) if suggestion.first < suggestion.last => {
                        value["start_line"] = suggestion.first.into();
                        value["start_side"] = "RIGHT".into();
                        value["line"] = suggestion.last.into();
                    }
                    _ => value["line"] = comment.placement.line(Flavour::GitHub).into(),
                }
                value
            })
            .collect();
        let count = comments.len();
        let body = json!({
            "commit_id": change.head_sha,
            "event": "COMMENT",
            "body": format!("Praxis: {count} new finding{} on the changed lines.", if count == 1 { "" } else { "s" }),
            "comments": comments,
        });
        self.api.send_json(Method::POST, &format!("{}/reviews", self.pull_path()), Some(&body)).await?;
        Ok(())
    }

    async fn resolve(&self, gone: &[Earlier]) -> anyhow::Result<usize> {
        let keys: HashSet<&str> = gone.iter().map(|earlier| earlier.key.as_str()).collect();
        match self.resolve_threads(&keys).await {
            Ok(resolved) => Ok(resolved),
            Err(reason) => {
                report::warning_line(&format!(
                    "github: cannot resolve the threads whose finding is gone (GraphQL): {}",
                    self.api.scrub(&reason)
                ));
                Ok(0)
            }
        }
    }

    async fn status(&self, change: &Change, passed: bool, description: &str) -> anyhow::Result<()> {
        let body = json!({
            "state": if passed { "success" } else { "failure" },
            "context": "praxis",
            "description": description,
        });
        let path = format!("{}/statuses/{}", self.repo_path, encode(&change.head_sha, false));
        self.api.send_json(Method::POST, &path, Some(&body)).await?;
        Ok(())
    }
}
