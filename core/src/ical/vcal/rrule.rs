//! The vCalendar 1.0 recurrence grammar (`D1`, `W1 MO TU`, `MP1 1+ MO`, `MD1 1 15`, `YM1 6`,
//! `YD1 100`, with `#N` or an end date) to and from RFC 5545 RRULE parts.

/// How a rule ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleEnd {
    /// Forever (`#0`, or no COUNT / UNTIL).
    Forever,
    /// A number of instances.
    Count(u32),
    /// An end date or date-time, as written (vCalendar or RFC 5545 form).
    Until(String),
}

/// A recurrence rule in a form both grammars share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// DAILY, WEEKLY, MONTHLY or YEARLY.
    pub freq: &'static str,
    /// INTERVAL.
    pub interval: u32,
    /// BYxxx parts in RFC 5545 order (`BYMONTH`, `BYYEARDAY`, `BYMONTHDAY`, `BYDAY`).
    pub by: Vec<(&'static str, String)>,
    /// COUNT / UNTIL.
    pub end: RuleEnd,
}

const WEEKDAYS: [&str; 7] = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];

fn weekday(tok: &str) -> Option<&'static str> {
    let up = tok.to_ascii_uppercase();
    WEEKDAYS.iter().copied().find(|w| *w == up)
}

/// `1+` → 1, `2-` → -2, `3` → 3, `LD` → -1 (last day); `$` markers ignored.
fn ordinal(tok: &str, max: i32) -> Option<i32> {
    let t = tok.trim_end_matches('$');
    if t.eq_ignore_ascii_case("LD") {
        return Some(-1);
    }
    let (digits, sign) = match t.strip_suffix('-') {
        Some(d) => (d, -1),
        None => (t.strip_suffix('+').unwrap_or(t), 1),
    };
    let n: i32 = digits.parse().ok()?;
    (1..=max).contains(&n).then_some(sign * n)
}

fn is_end_date(tok: &str) -> bool {
    tok.len() >= 8 && tok.as_bytes()[..8].iter().all(u8::is_ascii_digit)
}

/// Parses a vCalendar 1.0 rule. Without a duration the rule has two instances (`#2`, the
/// default of the vCalendar 1.0 specification). `None` for what this grammar reader does not
/// know (several rules in one value, unknown tokens).
pub fn parse_vcal(rule: &str) -> Option<Rule> {
    let mut toks = rule.split_whitespace();
    let head = toks.next()?.to_ascii_uppercase();
    let split = head.find(|c: char| c.is_ascii_digit())?;
    let (kind, interval) = head.split_at(split);
    let interval: u32 = interval.parse().ok().filter(|i| *i > 0)?;
    let freq = match kind {
        "D" => "DAILY",
        "W" => "WEEKLY",
        "MP" | "MD" => "MONTHLY",
        "YM" | "YD" => "YEARLY",
        _ => return None,
    };
    let mut end = RuleEnd::Count(2);
    let mut list: Vec<String> = Vec::new();
    let mut occurrences: Vec<i32> = Vec::new();
    let mut last_was_day = false;
    let mut ended = false;
    for tok in toks {
        if ended {
            return None;
        }
        if let Some(n) = tok.strip_prefix('#') {
            let n: u32 = n.parse().ok()?;
            end = if n == 0 {
                RuleEnd::Forever
            } else {
                RuleEnd::Count(n)
            };
            ended = true;
            continue;
        }
        if is_end_date(tok) {
            end = RuleEnd::Until(tok.to_string());
            ended = true;
            continue;
        }
        match kind {
            "W" | "D" => list.push(weekday(tok)?.to_string()),
            "MP" => {
                if let Some(wd) = weekday(tok) {
                    if occurrences.is_empty() {
                        return None;
                    }
                    for o in &occurrences {
                        list.push(format!("{o}{wd}"));
                    }
                    last_was_day = true;
                } else {
                    if last_was_day {
                        occurrences.clear();
                        last_was_day = false;
                    }
                    occurrences.push(ordinal(tok, 5)?);
                }
            }
            "MD" => list.push(ordinal(tok, 31)?.to_string()),
            "YM" => list.push(ordinal(tok, 12).filter(|m| *m > 0)?.to_string()),
            "YD" => list.push(ordinal(tok, 366)?.to_string()),
            _ => return None,
        }
    }
    if kind == "MP" && !occurrences.is_empty() && !last_was_day {
        return None;
    }
    let by = if list.is_empty() {
        Vec::new()
    } else {
        let key = match kind {
            "D" | "W" | "MP" => "BYDAY",
            "MD" => "BYMONTHDAY",
            "YM" => "BYMONTH",
            _ => "BYYEARDAY",
        };
        vec![(key, list.join(","))]
    };
    // `D1 MO TU` is not in the grammar; a daily rule with days reads as weekly.
    let freq = if kind == "D" && !by.is_empty() {
        "WEEKLY"
    } else {
        freq
    };
    Some(Rule {
        freq,
        interval,
        by,
        end,
    })
}

impl Rule {
    /// The RFC 5545 RRULE value; `until` gives the UNTIL value for the rule's end date.
    pub fn to_ical(&self, until: impl Fn(&str) -> Option<String>) -> Option<String> {
        let mut out = format!("FREQ={}", self.freq);
        if self.interval > 1 {
            out.push_str(&format!(";INTERVAL={}", self.interval));
        }
        for (k, v) in &self.by {
            out.push_str(&format!(";{k}={v}"));
        }
        match &self.end {
            RuleEnd::Forever => {}
            RuleEnd::Count(n) => out.push_str(&format!(";COUNT={n}")),
            RuleEnd::Until(u) => out.push_str(&format!(";UNTIL={}", until(u)?)),
        }
        Some(out)
    }

    /// The vCalendar 1.0 rule; `until` gives the end date for an RFC 5545 UNTIL value.
    pub fn to_vcal(&self, until: impl Fn(&str) -> Option<String>) -> Option<String> {
        let get = |k: &str| {
            self.by
                .iter()
                .find(|(bk, _)| *bk == k)
                .map(|(_, v)| v.as_str())
        };
        let items = |v: &str| v.split(',').map(str::to_string).collect::<Vec<_>>();
        let (head, list): (&str, Vec<String>) = match self.freq {
            "DAILY" if self.by.is_empty() => ("D", Vec::new()),
            // Every weekday, as phones write "every working day".
            "DAILY" if self.interval == 1 && self.by.len() == 1 => {
                ("W", items(get("BYDAY").filter(|d| plain_days(d))?))
            }
            "WEEKLY" if self.by.is_empty() => ("W", Vec::new()),
            "WEEKLY" if self.by.len() == 1 => ("W", items(get("BYDAY").filter(|d| plain_days(d))?)),
            "MONTHLY" if self.by.is_empty() => ("MD", Vec::new()),
            "MONTHLY" if self.by.len() == 1 => match self.by[0].0 {
                "BYMONTHDAY" => ("MD", month_days(&self.by[0].1)?),
                "BYDAY" => ("MP", nth_days(&self.by[0].1)?),
                _ => return None,
            },
            "YEARLY" if self.by.is_empty() => ("YM", Vec::new()),
            "YEARLY" if self.by.len() == 1 => match self.by[0].0 {
                "BYMONTH" => ("YM", items(&self.by[0].1)),
                "BYYEARDAY" => ("YD", month_days(&self.by[0].1)?),
                _ => return None,
            },
            _ => return None,
        };
        let mut out = format!("{head}{}", self.interval);
        for item in list {
            out.push(' ');
            out.push_str(&item);
        }
        match &self.end {
            RuleEnd::Forever => out.push_str(" #0"),
            RuleEnd::Count(n) => out.push_str(&format!(" #{n}")),
            RuleEnd::Until(u) => {
                out.push(' ');
                out.push_str(&until(u)?);
            }
        }
        Some(out)
    }
}

fn plain_days(list: &str) -> bool {
    list.split(',').all(|d| weekday(d).is_some())
}

/// `15,-1` → `15`, `1-`.
fn month_days(list: &str) -> Option<Vec<String>> {
    list.split(',')
        .map(|d| {
            let n: i32 = d.trim().parse().ok()?;
            Some(if n < 0 {
                format!("{}-", -n)
            } else {
                n.to_string()
            })
        })
        .collect()
}

/// `1MO,-1FR` → `1+ MO`, `1- FR`; days without an ordinal cannot be written.
fn nth_days(list: &str) -> Option<Vec<String>> {
    list.split(',')
        .map(|d| {
            let d = d.trim().to_ascii_uppercase();
            let wd = weekday(d.get(d.len().checked_sub(2)?..)?)?;
            let n: i32 = d[..d.len() - 2].trim_start_matches('+').parse().ok()?;
            if n == 0 || n.abs() > 5 {
                return None;
            }
            Some(format!("{}{} {wd}", n.abs(), if n < 0 { '-' } else { '+' }))
        })
        .collect()
}

/// Parses an RFC 5545 RRULE into a [`Rule`]; `None` when it uses what vCalendar 1.0 cannot
/// say (BYSETPOS, BYHOUR, BYWEEKNO, sub-daily frequencies, a week start other than Monday,
/// several BYxxx parts).
pub fn parse_ical(rrule: &str) -> Option<Rule> {
    let mut freq = None;
    let mut interval = 1;
    let mut by = Vec::new();
    let mut end = RuleEnd::Forever;
    for part in rrule.trim().split(';').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=')?;
        let v = v.trim().to_ascii_uppercase();
        match k.trim().to_ascii_uppercase().as_str() {
            "FREQ" => {
                freq = Some(match v.as_str() {
                    "DAILY" => "DAILY",
                    "WEEKLY" => "WEEKLY",
                    "MONTHLY" => "MONTHLY",
                    "YEARLY" => "YEARLY",
                    _ => return None,
                })
            }
            "INTERVAL" => interval = v.parse().ok().filter(|i| *i > 0)?,
            "COUNT" => end = RuleEnd::Count(v.parse().ok().filter(|n| *n > 0)?),
            "UNTIL" => end = RuleEnd::Until(v),
            "WKST" if v == "MO" => {}
            "BYMONTH" => by.push(("BYMONTH", v)),
            "BYYEARDAY" => by.push(("BYYEARDAY", v)),
            "BYMONTHDAY" => by.push(("BYMONTHDAY", v)),
            "BYDAY" => by.push(("BYDAY", v)),
            _ => return None,
        }
    }
    Some(Rule {
        freq: freq?,
        interval,
        by,
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_ical(v: &str) -> Option<String> {
        parse_vcal(v)?.to_ical(|u| Some(u.to_string()))
    }

    fn to_vcal(i: &str) -> Option<String> {
        parse_ical(i)?.to_vcal(|u| Some(u.to_string()))
    }

    #[test]
    fn vcal_rules() {
        assert_eq!(to_ical("D1 #0").unwrap(), "FREQ=DAILY");
        assert_eq!(to_ical("D2 #5").unwrap(), "FREQ=DAILY;INTERVAL=2;COUNT=5");
        assert_eq!(to_ical("W1 MO WE #0").unwrap(), "FREQ=WEEKLY;BYDAY=MO,WE");
        assert_eq!(
            to_ical("W2 TU 20251231T000000Z").unwrap(),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20251231T000000Z"
        );
        assert_eq!(to_ical("MP1 1+ MO #0").unwrap(), "FREQ=MONTHLY;BYDAY=1MO");
        assert_eq!(
            to_ical("MP1 1+ 3+ TH 1- FR #10").unwrap(),
            "FREQ=MONTHLY;BYDAY=1TH,3TH,-1FR;COUNT=10"
        );
        assert_eq!(
            to_ical("MD1 15 #12").unwrap(),
            "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=12"
        );
        assert_eq!(
            to_ical("MD1 1 LD #0").unwrap(),
            "FREQ=MONTHLY;BYMONTHDAY=1,-1"
        );
        assert_eq!(to_ical("YM1 6 #0").unwrap(), "FREQ=YEARLY;BYMONTH=6");
        assert_eq!(
            to_ical("YD1 1 100 #3").unwrap(),
            "FREQ=YEARLY;BYYEARDAY=1,100;COUNT=3"
        );
        assert_eq!(to_ical("W1 FR").unwrap(), "FREQ=WEEKLY;BYDAY=FR;COUNT=2");
        for bad in [
            "", "X1 #0", "W0 #0", "W1 XX", "MP1 MO", "MD1 32", "W1 #0 MO", "YM1 13", "MP1 1+",
        ] {
            assert_eq!(to_ical(bad), None, "{bad}");
        }
    }

    #[test]
    fn ical_rules() {
        assert_eq!(to_vcal("FREQ=WEEKLY;BYDAY=MO,WE").unwrap(), "W1 MO WE #0");
        assert_eq!(
            to_vcal("FREQ=MONTHLY;BYMONTHDAY=15;COUNT=12").unwrap(),
            "MD1 15 #12"
        );
        assert_eq!(to_vcal("FREQ=MONTHLY;BYDAY=-1FR").unwrap(), "MP1 1- FR #0");
        assert_eq!(to_vcal("FREQ=MONTHLY;BYMONTHDAY=-1").unwrap(), "MD1 1- #0");
        assert_eq!(
            to_vcal("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR").unwrap(),
            "W1 MO TU WE TH FR #0"
        );
        assert_eq!(to_vcal("FREQ=YEARLY;INTERVAL=2").unwrap(), "YM2 #0");
        for bad in [
            "FREQ=HOURLY",
            "FREQ=MONTHLY;BYDAY=MO",
            "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1",
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
            "FREQ=WEEKLY;WKST=SU;BYDAY=MO",
            "BYDAY=MO",
        ] {
            assert_eq!(to_vcal(bad), None, "{bad}");
        }
        for r in [
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;UNTIL=20250630T220000Z",
            "FREQ=MONTHLY;BYDAY=2TU;COUNT=5",
            "FREQ=YEARLY;BYMONTH=3",
            "FREQ=DAILY;COUNT=3",
        ] {
            assert_eq!(to_ical(&to_vcal(r).unwrap()).unwrap(), r);
        }
    }
}
