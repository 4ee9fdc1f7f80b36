//! `praxis review --gitlab | --github`: a merge request read through the host's REST API, in
//! memory (no clone, nothing written), checked with the practices `praxis check` would use, and
//! commented on where its added lines break them, with a commit status. This file reads the
//! arguments and the CI variables and loads the practices; `flow` is the review, `gitlab` and
//! `github` speak each host's API through `http`.

mod body;
mod flow;
mod github;
mod gitlab;
mod http;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::{Exit, FailOn, PracticeArgs};
use crate::git::Repo;
use crate::practices;
use crate::report;

/// The largest `GITHUB_EVENT_PATH` file read.
const MAX_EVENT_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("host").required(true).args(["gitlab", "github"])))]
pub struct ReviewArgs {
    /// Review a GitLab merge request: GitLab CI's CI_API_V4_URL, CI_PROJECT_ID and
    /// CI_MERGE_REQUEST_IID (or --api-url, --project, --mr), token in PRAXIS_GITLAB_TOKEN.
    #[arg(long)]
    pub gitlab: bool,
    /// Review a GitHub pull request: GitHub Actions' GITHUB_API_URL, GITHUB_REPOSITORY and the
    /// event at GITHUB_EVENT_PATH (or --api-url, --repo, --pr), token in GITHUB_TOKEN.
    #[arg(long)]
    pub github: bool,
    /// The host's REST API root (GitLab: https://gitlab.example.com/api/v4).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// GitLab: the project's id or path (group/name).
    #[arg(long, value_name = "ID", requires = "gitlab")]
    pub project: Option<String>,
    /// GitLab: the merge request's iid.
    #[arg(long, value_name = "IID", requires = "gitlab")]
    pub mr: Option<u64>,
    /// GitHub: the repository, owner/name.
    #[arg(long, value_name = "OWNER/NAME", requires = "github")]
    pub repo: Option<String>,
    /// GitHub: the pull request's number.
    #[arg(long, value_name = "N", requires = "github")]
    pub pr: Option<u64>,
    #[command(flatten)]
    pub practices: PracticeArgs,
    /// The lowest severity, on added lines, that makes the exit code 1 and the status failed.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Print what would be posted, resolved and set; post nothing (no token needed where the
    /// host allows anonymous reads).
    #[arg(long)]
    pub dry_run: bool,
    /// Do not contact the team's server: use the practices cached by the last pull.
    #[arg(long)]
    pub offline: bool,
}

/// A CI variable, when set and not empty.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}

/// Where a host's settings come from, for messages.
fn missing(host: &str, what: &str, variable: &str, flag: &str) -> anyhow::Error {
    anyhow::anyhow!("{host}: no {what}: set {variable} or pass {flag}")
}

pub fn run(args: &ReviewArgs) -> anyhow::Result<Exit> {
    let host = if args.gitlab { gitlab_host(args)? } else { github_host(args)? };
    let secret = host.secret();
    let start = PathBuf::from(".");
    let (server, _session) = super::sync::follow_run(&start, !args.offline)?;
    let loaded = practices::load(&args.practices, &start, server.as_ref())?;
    for warning in &loaded.warnings {
        report::warning_line(warning);
    }
    for note in &loaded.notes {
        report::note_line(note);
    }
    if !loaded.errors.is_empty() {
        // A review with some practices missing would resolve their discussions as gone.
        for error in &loaded.errors {
            report::error_line(&error.to_string());
        }
        report::error_line("the practices have errors; nothing was reviewed");
        return Ok(Exit::Usage);
    }
    let root = loaded.root()?;
    let prefix = match Repo::discover(&root) {
        Some(repo) => flow::project_prefix(&repo.top, &root)?,
        None => String::new(),
    };
    let options = flow::Options { loaded: &loaded, prefix, dry_run: args.dry_run, fail_on: args.fail_on.threshold() };
    let reviewed = crate::remote::block_on(async {
        match &host {
            Configured::GitLab(gitlab) => flow::review(gitlab, &options).await,
            Configured::GitHub(github) => flow::review(github, &options).await,
        }
    })?;
    // Whatever went wrong, the message is shown without the token.
    let outcome = reviewed.map_err(|err| anyhow::anyhow!(http::scrub(&format!("{err:#}"), secret.as_deref())))?;
    for failure in &outcome.failures {
        report::error_line(failure);
    }
    Ok(if !outcome.failures.is_empty() {
        Exit::Usage
    } else if outcome.failing {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// The host the arguments and the environment name.
enum Configured {
    GitLab(gitlab::GitLab),
    GitHub(github::GitHub),
}

impl Configured {
    fn secret(&self) -> Option<String> {
        match self {
            Configured::GitLab(_) => var("PRAXIS_GITLAB_TOKEN"),
            Configured::GitHub(_) => var("GITHUB_TOKEN"),
        }
    }
}

fn gitlab_host(args: &ReviewArgs) -> anyhow::Result<Configured> {
    let api_url = args
        .api_url
        .clone()
        .or_else(|| var("CI_API_V4_URL"))
        .ok_or_else(|| missing("gitlab", "API address", "CI_API_V4_URL", "--api-url"))?;
    let project = args
        .project
        .clone()
        .or_else(|| var("CI_PROJECT_ID"))
        .ok_or_else(|| missing("gitlab", "project", "CI_PROJECT_ID", "--project"))?;
    let mr = match (args.mr, var("CI_MERGE_REQUEST_IID")) {
        (Some(mr), _) => mr,
        (None, Some(iid)) => iid
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("gitlab: CI_MERGE_REQUEST_IID is `{iid}`, not a merge request iid"))?,
        (None, None) => {
            bail!(
                "gitlab: no merge request: set CI_MERGE_REQUEST_IID (GitLab sets it in merge request pipelines) or pass --mr"
            )
        }
    };
    let token = var("PRAXIS_GITLAB_TOKEN");
    if token.is_none() && !args.dry_run {
        bail!("gitlab: no token: set PRAXIS_GITLAB_TOKEN (a project access token with the api scope)");
    }
    Ok(Configured::GitLab(gitlab::GitLab::new(&api_url, &project, mr, token)?))
}

fn github_host(args: &ReviewArgs) -> anyhow::Result<Configured> {
    let api_url =
        args.api_url.clone().or_else(|| var("GITHUB_API_URL")).unwrap_or_else(|| "https://api.github.com".into());
    let graphql_url = match (&args.api_url, var("GITHUB_GRAPHQL_URL")) {
        (None, Some(url)) => url,
        _ => format!("{}/graphql", api_url.trim_end_matches('/')),
    };
    let repo = args
        .repo
        .clone()
        .or_else(|| var("GITHUB_REPOSITORY"))
        .ok_or_else(|| missing("github", "repository", "GITHUB_REPOSITORY", "--repo"))?;
    let pr = match (args.pr, var("GITHUB_EVENT_PATH")) {
        (Some(pr), _) => pr,
        (None, Some(path)) => pull_request_of(Path::new(&path))?,
        (None, None) => bail!("github: no pull request: set GITHUB_EVENT_PATH (GitHub Actions sets it) or pass --pr"),
    };
    let token = var("GITHUB_TOKEN");
    if token.is_none() && !args.dry_run {
        bail!("github: no token: set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: ${{{{ github.token }}}}`)");
    }
    Ok(Configured::GitHub(github::GitHub::new(&api_url, &graphql_url, &repo, pr, token)?))
}

/// `.pull_request.number` of the workflow's event.
fn pull_request_of(path: &Path) -> anyhow::Result<u64> {
    let shown = path.display();
    let meta =
        std::fs::metadata(path).with_context(|| format!("github: cannot read the event GITHUB_EVENT_PATH={shown}"))?;
    if meta.len() > MAX_EVENT_BYTES {
        bail!("github: the event GITHUB_EVENT_PATH={shown} is larger than {} MiB", MAX_EVENT_BYTES >> 20);
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("github: cannot read the event GITHUB_EVENT_PATH={shown}"))?;
    let event: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| anyhow::anyhow!("github: the event GITHUB_EVENT_PATH={shown} is not JSON: {err}"))?;
    event.pointer("/pull_request/number").and_then(serde_json::Value::as_u64).ok_or_else(|| {
        anyhow::anyhow!(
            "github: the event GITHUB_EVENT_PATH={shown} is not a pull request's (run the job `on: pull_request`) or pass --pr"
        )
    })
}
