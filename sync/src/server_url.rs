//! A sync server's address, and the transport rule: `https://` everywhere, plain `http://` only
//! to this machine (loopback), where nothing crosses a network.

use std::fmt;

use reqwest::Url;

use crate::error::{Result, SyncError};
use crate::http::is_loopback;

/// A server URL that passed the transport rule: `https`, or `http` to a loopback host; no user,
/// password, query or fragment. Shown without a trailing slash.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServerUrl {
    url: Url,
}

impl ServerUrl {
    pub fn parse(text: &str) -> Result<ServerUrl> {
        let bad = |why: &str| SyncError::Config(format!("server URL `{text}` {why}"));
        let mut url = Url::parse(text.trim()).map_err(|err| bad(&format!("is not a URL ({err})")))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(bad("uses plain http:// to another machine, which would send the token and practices \
                     unencrypted; use https:// (http:// is only for 127.0.0.1, ::1 and localhost)"));
            }
            other => return Err(bad(&format!("has scheme `{other}`; use https://"))),
        }
        if url.host().is_none() {
            return Err(bad("has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("holds a user name or password; the token is given with `praxis login`"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("has a query or fragment"));
        }
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&path);
        Ok(ServerUrl { url })
    }

    /// The URL of an API path (relative to `/api/v1`, starting with `/`).
    pub fn api(&self, path: &str) -> String {
        format!("{}{}{path}", self.as_str(), crate::wire::API_PREFIX)
    }

    pub fn as_str(&self) -> &str {
        self.url.as_str().trim_end_matches('/')
    }

    pub fn host(&self) -> String {
        self.url.host_str().unwrap_or_default().to_owned()
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerUrl({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://praxis.example.com",
            "http://127.0.0.1:8787",
            "http://localhost:1",
            "http://[::1]:2",
            "http://127.1.2.3",
        ] {
            ServerUrl::parse(ok).unwrap_or_else(|err| panic!("{ok}: {err}"));
        }
        let err = ServerUrl::parse("http://praxis.example.com").unwrap_err().to_string();
        assert!(err.contains("plain http://"), "{err}");
        for bad in [
            "http://10.0.0.1",
            "http://localhost.example.com",
            "ftp://x",
            "https://user:pw@x",
            "https://x/?a=1",
            "nonsense",
        ] {
            assert!(ServerUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn one_spelling_per_server() {
        let a = ServerUrl::parse("https://Praxis.example.com/team/").unwrap();
        let b = ServerUrl::parse("https://praxis.example.com/team").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "https://praxis.example.com/team");
        assert_eq!(a.api("/spaces"), "https://praxis.example.com/team/api/v1/spaces");
        assert_eq!(ServerUrl::parse("http://127.0.0.1:9/").unwrap().to_string(), "http://127.0.0.1:9");
    }
}
