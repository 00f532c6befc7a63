//! The date formats of SigV4: ISO 8601 basic (`20150830T123600Z`), extended, RFC 1123.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A parsed request date.
pub(crate) struct ParsedDate {
    pub timestamp: OffsetDateTime,
    /// ISO 8601 basic format, as used in the string to sign.
    pub basic: String,
}

/// `t` in UTC. `to_offset` would panic at the edges of the supported range; there the
/// instant is kept with its offset, which only shifts the printed text.
pub(crate) fn utc(t: OffsetDateTime) -> OffsetDateTime {
    t.checked_to_offset(UtcOffset::UTC).unwrap_or(t)
}

/// `YYYYMMDD'T'HHMMSS'Z'`, UTC.
pub(crate) fn basic(t: OffsetDateTime) -> String {
    let t = utc(t);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// ISO 8601 basic format; the extended form `YYYY-MM-DDTHH:MM:SSZ` is tolerated as AWS
/// does. No fractional seconds.
pub(crate) fn parse_iso8601(value: &str) -> Option<ParsedDate> {
    let b = value.as_bytes();
    let fields = match b.len() {
        16 if b[8] == b'T' && b[15] == b'Z' => [(0, 4), (4, 2), (6, 2), (9, 2), (11, 2), (13, 2)],
        20 if b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z' =>
        {
            [(0, 4), (5, 2), (8, 2), (11, 2), (14, 2), (17, 2)]
        }
        _ => return None,
    };
    let n = |(start, len): (usize, usize)| number(b.get(start..start + len)?);
    let timestamp = build(
        n(fields[0])?,
        n(fields[1])?,
        n(fields[2])?,
        n(fields[3])?,
        n(fields[4])?,
        n(fields[5])?,
    )?;
    // Keep the client's own text when it is already basic: it is what it signed.
    let basic_text = if b.len() == 16 {
        value.to_owned()
    } else {
        basic(timestamp)
    };
    Some(ParsedDate {
        timestamp,
        basic: basic_text,
    })
}

/// RFC 1123 `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn parse_rfc1123(value: &str) -> Option<ParsedDate> {
    let b = value.as_bytes();
    if b.len() != 29 || &b[3..5] != b", " || &b[25..] != b" GMT" {
        return None;
    }
    let month = MONTHS.iter().position(|m| m.as_bytes() == &b[8..11])? + 1;
    let (sep_ok, colons_ok) = (
        b[7] == b' ' && b[11] == b' ' && b[16] == b' ',
        b[19] == b':' && b[22] == b':',
    );
    if !(sep_ok && colons_ok) {
        return None;
    }
    let timestamp = build(
        number(&b[12..16])?,
        u32::try_from(month).ok()?,
        number(&b[5..7])?,
        number(&b[17..19])?,
        number(&b[20..22])?,
        number(&b[23..25])?,
    )?;
    Some(ParsedDate {
        timestamp,
        basic: basic(timestamp),
    })
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &d| {
        d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
    })
}

fn build(
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<OffsetDateTime> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    let time = Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let d = parse_iso8601("20150830T123600Z").expect("basic");
        assert_eq!(d.basic, "20150830T123600Z");
        assert_eq!(basic(d.timestamp), "20150830T123600Z");
        let e = parse_iso8601("2015-08-30T12:36:00Z").expect("extended");
        assert_eq!(e.timestamp, d.timestamp);
        assert_eq!(e.basic, "20150830T123600Z");
        let h = parse_rfc1123("Sun, 30 Aug 2015 12:36:00 GMT").expect("rfc1123");
        assert_eq!(h.timestamp, d.timestamp);
        for bad in [
            "20150830T123600",
            "20151330T123600Z",
            "2015083OT123600Z",
            "20150830T123600.000Z",
            "",
        ] {
            assert!(parse_iso8601(bad).is_none(), "{bad}");
        }
        assert!(parse_rfc1123("Sun, 30 Foo 2015 12:36:00 GMT").is_none());
    }
}
