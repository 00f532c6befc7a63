//! Parsing of typed condition values: numbers, dates, booleans, IP networks.

use std::net::IpAddr;

/// A number as IAM reads it (`"3600"`, `"1.5"`, `"-2"`).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("nan") || t.contains("inf") {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `true`/`false`, case-insensitive (the Bool operator's reading).
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A date: epoch seconds (`"1700000000"`) or ISO 8601 in the forms IAM
/// accepts (`2024`, `2024-01`, `2024-01-31`, `2024-01-31T10:00Z`,
/// `2024-01-31T10:00:00.5+02:00`). Returns Unix nanoseconds; missing parts
/// default to the start of the period and a missing zone means UTC.
pub(crate) fn parse_date(s: &str) -> Option<i128> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i128 = s.parse().ok()?;
        return secs.checked_mul(1_000_000_000);
    }
    let lower = s.to_ascii_lowercase();
    let (date_part, time_part) = match lower.split_once('t') {
        Some((d, t)) => (d, Some(t)),
        None => (lower.as_str(), None),
    };
    let date = parse_calendar(date_part)?;
    let (secs, nanos, offset) = match time_part {
        Some(t) => parse_clock(t)?,
        None => (0, 0, 0),
    };
    let midnight = date.midnight().assume_utc().unix_timestamp();
    let total = i128::from(midnight) + i128::from(secs) - i128::from(offset);
    Some(total * 1_000_000_000 + i128::from(nanos))
}

fn parse_calendar(d: &str) -> Option<time::Date> {
    let mut it = d.split('-');
    let year: i32 = it
        .next()
        .filter(|y| y.len() == 4)
        .and_then(|y| y.parse().ok())?;
    let month: u8 = match it.next() {
        Some(m) if m.len() == 2 => m.parse().ok()?,
        Some(_) => return None,
        None => 1,
    };
    let day: u8 = match it.next() {
        Some(x) if x.len() == 2 => x.parse().ok()?,
        Some(_) => return None,
        None => 1,
    };
    if it.next().is_some() {
        return None;
    }
    let month = time::Month::try_from(month).ok()?;
    time::Date::from_calendar_date(year, month, day).ok()
}

/// `hh[:mm[:ss[.frac]]][z|+hh[:mm]|-hh[:mm]]` → (seconds of day, nanos, zone offset seconds).
fn parse_clock(t: &str) -> Option<(i64, u32, i64)> {
    let (clock, offset) = if let Some(c) = t.strip_suffix('z') {
        (c, 0)
    } else if let Some(i) = t.rfind(['+', '-']) {
        let sign = if t.as_bytes()[i] == b'-' { -1 } else { 1 };
        (&t[..i], sign * parse_offset(&t[i + 1..])?)
    } else {
        (t, 0)
    };
    let mut parts = clock.split(':');
    let h: i64 = two_digits(parts.next()?, 23)?;
    let m: i64 = match parts.next() {
        Some(x) => two_digits(x, 59)?,
        None => 0,
    };
    let (s, nanos) = match parts.next() {
        Some(x) => {
            let (whole, frac) = x.split_once('.').unwrap_or((x, ""));
            let s = two_digits(whole, 59)?;
            (s, parse_fraction(frac)?)
        }
        None => (0, 0),
    };
    if parts.next().is_some() {
        return None;
    }
    Some((h * 3600 + m * 60 + s, nanos, offset))
}

fn parse_offset(o: &str) -> Option<i64> {
    let (h, m) = o.split_once(':').unwrap_or((o, "00"));
    Some(two_digits(h, 23)? * 3600 + two_digits(m, 59)? * 60)
}

fn two_digits(x: &str, max: i64) -> Option<i64> {
    if x.len() != 2 || !x.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    x.parse::<i64>().ok().filter(|v| *v <= max)
}

fn parse_fraction(f: &str) -> Option<u32> {
    if f.is_empty() {
        return Some(0);
    }
    if f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale = 10u32.pow(9 - u32::try_from(f.len()).ok()?);
    f.parse::<u32>().ok().map(|v| v * scale)
}

/// An IP network: an address with an optional `/prefix` (a bare address is /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub(crate) fn parse(s: &str) -> Option<IpNet> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|v| *v <= max)?,
            None => max,
        };
        Some(IpNet { addr, prefix })
    }

    /// Does the network contain `ip`? IPv4-mapped IPv6 addresses count as IPv4.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            IpAddr::V4(_) => ip,
        };
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(
                u128::from(u32::from(n)) << 96,
                u128::from(u32::from(a)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(u128::from(n), u128::from(a), self.prefix),
            _ => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, prefix: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - u32::from(prefix));
    a & mask == b & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let base = parse_date("2024-01-01T00:00:00Z").unwrap();
        assert_eq!(base, 1_704_067_200i128 * 1_000_000_000);
        assert_eq!(parse_date("2024-01-01"), Some(base));
        assert_eq!(parse_date("1704067200"), Some(base));
        assert_eq!(parse_date("2024-01-01T02:00:00+02:00"), Some(base));
        assert_eq!(parse_date("2023-12-31T19:00:00-05:00"), Some(base));
        assert_eq!(parse_date("2024-01-01T00:00Z"), Some(base));
        assert_eq!(
            parse_date("2024-01-01T00:00:00.5Z"),
            Some(base + 500_000_000)
        );
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn nets() {
        let n = IpNet::parse("203.0.113.0/24").unwrap();
        assert!(n.contains("203.0.113.7".parse().unwrap()));
        assert!(!n.contains("203.0.114.7".parse().unwrap()));
        assert!(n.contains("::ffff:203.0.113.9".parse().unwrap()));
        let v6 = IpNet::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:1::1".parse().unwrap()));
        assert!(!v6.contains("203.0.113.7".parse().unwrap()));
        assert!(
            IpNet::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(IpNet::parse("10.0.0.1/33").is_none());
        assert!(IpNet::parse("10.0.0").is_none());
    }
}
