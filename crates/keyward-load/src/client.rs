//! One HTTP client for a run: keep-alive connections to one endpoint, and
//! SigV4 signing of Query-protocol requests as the AWS SDKs sign them.
//!
//! The client shares the machine with the server it measures, so every
//! request costs as little CPU as it can: each worker owns one HTTP/1.1
//! connection and drives it in its own task (no connection task to wake, no
//! pool to look up), the URL is parsed once, and the signing key is derived
//! once a day.

use std::future::{Future as _, poll_fn};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;
use std::{fmt, io};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request};
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use keyward_sigv4::{Credentials, HttpRequest, Signer};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::error::{Kind, LoadError, RequestError};

/// The content type botocore sends with Query-protocol requests.
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
/// How long opening a connection (TCP and TLS) may take before the request
/// counts as a `Timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client for one endpoint (`http://host:port` or `https://…`).
#[derive(Clone)]
pub struct Client {
    endpoint: Arc<Endpoint>,
}

struct Endpoint {
    url: url::Url,
    /// What to connect to: the host without an IPv6 address's brackets.
    connect_host: String,
    port: u16,
    /// The `Host` header, signed as sent: the port included unless it is the
    /// scheme's default, as the SDKs do.
    host: String,
    host_header: HeaderValue,
    region: String,
    tls: Option<Tls>,
    /// Connections no worker holds, kept open for the next run (the warm-up's
    /// for the measured part, one scenario's for the next).
    idle: Mutex<Vec<Open>>,
    max_idle: usize,
}

struct Tls {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint.url.as_str())
            .field("region", &self.endpoint.region)
            .finish_non_exhaustive()
    }
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
        let url = url::Url::parse(endpoint)
            .map_err(|e| LoadError::Config(format!("the endpoint '{endpoint}': {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.path() != "/" || url.query().is_some() {
            return Err(LoadError::Config(format!(
                "the endpoint must be http(s)://host[:port] with no path, not '{endpoint}'"
            )));
        }
        let (Some(host_str), Some(host), Some(port)) =
            (url.host_str(), url.host(), url.port_or_known_default())
        else {
            return Err(LoadError::Config(format!(
                "the endpoint '{endpoint}' has no host"
            )));
        };
        let connect_host = match host {
            url::Host::Domain(d) => d.to_owned(),
            url::Host::Ipv4(a) => a.to_string(),
            url::Host::Ipv6(a) => a.to_string(),
        };
        let host = match url.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_owned(),
        };
        let host_header = HeaderValue::from_str(&host)
            .map_err(|e| LoadError::Config(format!("the endpoint '{endpoint}': {e}")))?;
        let tls = if url.scheme() == "https" {
            let name = ServerName::try_from(connect_host.clone())
                .map_err(|e| LoadError::Config(format!("the endpoint '{endpoint}': {e}")))?;
            Some(Tls {
                connector: TlsConnector::from(tls_config(insecure)?),
                name,
            })
        } else {
            None
        };
        Ok(Self {
            endpoint: Arc::new(Endpoint {
                url,
                connect_host,
                port,
                host,
                host_header,
                region: region.to_owned(),
                tls,
                idle: Mutex::new(Vec::new()),
                max_idle: connections,
            }),
        })
    }

    /// The endpoint, as given.
    pub fn endpoint(&self) -> &str {
        self.endpoint.url.as_str()
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.endpoint.region
    }

    /// A connection for one worker: an idle one if there is one, else one
    /// opened on its first request.
    pub(crate) fn connection(&self) -> Connection {
        let open = self
            .endpoint
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        Connection {
            client: self.clone(),
            open,
            in_flight: false,
        }
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
        let mut signer = Signer::new(credentials.clone(), self.region(), service);
        let reply = self
            .connection()
            .send(&mut signer, &body)
            .await
            .map_err(|source| LoadError::Http {
                context: format!("{action} to {}", self.endpoint()),
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

    /// `POST /` with the form `body`, signed now.
    fn request(
        &self,
        signer: &mut Signer,
        body: &Bytes,
    ) -> Result<Request<Full<Bytes>>, RequestError> {
        let ep = &self.endpoint;
        let unsigned_headers = [
            ("Host", ep.host.as_str()),
            ("Content-Type", FORM_CONTENT_TYPE),
        ];
        let unsigned = HttpRequest {
            method: "POST",
            raw_path: "/",
            raw_query: "",
            headers: &unsigned_headers,
            body,
        };
        let signed = signer
            .sign(&unsigned, OffsetDateTime::now_utc())
            .map_err(|e| RequestError::new(Kind::Transport, "cannot sign the request", &e))?;
        // The signed values move into the headers without a copy; they are
        // checked because the access key id and token come from the user.
        let value = |text: String| {
            HeaderValue::from_maybe_shared(Bytes::from(text))
                .map_err(|e| RequestError::new(Kind::Transport, "cannot build the request", &e))
        };
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(HOST, ep.host_header.clone());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
        headers.insert(X_AMZ_DATE, value(signed.x_amz_date)?);
        headers.insert(AUTHORIZATION, value(signed.authorization)?);
        if let Some(token) = signed.security_token {
            headers.insert(X_AMZ_SECURITY_TOKEN, value(token)?);
        }
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        let mut request = Request::new(Full::new(body.clone()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = http::Uri::from_static("/");
        *request.headers_mut() = headers;
        Ok(request)
    }

    async fn open(&self) -> Result<Open, RequestError> {
        match tokio::time::timeout(CONNECT_TIMEOUT, self.connect()).await {
            Ok(open) => open,
            Err(_) => Err(RequestError::timeout(format!(
                "no connection to {} within {} s",
                self.endpoint(),
                CONNECT_TIMEOUT.as_secs()
            ))),
        }
    }

    async fn connect(&self) -> Result<Open, RequestError> {
        let ep = &self.endpoint;
        let failed = |e: &(dyn std::error::Error + 'static)| {
            RequestError::new(
                Kind::Connect,
                &format!("cannot connect to {}", self.endpoint()),
                e,
            )
        };
        let tcp = TcpStream::connect((ep.connect_host.as_str(), ep.port))
            .await
            .map_err(|e| failed(&e))?;
        // Each request is written whole at once; Nagle would only hold its
        // last segment back waiting for an acknowledgement.
        tcp.set_nodelay(true).map_err(|e| failed(&e))?;
        let stream = match &ep.tls {
            None => Stream::Plain(tcp),
            Some(tls) => Stream::Tls(Box::new(
                tls.connector
                    .connect(tls.name.clone(), tcp)
                    .await
                    .map_err(|e| failed(&e))?,
            )),
        };
        let (sender, driver) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| failed(&e))?;
        Ok(Open {
            sender,
            driver: Some(driver),
        })
    }
}

/// One worker's keep-alive connection, opened when first needed and again
/// after it fails or the server closes it; back to the client's idle ones
/// when dropped.
pub(crate) struct Connection {
    client: Client,
    open: Option<Open>,
    /// Set while a request is under way: a send dropped half-way leaves a
    /// connection with an answer still to come, which no one else may get.
    in_flight: bool,
}

/// An open HTTP/1.1 connection: the handle requests go in by, and the state
/// machine that does the reading and writing, polled by whoever sends.
struct Open {
    sender: http1::SendRequest<Full<Bytes>>,
    /// `None` once it has ended.
    driver: Option<http1::Connection<TokioIo<Stream>, Full<Bytes>>>,
}

/// Why an exchange ended without an answer; `request` is given back when it
/// was never written, so it may go on another connection.
struct Unanswered {
    error: hyper::Error,
    request: Option<Request<Full<Bytes>>>,
}

impl Connection {
    /// Sends `POST /` with the form `body`, signed now by `signer`.
    pub(crate) async fn send(
        &mut self,
        signer: &mut Signer,
        body: &Bytes,
    ) -> Result<Reply, RequestError> {
        let mut request = self.client.request(signer, body)?;
        loop {
            let fresh = self.open.is_none();
            let open = match &mut self.open {
                Some(open) => open,
                slot => slot.insert(self.client.open().await?),
            };
            self.in_flight = true;
            let outcome = exchange(open, request).await;
            self.in_flight = false;
            if outcome.is_err() || !open.reusable() {
                self.open = None;
            }
            match outcome {
                Ok(reply) => return Ok(reply),
                // A kept connection the server closed while it was idle: the
                // request never left, so it goes on a new one, as pooling
                // clients do; only a new connection's failure counts.
                Err(Unanswered {
                    request: Some(unsent),
                    ..
                }) if !fresh => request = unsent,
                Err(Unanswered { error, .. }) => {
                    return Err(RequestError::new(
                        Kind::Transport,
                        &format!("no answer from {}", self.client.endpoint()),
                        &error,
                    ));
                }
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let Some(open) = self.open.take().filter(|_| !self.in_flight) else {
            return;
        };
        let mut idle = self
            .client
            .endpoint
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.client.endpoint.max_idle {
            idle.push(open);
        }
    }
}

impl Open {
    /// Whether it can take another request.
    fn reusable(&self) -> bool {
        self.driver.is_some() && !self.sender.is_closed()
    }
}

/// Sends `request` on `open` and reads the whole answer, driving the
/// connection in this task. The connection is borrowed, not moved: it is a
/// large value, and copying it in and out twice a request showed in profiles.
async fn exchange(open: &mut Open, request: Request<Full<Bytes>>) -> Result<Reply, Unanswered> {
    let Open { sender, driver } = open;
    let mut answer = pin!(async {
        if let Err(error) = sender.ready().await {
            return Err(Unanswered {
                error,
                request: Some(request),
            });
        }
        let response = sender
            .try_send_request(request)
            .await
            .map_err(|mut e| Unanswered {
                request: e.take_message(),
                error: e.into_error(),
            })?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|error| Unanswered {
                error,
                request: None,
            })?
            .to_bytes();
        Ok(Reply { status, body })
    });
    poll_fn(|cx| {
        if let Poll::Ready(outcome) = answer.as_mut().poll(cx) {
            return Poll::Ready(outcome);
        }
        // Its end, an error included, reaches the answer too; dropping it
        // then fails any request still queued instead of leaving it waiting.
        if let Some(d) = driver.as_mut()
            && Pin::new(d).poll(cx).is_ready()
        {
            *driver = None;
        }
        // What the connection just read may complete the answer.
        answer.as_mut().poll(cx)
    })
    .await
}

/// A plain or TLS connection, as one type for the HTTP connection.
enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// TLS with the ring provider passed explicitly (no process-wide default):
/// the Mozilla roots, or with `insecure` any certificate.
fn tls_config(insecure: bool) -> Result<Arc<rustls::ClientConfig>, LoadError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| LoadError::Config(format!("cannot set up TLS: {e}")))?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// `--insecure`: any certificate is taken for the server's, but the
/// handshake must still be signed by that certificate's key, so the
/// connection is at least to whoever holds it.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;
    use tokio::sync::mpsc::{self, UnboundedReceiver};

    use super::*;

    #[test]
    fn host_keeps_a_non_default_port_and_drops_the_default_one() {
        let c = Client::new("http://127.0.0.1:4566", "us-east-1", 1, false).unwrap();
        assert_eq!(c.endpoint.host, "127.0.0.1:4566");
        let c = Client::new("https://iam.example.com:443/", "us-east-1", 1, false).unwrap();
        assert_eq!(c.endpoint.host, "iam.example.com");
        assert_eq!(c.endpoint.port, 443);
        let c = Client::new("http://[::1]:8080", "us-east-1", 1, false).unwrap();
        assert_eq!(c.endpoint.host, "[::1]:8080");
        assert_eq!(c.endpoint.connect_host, "::1");
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

    /// What the test server does after each answer.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum After {
        KeepAlive,
        /// `Connection: close`, then closes.
        CloseAnnounced,
        /// Closes without saying so, as a server dropping an idle connection.
        CloseSilently,
    }

    /// A server on a free port answering every request `200 OK`; it counts
    /// the connections it accepts and passes on every request it reads.
    async fn server(after: After) -> (Client, Arc<AtomicUsize>, UnboundedReceiver<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::unbounded_channel();
        let count = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let tx = tx.clone();
                tokio::spawn(async move {
                    while let Some(request) = read_request(&mut socket).await {
                        let _ = tx.send(request);
                        let body = "<GetCallerIdentityResponse/>";
                        let close = if after == After::CloseAnnounced {
                            "Connection: close\r\n"
                        } else {
                            ""
                        };
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n{close}\r\n{body}",
                            body.len()
                        );
                        socket.write_all(answer.as_bytes()).await.unwrap();
                        match after {
                            After::KeepAlive => {}
                            After::CloseAnnounced => break,
                            After::CloseSilently => {
                                // Late enough for the client to have finished with the answer.
                                tokio::time::sleep(Duration::from_millis(20)).await;
                                break;
                            }
                        }
                    }
                });
            }
        });
        let client = Client::new(&endpoint, "us-east-1", 4, false).unwrap();
        (client, accepted, rx)
    }

    /// One request's head and body, or `None` at the end of the connection.
    async fn read_request(socket: &mut TcpStream) -> Option<Vec<u8>> {
        let mut data = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if data.len() >= end + 4 + length {
                    return Some(data);
                }
            }
            let n = socket.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            data.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends `times` requests over `connection`, each answered 200.
    async fn send_ok(connection: &mut Connection, signer: &mut Signer, times: usize) {
        let body = Bytes::from_static(BODY);
        for _ in 0..times {
            assert_eq!(connection.send(signer, &body).await.unwrap().status, 200);
        }
    }

    fn signer(client: &Client, credentials: Credentials) -> Signer {
        Signer::new(credentials, client.region(), "sts")
    }

    const BODY: &[u8] = b"Action=GetCallerIdentity&Version=2011-06-15";

    #[tokio::test]
    async fn requests_are_sent_as_the_sdks_send_them_and_verify() {
        let (client, _, mut requests) = server(After::KeepAlive).await;
        let creds = Credentials::new("AKIDEXAMPLE", "secret").with_session_token("the/token");
        let mut signer = signer(&client, creds.clone());
        let reply = client
            .connection()
            .send(&mut signer, &Bytes::from_static(BODY))
            .await
            .unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(&reply.body[..], b"<GetCallerIdentityResponse/>");

        let raw = requests.recv().await.unwrap();
        let text = String::from_utf8(raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let mut lines = head.split("\r\n");
        assert_eq!(lines.next(), Some("POST / HTTP/1.1"));
        let headers: Vec<(&str, &str)> = lines
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap();
                (n, v.trim())
            })
            .collect();
        let names: Vec<String> = headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        assert_eq!(
            names,
            [
                "host",
                "content-type",
                "x-amz-date",
                "authorization",
                "x-amz-security-token",
                "content-length"
            ]
        );
        let port = client.endpoint.port;
        assert_eq!(headers[0].1, format!("127.0.0.1:{port}"));
        assert_eq!(headers[1].1, FORM_CONTENT_TYPE);
        assert_eq!(headers[4].1, "the/token");
        assert_eq!(headers[5].1, BODY.len().to_string());
        assert_eq!(body.as_bytes(), BODY);
        assert!(
            headers[3]
                .1
                .contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"),
            "{}",
            headers[3].1
        );

        // The server's own check of the signature accepts it.
        let received = HttpRequest {
            method: "POST",
            raw_path: "/",
            raw_query: "",
            headers: &headers,
            body: body.as_bytes(),
        };
        let opts = keyward_sigv4::VerifyOptions::default().with_services(["sts"]);
        let auth = keyward_sigv4::parse(&received, OffsetDateTime::now_utc(), &opts).unwrap();
        let key =
            keyward_sigv4::derive_signing_key("secret", auth.scope().date(), "us-east-1", "sts");
        keyward_sigv4::verify(&auth, &received, &key).unwrap();
    }

    #[tokio::test]
    async fn a_worker_keeps_its_connection_and_hands_it_on() {
        let (client, accepted, _requests) = server(After::KeepAlive).await;
        let mut signer = signer(&client, Credentials::new("AKIDEXAMPLE", "secret"));
        let mut connection = client.connection();
        send_ok(&mut connection, &mut signer, 3).await;
        drop(connection);
        // The next worker gets the idle connection instead of opening one.
        send_ok(&mut client.connection(), &mut signer, 1).await;
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_connection_the_server_closes_after_an_answer_is_opened_again() {
        let (client, accepted, _requests) = server(After::CloseAnnounced).await;
        let mut signer = signer(&client, Credentials::new("AKIDEXAMPLE", "secret"));
        send_ok(&mut client.connection(), &mut signer, 5).await;
        assert_eq!(accepted.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn an_idle_connection_the_server_dropped_is_replaced_without_an_error() {
        let (client, accepted, _requests) = server(After::CloseSilently).await;
        let mut signer = signer(&client, Credentials::new("AKIDEXAMPLE", "secret"));
        let body = Bytes::from_static(BODY);
        let mut connection = client.connection();
        for _ in 0..3 {
            // Time for the server's close to arrive while the connection is idle.
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(
                connection.send(&mut signer, &body).await.unwrap().status,
                200
            );
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_server_that_hangs_up_unanswered_is_a_transport_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let _ = read_request(&mut socket).await;
            }
        });
        let client = Client::new(&endpoint, "us-east-1", 1, false).unwrap();
        let mut signer = signer(&client, Credentials::new("AKIDEXAMPLE", "secret"));
        let err = client
            .connection()
            .send(&mut signer, &Bytes::from_static(BODY))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), Kind::Transport, "{err}");
        assert_eq!(err.code(), "TransportError");
    }

    #[tokio::test]
    async fn a_connection_left_mid_request_is_not_handed_on() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        // Reads requests and never answers.
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move { while read_request(&mut socket).await.is_some() {} });
            }
        });
        let client = Client::new(&endpoint, "us-east-1", 4, false).unwrap();
        let mut signer = signer(&client, Credentials::new("AKIDEXAMPLE", "secret"));
        let body = Bytes::from_static(BODY);
        let mut connection = client.connection();
        let gave_up = tokio::time::timeout(
            Duration::from_millis(100),
            connection.send(&mut signer, &body),
        )
        .await;
        assert!(gave_up.is_err());
        drop(connection);
        assert!(client.endpoint.idle.lock().unwrap().is_empty());
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error() {
        let client = Client::new(
            &crate::test_support::refused_endpoint(),
            "us-east-1",
            1,
            false,
        )
        .unwrap();
        let mut signer = signer(&client, Credentials::new("AKIDEXAMPLE", "secret"));
        let err = client
            .connection()
            .send(&mut signer, &Bytes::from_static(BODY))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), Kind::Connect, "{err}");
        assert!(
            err.to_string()
                .starts_with("cannot connect to http://127.0.0.1:"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn https_endpoints_set_up_tls_with_or_without_verification() {
        // Nothing is connected to: both TLS set-ups must build.
        for insecure in [false, true] {
            let c = Client::new("https://localhost:1", "us-east-1", 1, insecure).unwrap();
            assert!(c.endpoint.tls.is_some());
        }
    }

    #[test]
    fn forms_are_percent_encoded() {
        assert_eq!(
            form(&[("Action", "GetUser"), ("UserName", "a+b/c")]),
            "Action=GetUser&UserName=a%2Bb%2Fc"
        );
    }
}
