//! Bounded guessing of the password behind a crypt hash: account-derived guesses, image defaults and
//! the common-password list, within a per-hash [`Budget`].

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::crypt::CryptHash;
use super::list::{common_passwords, common_rank, image_defaults};

/// The default wall-time budget per hash.
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(2);

/// How much work one hash may cost. The budget is checked before each guess, so one guess that has
/// started is finished (a single guess is bounded by the work-factor limits in [`super::crypt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Wall time per hash (`None`: unlimited). Default: [`DEFAULT_TIME_BUDGET`].
    pub time: Option<Duration>,
    /// Most guesses per hash (`None`: unlimited). Default: unlimited.
    pub candidates: Option<usize>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            time: Some(DEFAULT_TIME_BUDGET),
            candidates: None,
        }
    }
}

impl Budget {
    /// No limit: every candidate is tried.
    pub fn unlimited() -> Budget {
        Budget {
            time: None,
            candidates: None,
        }
    }

    /// A wall-time limit per hash (the `--password-budget SECS` flag).
    pub fn seconds(secs: f64) -> Budget {
        let time = if secs.is_finite() && secs >= 0.0 {
            Duration::try_from_secs_f64(secs).ok()
        } else {
            None
        };
        Budget {
            time: Some(time.unwrap_or(DEFAULT_TIME_BUDGET)),
            candidates: None,
        }
    }
}

/// Where a candidate password comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// The empty string (a hash of the empty password).
    Empty,
    /// Derived from the account name (the name itself, reversed, with digits appended, …).
    AccountName,
    /// A default that images ship (`root`, `toor`, `changeme`, …).
    ImageDefault,
    /// The built-in common-password list, at this rank (1 = most common).
    CommonList {
        /// The 1-based rank.
        rank: usize,
    },
    /// A list the caller gave, at this 1-based position.
    Custom {
        /// The 1-based position.
        position: usize,
    },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Empty => f.write_str("the empty password"),
            Origin::AccountName => f.write_str("a guess derived from the account name"),
            Origin::ImageDefault => f.write_str("a default password that images ship"),
            Origin::CommonList { rank } => {
                write!(f, "in the built-in list of common passwords at rank {rank}")
            }
            Origin::Custom { position } => write!(f, "in the given list at position {position}"),
        }
    }
}

/// One password to try.
#[derive(Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The password.
    pub password: String,
    /// Where it comes from.
    pub origin: Origin,
}

impl std::fmt::Debug for Candidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Candidate({}, {:?})", mask(&self.password), self.origin)
    }
}

/// An ordered, duplicate-free list of candidates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Candidates {
    list: Vec<Candidate>,
}

impl Candidates {
    /// The default order for `account`: the empty password, guesses from the account name (`name`,
    /// reversed, `name1`, `name12`, `name123`, `name1234`, `name12345`, `name!`, `namename`, capitalised,
    /// upper case), the image defaults, then the common list in popularity order.
    pub fn for_account(account: &str) -> Candidates {
        let mut c = Candidates::default();
        let mut seen = HashSet::new();
        let mut push = |password: String, origin: Origin, c: &mut Candidates| {
            if seen.insert(password.clone()) {
                c.list.push(Candidate { password, origin });
            }
        };
        push(String::new(), Origin::Empty, &mut c);
        if !account.is_empty() {
            let reversed: String = account.chars().rev().collect();
            let mut capitalised = account.to_string();
            if let Some(first) = capitalised.get(..1) {
                let upper = first.to_ascii_uppercase();
                capitalised.replace_range(..1, &upper);
            }
            let derived = [
                account.to_string(),
                reversed,
                format!("{account}1"),
                format!("{account}12"),
                format!("{account}123"),
                format!("{account}1234"),
                format!("{account}12345"),
                format!("{account}!"),
                format!("{account}{account}"),
                capitalised,
                account.to_ascii_uppercase(),
            ];
            for d in derived {
                push(d, Origin::AccountName, &mut c);
            }
        }
        for d in image_defaults() {
            push((*d).to_string(), Origin::ImageDefault, &mut c);
        }
        for (i, p) in common_passwords().iter().enumerate() {
            push((*p).to_string(), Origin::CommonList { rank: i + 1 }, &mut c);
        }
        c
    }

    /// A caller-given list, in its order (duplicates dropped).
    pub fn from_list<I: IntoIterator<Item = String>>(passwords: I) -> Candidates {
        let mut seen = HashSet::new();
        let list = passwords
            .into_iter()
            .enumerate()
            .filter(|(_, p)| seen.insert(p.clone()))
            .map(|(i, password)| Candidate {
                password,
                origin: Origin::Custom { position: i + 1 },
            })
            .collect();
        Candidates { list }
    }

    /// The candidates in the order they are tried.
    pub fn as_slice(&self) -> &[Candidate] {
        &self.list
    }

    /// How many candidates there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// A cracked password. Its `Debug` form is masked; [`Cracked::expose`] gives the clear text (for tests
/// and callers that must act on it; never put it in a report).
#[derive(Clone, PartialEq, Eq)]
pub struct Cracked {
    password: String,
    /// Where the password was found.
    pub origin: Origin,
    /// The password's rank in the built-in common list (1 = most common), whatever its origin.
    pub rank: Option<usize>,
}

impl Cracked {
    /// The password in clear text. Do not print it.
    pub fn expose(&self) -> &str {
        &self.password
    }

    /// The masked form for reports (see [`mask`]).
    pub fn masked(&self) -> String {
        mask(&self.password)
    }
}

impl std::fmt::Debug for Cracked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cracked({}, {:?})", self.masked(), self.origin)
    }
}

/// The result of [`crack`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A candidate matched.
    Found {
        /// The password (masked in `Debug`).
        password: Cracked,
        /// How many candidates were tried, this one included.
        tried: usize,
    },
    /// Every candidate was tried and none matched.
    NotFound {
        /// How many candidates were tried (all of them).
        tried: usize,
    },
    /// The budget ran out before the list did.
    BudgetExhausted {
        /// How many candidates were tried.
        tried: usize,
        /// How many there were.
        of: usize,
        /// The wall time spent.
        elapsed: Duration,
        /// The estimated wall time for the whole list at the rate measured (`elapsed / tried * of`);
        /// `None` when nothing was tried (a zero budget).
        estimate_full: Option<Duration>,
        /// The hash's work factor in words (`yescrypt N=4096 r=32 p=1 (16 MiB per guess)`).
        cost: String,
        /// Whether the scheme is slow by design (yescrypt, bcrypt): the reason the budget ran out.
        slow_by_design: bool,
    },
    /// The hash cannot be checked (scheme not implemented, does not parse, or work factor too high).
    Unsupported(super::crypt::Unsupported),
}

impl Outcome {
    /// One sentence for a finding's detail, with the password masked.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Found { password, tried } => format!(
                "the password is {} ({}; found after {tried} guesses)",
                password.masked(),
                describe_origin(password.origin, password.rank)
            ),
            Outcome::NotFound { tried } => format!(
                "none of the {tried} candidates (account-name guesses, image defaults, common passwords) matched"
            ),
            Outcome::BudgetExhausted {
                tried,
                of,
                elapsed,
                estimate_full,
                cost,
                slow_by_design,
            } => {
                let why = if *slow_by_design {
                    ", a scheme that is slow by design"
                } else {
                    ""
                };
                let estimate = match estimate_full {
                    Some(d) => format!("; the whole list would need ~{:.0} s", d.as_secs_f64()),
                    None => String::new(),
                };
                format!(
                    "the password budget ran out after {tried} of {of} guesses in {:.1} s ({cost}{why}){estimate}: \
                     the password may still be a common one",
                    elapsed.as_secs_f64(),
                )
            }
            Outcome::Unsupported(u) => format!("the hash was not checked: {u}"),
        }
    }
}

/// Tries `candidates` against `hash` in order until one matches, the list ends or `budget` runs out.
pub fn crack(hash: &CryptHash, candidates: &Candidates, budget: &Budget) -> Outcome {
    let cost = match hash.cost() {
        Ok(c) => c,
        Err(u) => return Outcome::Unsupported(u),
    };
    let of = candidates.len();
    let start = Instant::now();
    for (i, candidate) in candidates.as_slice().iter().enumerate() {
        let over_time = budget.time.is_some_and(|t| start.elapsed() >= t);
        let over_count = budget.candidates.is_some_and(|n| i >= n);
        if over_time || over_count {
            let elapsed = start.elapsed();
            let estimate_full = (i > 0).then(|| {
                let per_guess = elapsed / u32::try_from(i).unwrap_or(u32::MAX);
                per_guess.saturating_mul(u32::try_from(of).unwrap_or(u32::MAX))
            });
            return Outcome::BudgetExhausted {
                tried: i,
                of,
                elapsed,
                estimate_full,
                cost,
                slow_by_design: hash.scheme().is_slow_by_design(),
            };
        }
        match hash.verify(&candidate.password) {
            Ok(true) => {
                let password = Cracked {
                    password: candidate.password.clone(),
                    origin: candidate.origin,
                    rank: common_rank(&candidate.password),
                };
                return Outcome::Found {
                    password,
                    tried: i + 1,
                };
            }
            Ok(false) => {}
            Err(u) => return Outcome::Unsupported(u),
        }
    }
    Outcome::NotFound { tried: of }
}

/// Masks a password for reports: the first and last character kept for passwords of 8 characters or
/// more, only the length shown for shorter ones: `p******d (8 chars)`, `**** (4 chars)`, `(empty)`.
pub fn mask(password: &str) -> String {
    let chars: Vec<char> = password.chars().collect();
    let n = chars.len();
    match n {
        0 => "(empty)".to_string(),
        1..=7 => format!("{} ({n} chars)", "*".repeat(n)),
        _ => format!("{}{}{} ({n} chars)", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// `origin` in words, with the common-list rank added when the origin is not the list itself.
pub(crate) fn describe_origin(origin: Origin, rank: Option<usize>) -> String {
    match (origin, rank) {
        (Origin::CommonList { .. }, _) | (_, None) => origin.to_string(),
        (_, Some(rank)) => format!("{origin}, rank {rank} in the built-in list of common passwords"),
    }
}
