//! `praxis review --gitlab | --github` end to end: the real binary against fake GitLab and
//! GitHub APIs on loopback (`support/githost.rs`), in a temporary copy of a small project. What
//! is posted, where, with which suggestion; nothing twice; fixed findings resolved; the status;
//! pagination and rate limits; no clone or archive; the token in no output; `--dry-run`;
//! errors on one line; and the CI jobs of docs/review.md run as written.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::githost::{FakeFile, FakeGitHub, FakeGitLab, Request, State};
use support::{Run, binary, git, praxis_command, readme};

const GITLAB_TOKEN: &str = "glpat-s3cr3t-Tok3n";
const GITHUB_TOKEN: &str = "ghs_s3cr3tGitHubTok3n";

/// Every CI variable `review` reads: removed from each run, then set as a test chooses.
const CI_VARIABLES: &[&str] = &[
    "CI_API_V4_URL",
    "CI_PROJECT_ID",
    "CI_MERGE_REQUEST_IID",
    "PRAXIS_GITLAB_TOKEN",
    "GITHUB_API_URL",
    "GITHUB_GRAPHQL_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_EVENT_PATH",
    "GITHUB_TOKEN",
    "GITHUB_BASE_REF",
];

const NO_CONSOLE_LOG: &str = r#"id: no-console-log
name: Log through the logger
description: |
  Console output is lost in production; `logger` keeps the level and the context.
severity: warning
languages: [typescript]
message: Use logger.info instead of console.log
rule:
  pattern: console.log($$$ARGS)
fix: logger.info($$$ARGS)
examples:
  bad: [{code: 'console.log("user", id)'}]
  good: [{code: 'logger.info("user", id)'}]
"#;

const NO_BARE_EXCEPT: &str = r#"id: no-bare-except
name: Catch specific exceptions
description: |
  A bare `except:` also catches `KeyboardInterrupt` and `SystemExit`.
severity: error
languages: [python]
message: "Bare `except:` catches everything; name the exception"
rule:
  kind: except_clause
  not:
    has:
      field: value
      pattern: $EXCEPTION
examples:
  bad: [{code: "try:\n    x()\nexcept:\n    pass\n"}]
  good: [{code: "try:\n    x()\nexcept KeyError:\n    pass\n"}]
"#;

const APP_BASE: &str =
    "import { logger } from \"./logger\";\nconsole.log(\"old\");\nexport function f(id: number) {\n  return id;\n}\n";
const APP_HEAD: &str = "import { logger } from \"./logger\";\nconsole.log(\"old\");\nexport function f(id: number) {\n  console.log(\"user\", id);\n  return id;\n}\n";
const APP_FIXED: &str = "import { logger } from \"./logger\";\nconsole.log(\"old\");\nexport function f(id: number) {\n  logger.info(\"user\", id);\n  return id;\n}\n";
const JOB: &str = "try:\n    run()\nexcept:\n    pass\n";
const MULTI: &str = "export function g(b: number) {\n  console.log(\"a\",\n    b);\n}\n";
const UTIL_BASE: &str = "export const a = 1;\n";
const UTIL_HEAD: &str = "export const a = 1;\nconsole.log(a);\n";
const BIG_BASE: &str = "export const big = 1;\n";
const BIG_HEAD: &str = "export const big = 1;\nconsole.log(big);\n";

fn app_diff(line: &str) -> String {
    format!(
        "@@ -1,5 +1,6 @@\n import {{ logger }} from \"./logger\";\n console.log(\"old\");\n export function f(id: number) {{\n+{line}\n   return id;\n }}\n"
    )
}

fn added_diff(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut diff = format!("@@ -0,0 +1,{} @@\n", lines.len());
    for line in lines {
        diff.push_str(&format!("+{line}\n"));
    }
    diff
}

/// A temporary project with the two practices (outside any Git repository).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".praxis/practices/no-console-log.yaml", NO_CONSOLE_LOG);
    write(dir.path(), ".praxis/practices/no-bare-except.yaml", NO_BARE_EXCEPT);
    dir
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The change both fakes serve: a modified file with a finding on an added line and one on an
/// unchanged line, a new Python file, a new file with a two-line finding, a renamed file, a
/// deleted file and files no practice checks (none of which has content to fetch).
fn change(state: &mut State) {
    let head = state.head_sha.clone();
    let base = state.base_sha.clone();
    state.files = vec![
        FakeFile::modified("src/app.ts", &app_diff("  console.log(\"user\", id);")),
        FakeFile::added("tools/job.py", &added_diff(JOB)),
        FakeFile::added("src/multi.ts", &added_diff(MULTI)),
        FakeFile::renamed("lib/helpers.ts", "lib/util.ts", "@@ -1 +1,2 @@\n export const a = 1;\n+console.log(a);\n"),
        FakeFile::deleted("old.ts", "@@ -1 +0,0 @@\n-console.log(1);\n"),
        FakeFile::modified("README.md", "@@ -1 +1 @@\n-a\n+b\n"),
        FakeFile::modified("scripts/deploy.rb", "@@ -1 +1 @@\n-a\n+b\n"),
    ];
    for (path, text) in
        [("src/app.ts", APP_HEAD), ("tools/job.py", JOB), ("src/multi.ts", MULTI), ("lib/util.ts", UTIL_HEAD)]
    {
        state.set_content(&head, path, text);
    }
    state.set_content(&base, "src/app.ts", APP_BASE);
    state.set_content(&base, "lib/helpers.ts", UTIL_BASE);
}

/// The next push: the finding in src/app.ts fixed, everything else as it was.
fn fix_app(state: &mut State) {
    let head = "2".repeat(40);
    let old = std::mem::replace(&mut state.head_sha, head.clone());
    let moved: Vec<(String, String)> = state
        .contents
        .iter()
        .filter(|((sha, _), _)| *sha == old)
        .map(|((_, path), text)| (path.clone(), text.clone()))
        .collect();
    for (path, text) in moved {
        state.set_content(&head, &path, &text);
    }
    state.set_content(&head, "src/app.ts", APP_FIXED);
    state.files[0] = FakeFile::modified("src/app.ts", &app_diff("  logger.info(\"user\", id);"));
}

/// `praxis review` in `dir` with `env` and no CI variable of the test's own environment.
fn review(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = praxis_command();
    command.arg("review").args(args).current_dir(dir);
    for name in CI_VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("praxis runs").into()
}

fn gitlab_env(fake: &FakeGitLab) -> Vec<(&'static str, String)> {
    vec![
        ("CI_API_V4_URL", fake.api_url()),
        ("CI_PROJECT_ID", "42".into()),
        ("CI_MERGE_REQUEST_IID", "7".into()),
        ("PRAXIS_GITLAB_TOKEN", GITLAB_TOKEN.into()),
    ]
}

fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(name, value)| (*name, value.as_str())).collect()
}

#[track_caller]
fn assert_no_token(run: &Run, token: &str) {
    assert!(
        !run.stdout.contains(token) && !run.stderr.contains(token),
        "the token leaked:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}

/// The GitLab endpoints `review` may call; never a clone or an archive.
fn is_gitlab_endpoint(request: &Request) -> bool {
    let path = request.path();
    assert_no_clone(path);
    let Some(rest) = path.strip_prefix("/api/v4/projects/") else { return false };
    let segments: Vec<&str> = rest.split('/').collect();
    match (request.method.as_str(), &segments[1..]) {
        ("GET", ["merge_requests", _] | ["merge_requests", _, "diffs" | "discussions"]) => true,
        ("GET", ["repository", "files", _, "raw"]) => request.query("ref").is_some(),
        ("POST", ["merge_requests", _, "discussions"]) | ("POST", ["statuses", _]) => true,
        ("PUT", ["merge_requests", _, "discussions", _]) => true,
        _ => false,
    }
}

fn is_github_endpoint(request: &Request) -> bool {
    let path = request.path();
    assert_no_clone(path);
    if path == "/graphql" {
        return request.method == "POST";
    }
    let Some(rest) = path.strip_prefix("/repos/acme/shop/") else { return false };
    let segments: Vec<&str> = rest.split('/').collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["pulls", _] | ["pulls", _, "files" | "comments"]) => true,
        ("GET", ["contents", ..]) => request.query("ref").is_some(),
        ("POST", ["pulls", _, "reviews"] | ["statuses", _]) => true,
        _ => false,
    }
}

#[track_caller]
fn assert_no_clone(path: &str) {
    for word in ["archive", ".git", "tarball", "zipball"] {
        assert!(!path.contains(word), "{path} asks for a clone or an archive");
    }
}

/// The paths whose content was fetched, with the commit.
fn fetched(requests: &[Request], marker: &str) -> Vec<(String, String)> {
    let mut fetched: Vec<(String, String)> = requests
        .iter()
        .filter(|request| request.path().contains(marker))
        .map(|request| (support::githost::decode(request.path()), request.query("ref").unwrap_or_default()))
        .collect();
    fetched.sort();
    fetched
}

/// `(path, line, body)` of each GitLab discussion.
fn discussions(fake: &FakeGitLab) -> Vec<(String, u64, String, bool)> {
    let state = fake.state.lock().unwrap();
    state
        .discussions
        .iter()
        .map(|discussion| {
            let note = &discussion["notes"][0];
            (
                note["position"]["new_path"].as_str().unwrap().to_owned(),
                note["position"]["new_line"].as_u64().unwrap(),
                note["body"].as_str().unwrap().to_owned(),
                note["resolved"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn statuses(state: &State) -> Vec<(String, String, String)> {
    state
        .statuses
        .iter()
        .map(|status| {
            let state = status["state"].as_str().unwrap().to_owned();
            (state, status["description"].as_str().unwrap().to_owned(), status["sha"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn gitlab_review_posts_each_new_finding_once_on_its_line_resolves_fixed_ones_and_sets_the_status() {
    let dir = project();
    let mut state = State::new(GITLAB_TOKEN);
    change(&mut state);
    state.page_size = 2;
    state.throttle_once = Some("/api/v4/projects/42/merge_requests/7/discussions".into());
    state.unavailable_once = Some("/api/v4/projects/42/merge_requests/7".into());
    let fake = FakeGitLab::start(state);
    let env = gitlab_env(&fake);

    // First run: four comments, on added lines only, and the status failed (an error finding).
    let first = review(dir.path(), &["--gitlab"], &pairs(&env));
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert_no_token(&first, GITLAB_TOKEN);
    assert!(first.stderr.contains("note: gitlab: rate limited; waiting 1 s"), "{}", first.stderr);
    assert!(
        first.stderr.contains("note: gitlab: GET /projects/42/merge_requests/7 answered 503; trying again in 1 s"),
        "a read the host could not serve for a moment is tried again: {}",
        first.stderr
    );
    let posted = discussions(&fake);
    let places: Vec<(&str, u64)> = posted.iter().map(|(path, line, _, _)| (path.as_str(), *line)).collect();
    assert_eq!(places, [("lib/util.ts", 2), ("src/app.ts", 4), ("src/multi.ts", 2), ("tools/job.py", 3)]);
    let (_, _, app, _) = &posted[1];
    assert!(
        app.starts_with(
            "**warning** Use logger.info instead of console.log · Log through the logger (`no-console-log`)\n"
        ),
        "{app}"
    );
    assert!(
        app.contains("\nConsole output is lost in production; `logger` keeps the level and the context.\n"),
        "{app}"
    );
    assert!(app.contains("\n```suggestion:-0+0\n  logger.info(\"user\", id);\n```\n"), "{app}");
    assert!(app.contains("<!-- praxis:finding "), "{app}");
    assert!(posted[0].2.contains("```suggestion:-0+0\nlogger.info(a);\n```"), "{}", posted[0].2);
    assert!(posted[2].2.contains("```suggestion:-0+1\n  logger.info(\"a\",\n    b);\n```"), "{}", posted[2].2);
    assert!(
        !posted[3].2.contains("suggestion") && posted[3].2.starts_with("**error** Bare `except:`"),
        "{}",
        posted[3].2
    );
    {
        let state = fake.state.lock().unwrap();
        let renamed = &state.discussions[0]["notes"][0]["position"];
        assert_eq!(
            (renamed["old_path"].as_str(), renamed["base_sha"].as_str()),
            (Some("lib/helpers.ts"), Some(&*"b".repeat(40)))
        );
        assert_eq!(statuses(&state), [("failed".into(), "4 findings".into(), "1".repeat(40))]);
        assert_eq!(state.statuses[0]["name"], "praxis");
    }
    for line in ["commented on src/app.ts:4", "status praxis: failed (4 findings)"] {
        assert!(first.stdout.lines().any(|printed| printed == line), "{line}:\n{}", first.stdout);
    }
    let requests = fake.server.requests();
    assert!(requests.iter().all(is_gitlab_endpoint), "{requests:#?}");
    assert!(requests.iter().all(|request| request.header("private-token") == Some(GITLAB_TOKEN)));
    // Three pages of diffs (two files a page), by X-Next-Page; the 429 was tried again.
    let pages: Vec<String> =
        requests.iter().filter(|r| r.path().ends_with("/diffs")).map(|r| r.query("page").unwrap_or_default()).collect();
    assert_eq!(pages, ["", "2", "3", "4"]);
    assert_eq!(requests.iter().filter(|r| r.path().ends_with("/discussions") && r.method == "GET").count(), 2);
    // Only the files a practice checks, at the head commit; deleted files are not read.
    let head = "1".repeat(40);
    assert_eq!(
        fetched(&requests, "/repository/files/"),
        ["lib/util.ts", "src/app.ts", "src/multi.ts", "tools/job.py"]
            .map(|path| (format!("/api/v4/projects/42/repository/files/{path}/raw"), head.clone()))
    );

    // Second run: nothing new (the earlier discussions are read over two pages, by Link).
    fake.server.clear();
    let second = review(dir.path(), &["--gitlab", "--fail-on", "never"], &pairs(&env));
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    assert_eq!(discussions(&fake).len(), 4);
    let requests = fake.server.requests();
    assert!(!requests.iter().any(|r| r.method == "POST" && r.path().ends_with("/discussions")));
    assert!(requests.iter().any(|r| r.target.contains("/discussions?page=2&per_page=100")), "{requests:#?}");
    assert_eq!(statuses(&fake.state.lock().unwrap())[1], ("success".into(), "4 findings".into(), head));

    // A push fixes the finding in src/app.ts: its discussion, and only it, is resolved.
    fix_app(&mut fake.state.lock().unwrap());
    let third = review(dir.path(), &["--gitlab"], &pairs(&env));
    assert_eq!(third.code, 1, "{}\n{}", third.stdout, third.stderr);
    let after: Vec<(String, bool)> =
        discussions(&fake).into_iter().map(|(path, _, _, resolved)| (path, resolved)).collect();
    assert_eq!(
        after,
        [("lib/util.ts", false), ("src/app.ts", true), ("src/multi.ts", false), ("tools/job.py", false)]
            .map(|(path, resolved)| (path.to_owned(), resolved))
    );
    assert!(third.stdout.contains("resolved 1 discussion whose finding is gone"), "{}", third.stdout);
    assert_eq!(statuses(&fake.state.lock().unwrap())[2], ("failed".into(), "3 findings".into(), "2".repeat(40)));
    assert_no_token(&second, GITLAB_TOKEN);
    assert_no_token(&third, GITLAB_TOKEN);
}

#[test]
fn gitlab_dry_run_only_reads_needs_no_token_and_prints_what_it_would_post() {
    let dir = project();
    let mut state = State::new(GITLAB_TOKEN);
    change(&mut state);
    state.anonymous_reads = true;
    let fake = FakeGitLab::start(state);
    let env: Vec<(&'static str, String)> =
        gitlab_env(&fake).into_iter().filter(|(name, _)| *name != "PRAXIS_GITLAB_TOKEN").collect();
    let run = review(dir.path(), &["--gitlab", "--dry-run"], &pairs(&env));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let requests = fake.server.requests();
    assert!(!requests.is_empty() && requests.iter().all(|request| request.method == "GET"), "{requests:#?}");
    let state = fake.state.lock().unwrap();
    assert!(state.discussions.is_empty() && state.statuses.is_empty());
    for line in [
        "would comment on src/app.ts:4",
        "    ```suggestion:-0+0",
        "      logger.info(\"user\", id);",
        "would comment on tools/job.py:3",
        "would set the status praxis to failed: 4 findings",
    ] {
        assert!(run.stdout.lines().any(|printed| printed == line), "{line:?} in:\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("src/app.ts:2"), "an unchanged line: {}", run.stdout);
}

#[test]
fn gitlab_errors_are_one_line_with_exit_code_2_and_never_show_the_token() {
    let dir = project();
    let mut state = State::new(GITLAB_TOKEN);
    change(&mut state);
    let fake = FakeGitLab::start(state);
    let env = gitlab_env(&fake);

    let missing = review(dir.path(), &["--gitlab", "--project", "43"], &pairs(&env));
    assert_eq!(missing.code, 2);
    assert_eq!(
        missing.stderr,
        "error: gitlab: GET /projects/43/merge_requests/7 answered 404 Not Found: 404 Project Not Found\n"
    );

    fake.state.lock().unwrap().fail = Some(("/diffs".into(), 500, format!("boom for {GITLAB_TOKEN}")));
    let broken = review(dir.path(), &["--gitlab"], &pairs(&env));
    assert_eq!(broken.code, 2);
    assert_eq!(
        broken.stderr,
        "error: gitlab: GET /projects/42/merge_requests/7/diffs answered 500 Internal Server Error: boom for [token]\n"
    );
    assert_no_token(&broken, GITLAB_TOKEN);
    assert!(fake.state.lock().unwrap().statuses.is_empty());

    let wrong_token: Vec<(&str, &str)> = pairs(&env)
        .into_iter()
        .map(|(name, value)| if name == "PRAXIS_GITLAB_TOKEN" { (name, "nope") } else { (name, value) })
        .collect();
    fake.state.lock().unwrap().fail = None;
    let refused = review(dir.path(), &["--gitlab"], &wrong_token);
    assert_eq!((refused.code, refused.stderr.lines().count()), (2, 1), "{}", refused.stderr);
    assert!(refused.stderr.contains("answered 401 Unauthorized"), "{}", refused.stderr);
}

/// Arguments, environment, and a part of the one error line expected.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn missing_settings_are_clear_usage_errors() {
    let dir = project();
    let cases: [Case<'_>; 6] = [
        (&[], &[], "--gitlab"),
        (&["--gitlab", "--github"], &[], "cannot be used with"),
        (&["--gitlab"], &[], "gitlab: no API address: set CI_API_V4_URL or pass --api-url"),
        (
            &["--gitlab"],
            &[("CI_API_V4_URL", "http://127.0.0.1:9/api/v4"), ("CI_PROJECT_ID", "42")],
            "gitlab: no merge request: set CI_MERGE_REQUEST_IID",
        ),
        (
            &["--gitlab", "--project", "1", "--mr", "2", "--api-url", "http://127.0.0.1:9"],
            &[],
            "gitlab: no token: set PRAXIS_GITLAB_TOKEN",
        ),
        (&["--github"], &[("GITHUB_REPOSITORY", "acme/shop")], "github: no pull request: set GITHUB_EVENT_PATH"),
    ];
    for (args, env, expected) in cases {
        let run = review(dir.path(), args, env);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("error: ") && run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
    let events = tempfile::tempdir().unwrap();
    let event = events.path().join("event.json");
    std::fs::write(&event, r#"{"push": {}}"#).unwrap();
    let run = review(
        dir.path(),
        &["--github"],
        &[("GITHUB_REPOSITORY", "acme/shop"), ("GITHUB_EVENT_PATH", event.to_str().unwrap()), ("GITHUB_TOKEN", "x")],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is not a pull request's"), "{}", run.stderr);
}

fn github_state() -> State {
    let mut state = State::new(GITHUB_TOKEN);
    change(&mut state);
    // A file GitHub gives no patch for: its two versions are compared.
    state.files.push(FakeFile::without_diff("src/big.ts"));
    let (base, head) = (state.base_sha.clone(), state.head_sha.clone());
    state.set_content(&base, "src/big.ts", BIG_BASE);
    state.set_content(&head, "src/big.ts", BIG_HEAD);
    state
}

fn event_file(dir: &Path) -> PathBuf {
    let path = dir.join("event.json");
    std::fs::write(&path, r#"{"action": "synchronize", "number": 5, "pull_request": {"number": 5}}"#).unwrap();
    path
}

fn github_env(fake: &FakeGitHub, event: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_API_URL", fake.server.url()),
        ("GITHUB_GRAPHQL_URL", format!("{}/graphql", fake.server.url())),
        ("GITHUB_REPOSITORY", "acme/shop".into()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        ("GITHUB_TOKEN", GITHUB_TOKEN.into()),
    ]
}

/// `(path, start_line, line, body)` of each GitHub review comment.
fn comments(state: &State) -> Vec<(String, Option<u64>, u64, String)> {
    state
        .discussions
        .iter()
        .map(|comment| {
            (
                comment["path"].as_str().unwrap().to_owned(),
                comment["start_line"].as_u64(),
                comment["line"].as_u64().unwrap(),
                comment["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn github_review_posts_one_review_resolves_through_graphql_and_survives_graphql_failing() {
    let dir = project();
    let events = tempfile::tempdir().unwrap();
    let mut state = github_state();
    state.throttle_once = Some("/repos/acme/shop/pulls/5/files".into());
    let fake = FakeGitHub::start(state);
    let env = github_env(&fake, &event_file(events.path()));

    let first = review(dir.path(), &["--github"], &pairs(&env));
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert_no_token(&first, GITHUB_TOKEN);
    {
        let state = fake.state.lock().unwrap();
        assert_eq!(state.reviews.len(), 1);
        assert_eq!(state.reviews[0]["commit_id"], "1".repeat(40));
        let posted = comments(&state);
        let places: Vec<(&str, Option<u64>, u64)> = posted.iter().map(|(p, s, l, _)| (p.as_str(), *s, *l)).collect();
        assert_eq!(
            places,
            [
                ("lib/util.ts", None, 2),
                ("src/app.ts", None, 4),
                ("src/big.ts", None, 2),
                ("src/multi.ts", Some(2), 3),
                ("tools/job.py", None, 3)
            ]
        );
        assert!(posted[1].3.contains("\n```suggestion\n  logger.info(\"user\", id);\n```\n"), "{}", posted[1].3);
        assert!(posted[3].3.contains("\n```suggestion\n  logger.info(\"a\",\n    b);\n```\n"), "{}", posted[3].3);
        assert_eq!(state.reviews[0]["comments"][3]["start_side"], "RIGHT");
        assert_eq!(statuses(&state), [("failure".into(), "5 findings".into(), "1".repeat(40))]);
        assert_eq!(state.statuses[0]["context"], "praxis");
    }
    let requests = fake.server.requests();
    assert!(requests.iter().all(is_github_endpoint), "{requests:#?}");
    assert!(requests.iter().all(|r| r.header("authorization") == Some(&*format!("Bearer {GITHUB_TOKEN}"))));
    // One file a page, by Link; the 429 was tried again; no GraphQL call with nothing to resolve.
    assert_eq!(requests.iter().filter(|r| r.path().ends_with("/files")).count(), 9);
    assert!(!requests.iter().any(|r| r.path() == "/graphql"));
    let (base, head) = ("b".repeat(40), "1".repeat(40));
    let mut expected: Vec<(String, String)> =
        ["lib/util.ts", "src/app.ts", "src/big.ts", "src/multi.ts", "tools/job.py"]
            .map(|path| (format!("/repos/acme/shop/contents/{path}"), head.clone()))
            .to_vec();
    expected.push(("/repos/acme/shop/contents/src/big.ts".into(), base));
    expected.sort();
    assert_eq!(fetched(&requests, "/contents/"), expected);

    // Nothing twice.
    let second = review(dir.path(), &["--github"], &pairs(&env));
    assert_eq!(second.code, 1);
    assert_eq!(fake.state.lock().unwrap().reviews.len(), 1);

    // The fix, with GraphQL down: one warning, the review goes on.
    {
        let mut state = fake.state.lock().unwrap();
        fix_app(&mut state);
        state.graphql_down = true;
    }
    let third = review(dir.path(), &["--github"], &pairs(&env));
    assert_eq!(third.code, 1, "{}", third.stderr);
    let warnings: Vec<&str> =
        third.stderr.lines().filter(|line| line.starts_with("warning: github: cannot resolve")).collect();
    assert_eq!(warnings.len(), 1, "{}", third.stderr);
    assert!(fake.state.lock().unwrap().threads.iter().all(|thread| thread["isResolved"] == false));
    assert_eq!(statuses(&fake.state.lock().unwrap())[2].0, "failure");

    // GraphQL back: the thread of the fixed finding, and only it, is resolved.
    fake.state.lock().unwrap().graphql_down = false;
    let fourth = review(dir.path(), &["--github"], &pairs(&env));
    assert_eq!(fourth.code, 1, "{}", fourth.stderr);
    let resolved: Vec<String> = fake
        .state
        .lock()
        .unwrap()
        .threads
        .iter()
        .filter(|thread| thread["isResolved"] == true)
        .map(|thread| thread["comment"]["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(resolved, ["src/app.ts"]);
    assert_eq!(fake.state.lock().unwrap().reviews.len(), 1);
    for run in [&second, &third, &fourth] {
        assert_no_token(run, GITHUB_TOKEN);
    }
}

#[test]
fn a_project_in_a_subfolder_reviews_only_its_files_with_globs_from_its_folder() {
    let repo = tempfile::tempdir().unwrap();
    let app = repo.path().join("app");
    write(&app, ".praxis/practices/no-console-log.yaml", &format!("{NO_CONSOLE_LOG}files: [\"src/**\"]\n"));
    git::init_committed(repo.path());
    let mut state = State::new(GITLAB_TOKEN);
    let head = state.head_sha.clone();
    state.files = vec![
        FakeFile::added("app/src/a.ts", &added_diff(MULTI)),
        FakeFile::added("app/lib/b.ts", &added_diff(MULTI)),
        FakeFile::added("other/c.ts", &added_diff(MULTI)),
    ];
    for path in ["app/src/a.ts", "app/lib/b.ts", "other/c.ts"] {
        state.set_content(&head, path, MULTI);
    }
    let fake = FakeGitLab::start(state);
    let run = review(&app, &["--gitlab", "--fail-on", "warning"], &pairs(&gitlab_env(&fake)));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let places: Vec<(String, u64)> = discussions(&fake).into_iter().map(|(path, line, _, _)| (path, line)).collect();
    assert_eq!(places, [("app/src/a.ts".to_owned(), 2)]);
    // other/ is outside the project and app/lib/ outside the practice's globs: not even read.
    let read: Vec<String> =
        fetched(&fake.server.requests(), "/repository/files/").into_iter().map(|(path, _)| path).collect();
    assert_eq!(read, ["/api/v4/projects/42/repository/files/app/src/a.ts/raw"]);
}

/// The YAML of the ```` ```yaml ```` block of docs/review.md that mentions `needle`.
fn docs_yaml(needle: &str) -> Value {
    let docs = std::fs::read_to_string(support::workspace().join("docs/review.md")).unwrap();
    let block = readme::blocks(&docs, "yaml")
        .into_iter()
        .find(|block| block.contains(needle))
        .unwrap_or_else(|| panic!("docs/review.md has no yaml block with {needle}"));
    serde_yaml_ng::from_str(&block).unwrap()
}

/// `sh -c line` in `dir`, with the binary's folder first on PATH and `env`.
fn shell(dir: &Path, line: &str, env: &[(&str, &str)]) -> Run {
    let bin = binary("praxis").parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("praxis-user");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", path)
        .env("PRAXIS_CONFIG_DIR", home.join("config"))
        .env("PRAXIS_CACHE_DIR", home.join("cache"))
        .env("PRAXIS_NO_KEYRING", "1")
        .env_remove("PRAXIS_TOKEN")
        .env("NO_COLOR", "1");
    for name in CI_VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("sh runs").into()
}

fn is_install(line: &str) -> bool {
    line.trim_start().starts_with("cargo install")
}

#[test]
fn the_gitlab_job_in_the_docs_runs_as_written() {
    let job = &docs_yaml("praxis review --gitlab")["praxis-review"];
    let rules = serde_json::to_string(&job["rules"]).unwrap();
    assert!(rules.contains("$CI_PIPELINE_SOURCE == \\\"merge_request_event\\\""), "{rules}");
    let script: Vec<&str> = job["script"].as_array().unwrap().iter().map(|line| line.as_str().unwrap()).collect();
    assert!(script.iter().any(|line| is_install(line) && line.contains("$PRAXIS_REPO")), "{script:?}");

    let dir = project();
    let mut state = State::new(GITLAB_TOKEN);
    change(&mut state);
    let fake = FakeGitLab::start(state);
    let mut env = gitlab_env(&fake);
    env.push(("CI_PIPELINE_SOURCE", "merge_request_event".into()));
    let mut ran = 0;
    for line in script.iter().filter(|line| !is_install(line)) {
        let run = shell(dir.path(), line, &pairs(&env));
        // The job fails on the error finding, as it should.
        assert_eq!(run.code, 1, "{line}: {}\n{}", run.stdout, run.stderr);
        assert_no_token(&run, GITLAB_TOKEN);
        ran += 1;
    }
    assert_eq!(ran, 1);
    assert_eq!(discussions(&fake).len(), 4);
    assert_eq!(statuses(&fake.state.lock().unwrap())[0].0, "failed");
}

#[test]
fn the_github_workflow_in_the_docs_runs_as_written() {
    let workflow = docs_yaml("praxis review --github");
    assert_eq!(workflow["on"], "pull_request");
    let job = workflow["jobs"].as_object().unwrap().values().next().unwrap();
    let permissions = &job["permissions"];
    for (name, level) in [("pull-requests", "write"), ("statuses", "write"), ("contents", "read")] {
        assert_eq!(permissions[name], level, "{permissions}");
    }
    let steps = job["steps"].as_array().unwrap();
    assert!(
        steps.iter().any(|step| step["uses"]
            .as_str()
            .is_some_and(|uses| uses.starts_with("github/codeql-action/upload-sarif")))
    );

    // The checkout: the base commit on origin/main, the pull request's head checked out.
    let dir = project();
    let checkout = dir.path();
    write(checkout, "src/app.ts", APP_BASE);
    git::init_committed(checkout);
    git::git(checkout, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    write(checkout, "src/app.ts", APP_HEAD);
    write(checkout, "tools/job.py", JOB);
    git::commit_all(checkout, "head");

    let events = tempfile::tempdir().unwrap();
    let fake = FakeGitHub::start(github_state());
    let mut env = github_env(&fake, &event_file(events.path()));
    env.retain(|(name, _)| *name != "GITHUB_TOKEN");
    env.push(("GITHUB_BASE_REF", "main".into()));
    let mut ran = Vec::new();
    for step in steps {
        let Some(line) = step["run"].as_str() else { continue };
        if is_install(line) {
            continue;
        }
        let mut step_env = env.clone();
        for (name, value) in step["env"].as_object().into_iter().flatten() {
            assert_eq!(value, "${{ github.token }}", "{name}");
            step_env.push(("GITHUB_TOKEN", GITHUB_TOKEN.into()));
        }
        let run = shell(checkout, line, &pairs(&step_env));
        assert_no_token(&run, GITHUB_TOKEN);
        ran.push((line.to_owned(), run));
    }
    assert_eq!(ran.len(), 2, "the SARIF check and the review");
    let (check_line, check) = &ran[0];
    assert!(check_line.starts_with("praxis check --diff"), "{check_line}");
    assert_eq!(check.code, 0, "{}", check.stderr);
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(checkout.join("praxis.sarif")).unwrap()).unwrap();
    let mut results: Vec<(String, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            let location = &result["locations"][0]["physicalLocation"];
            (
                location["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                location["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    results.sort();
    // Only the changed lines: not the console.log on the unchanged line 2.
    assert_eq!(results, [("src/app.ts".to_owned(), 4), ("tools/job.py".to_owned(), 3)]);
    let (review_line, review) = &ran[1];
    assert_eq!(review_line, "praxis review --github");
    assert_eq!(review.code, 1, "{}\n{}", review.stdout, review.stderr);
    let state = fake.state.lock().unwrap();
    assert_eq!(state.reviews.len(), 1);
    assert_eq!(comments(&state).len(), 5);
    assert_eq!(statuses(&state)[0].0, "failure");
}
