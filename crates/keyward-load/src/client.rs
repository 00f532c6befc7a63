//! One HTTP client for a run: keep-alive connections to one endpoint, and
//! SigV4 signing of Query-protocol requests as the AWS SDKs sign them.

use bytes::Bytes;
use keyward_sigv4::{Credentials, HttpRequest, SigningParams};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use time::OffsetDateTime;

use crate::error::LoadError;

/// The content type botocore sends with Query-protocol requests.
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// A client for one endpoint (`http://host:port` or `https://…`).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    url: reqwest::Url,
    /// The `Host` header, signed as sent: the port included unless it is the
    /// scheme's default, as the SDKs do.
    host: String,
    region: String,
}

/// An answer: its status and body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
}

impl Reply {
    /// The text of the first element named `name` (any namespace).
    pub fn element(&self, name: &str) -> Option<String> {
        let text = std::str::from_utf8(&self.body).ok()?;
        let doc = roxmltree::Document::parse(text).ok()?;
        doc.descendants()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(str::to_owned)
    }

    /// AWS's error code of a failed call, or `HTTP <status>` when the body has none.
    pub fn error_code(&self) -> String {
        self.element("Code")
            .unwrap_or_else(|| format!("HTTP {}", self.status))
    }
}

impl Client {
    /// A client keeping up to `connections` idle connections to `endpoint`;
    /// `insecure` accepts any TLS certificate (self-signed test servers).
    pub fn new(
        endpoint: &str,
        region: &str,
        connections: usize,
        insecure: bool,
    ) -> Result<Self, LoadError> {
        let url = reqwest::Url::parse(endpoint)
            .map_err(|e| LoadError::Config(format!("the endpoint '{endpoint}': {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.path() != "/" || url.query().is_some() {
            return Err(LoadError::Config(format!(
                "the endpoint must be http(s)://host[:port] with no path, not '{endpoint}'"
            )));
        }
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => {
                return Err(LoadError::Config(format!(
                    "the endpoint '{endpoint}' has no host"
                )));
            }
        };
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .tcp_nodelay(true)
            .danger_accept_invalid_certs(insecure)
            .build()
            .map_err(|source| LoadError::Http {
                context: "cannot build the HTTP client".into(),
                source,
            })?;
        Ok(Self {
            http,
            url,
            host,
            region: region.to_owned(),
        })
    }

    /// The endpoint, as given.
    pub fn endpoint(&self) -> &str {
        self.url.as_str()
    }

    /// Sends `POST /` with the form `body` to `service` (`iam`, `sts`), signed now.
    pub async fn send(
        &self,
        credentials: &Credentials,
        service: &str,
        body: &Bytes,
    ) -> Result<Reply, reqwest::Error> {
        let headers = [
            ("Host", self.host.as_str()),
            ("Content-Type", FORM_CONTENT_TYPE),
        ];
        let unsigned = HttpRequest {
            method: "POST",
            raw_path: "/",
            raw_query: "",
            headers: &headers,
            body,
        };
        let params = SigningParams::new(
            credentials,
            &self.region,
            service,
            OffsetDateTime::now_utc(),
        );
        // Infallible: the path is `/` and there is no query, the only inputs sign checks.
        let signed = keyward_sigv4::sign(&unsigned, &params).expect("`POST /` always signs");
        let mut request = self
            .http
            .post(self.url.clone())
            .header(HOST, &self.host)
            .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
            .header("x-amz-date", &signed.x_amz_date)
            .header(AUTHORIZATION, &signed.authorization);
        if let Some(token) = &signed.security_token {
            request = request.header("x-amz-security-token", token);
        }
        let response = request.body(body.clone()).send().await?;
        let status = response.status().as_u16();
        let body = response.bytes().await?;
        Ok(Reply { status, body })
    }

    /// A set-up call: the answer of a successful call, or the API's error.
    pub async fn call(
        &self,
        credentials: &Credentials,
        service: &str,
        params: &[(&str, &str)],
    ) -> Result<Reply, LoadError> {
        let action = params
            .iter()
            .find(|(k, _)| *k == "Action")
            .map_or("the call", |(_, v)| v)
            .to_owned();
        let body = Bytes::from(form(params));
        let reply = self
            .send(credentials, service, &body)
            .await
            .map_err(|source| LoadError::Http {
                context: format!("{action} to {}", self.url),
                source,
            })?;
        if reply.status != 200 {
            return Err(LoadError::Api {
                action,
                status: reply.status,
                code: reply.error_code(),
                message: reply.element("Message").unwrap_or_default(),
            });
        }
        Ok(reply)
    }
}

/// `application/x-www-form-urlencoded` encoding of the parameters.
pub(crate) fn form(params: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keeps_a_non_default_port_and_drops_the_default_one() {
        let c = Client::new("http://127.0.0.1:4566", "us-east-1", 1, false).unwrap();
        assert_eq!(c.host, "127.0.0.1:4566");
        let c = Client::new("https://iam.example.com:443/", "us-east-1", 1, false).unwrap();
        assert_eq!(c.host, "iam.example.com");
        let c = Client::new("http://[::1]:8080", "us-east-1", 1, false).unwrap();
        assert_eq!(c.host, "[::1]:8080");
    }

    #[test]
    fn endpoints_with_a_path_or_another_scheme_are_refused() {
        for bad in ["http://h:1/iam", "ftp://h", "http://h:1/?a=b", "not a url"] {
            assert!(
                matches!(
                    Client::new(bad, "us-east-1", 1, false),
                    Err(LoadError::Config(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn error_codes_come_from_the_aws_envelope() {
        let reply = Reply {
            status: 403,
            body: Bytes::from_static(
                b"<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no &amp; never</Message></Error><RequestId>r</RequestId></ErrorResponse>",
            ),
        };
        assert_eq!(reply.error_code(), "AccessDenied");
        assert_eq!(reply.element("Message").as_deref(), Some("no & never"));
        let bare = Reply {
            status: 502,
            body: Bytes::from_static(b"bad gateway"),
        };
        assert_eq!(bare.error_code(), "HTTP 502");
    }

    #[test]
    fn forms_are_percent_encoded() {
        assert_eq!(
            form(&[("Action", "GetUser"), ("UserName", "a+b/c")]),
            "Action=GetUser&UserName=a%2Bb%2Fc"
        );
    }
}
