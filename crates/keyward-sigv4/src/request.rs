//! The framework-independent view of a received HTTP request.

/// A received HTTP request, borrowed from whatever framework parsed it.
///
/// Build it without copying: `headers` is a slice of (name, value) pairs in received
/// order, names in any case, repeated names allowed. For HTTP/2 requests (no `Host`
/// header) add a `("host", authority)` pair built from the request URI, since clients
/// sign the authority as `host`.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// The method, as received (`GET`, `POST`).
    pub method: &'a str,
    /// The path as on the wire, still %-encoded (`/`, `/a%20b`).
    pub raw_path: &'a str,
    /// The query string without the `?`, still %-encoded; empty when absent.
    pub raw_query: &'a str,
    /// Headers in received order; names in any case.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body bytes, as received.
    pub body: &'a [u8],
}

impl<'a> HttpRequest<'a> {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// Whether the query string has parameter `name` (exact, after decoding).
    pub(crate) fn has_query_param(&self, name: &str) -> bool {
        crate::parse::query_param(self.raw_query, name).is_some()
    }
}
