//! Test helpers: an HTTP/1.1 text parser for the AWS suite's files.

use keyward_sigv4::HttpRequest;

/// An owned request parsed from the suite's HTTP/1.1 text.
#[derive(Debug, Clone)]
pub struct OwnedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl OwnedRequest {
    /// Parses `METHOD PATH[?QUERY] HTTP/1.1`, headers (folded continuation lines kept
    /// with their line break), a blank line, then the body. The path may hold spaces.
    pub fn parse(text: &str) -> Self {
        let (head, body) = match text.split_once("\n\n") {
            Some((h, b)) => (h, b),
            None => (text.trim_end_matches('\n'), ""),
        };
        let mut lines = head.split('\n');
        let request_line = lines.next().expect("request line");
        let (method, rest) = request_line.split_once(' ').expect("method");
        let (target, _version) = rest.rsplit_once(' ').expect("version");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                let last = headers.last_mut().expect("continuation after a header");
                last.1.push('\n');
                last.1.push_str(line);
            } else {
                let (name, value) = line.split_once(':').expect("header colon");
                headers.push((name.to_owned(), value.to_owned()));
            }
        }
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn header_refs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    pub fn view<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> HttpRequest<'a> {
        HttpRequest {
            method: &self.method,
            raw_path: &self.path,
            raw_query: &self.query,
            headers,
            body: &self.body,
        }
    }
}
