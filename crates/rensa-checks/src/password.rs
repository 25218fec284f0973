//! The password layer of the compliance checks: the image's account database ([`AccountDb`] from
//! `/etc/passwd`, `/etc/shadow`, `/etc/shells`), crypt(3) verification ([`CryptHash`]), the built-in
//! common-password list ([`common_passwords`]) and bounded guessing ([`crack`] within a [`Budget`]).
//!
//! [`weak_accounts`] puts them together for the rules `empty-password` and
//! `remote-login-weak-password` (the `config` checks decide whether remote login is enabled and write
//! the findings). Cracked passwords never leave this module in clear text except through
//! [`Cracked::expose`]: reports get [`mask`]ed forms such as `p******d (8 chars)` and the rank in the list.
//!
//! ```
//! use rensa_checks::password::{weak_accounts, Budget};
//!
//! let passwd = b"root:x:0:0:root:/root:/bin/bash\n\
//!                guest:x:1000:1000::/home/guest:/bin/sh\n\
//!                daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n";
//! // md5crypt of "password" (made with libxcrypt: crypt("password", "$1$saltsalt$")).
//! let shadow = b"root:$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/:19000:0:99999:7:::\n\
//!                guest::19000:0:99999:7:::\n\
//!                daemon:*:19000:0:99999:7:::\n";
//! let report = weak_accounts(passwd, Some(shadow), None, &Budget::default());
//! assert_eq!(report.empty.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["guest"]);
//! assert_eq!(report.cracked.len(), 1);
//! assert_eq!(report.cracked[0].account.name, "root");
//! assert_eq!(report.cracked[0].masked, "p******d (8 chars)");
//! assert_eq!(
//!     report.cracked[0].describe(),
//!     "password p******d (8 chars), a default password that images ship, \
//!      rank 2 in the built-in list of common passwords (md5crypt)"
//! );
//! assert!(report.warnings.is_empty());
//! ```

mod account;
mod crack;
mod crypt;
mod list;

use rayon::prelude::*;
use serde::Serialize;

pub use account::{
    Account, AccountDb, Aging, MAX_FILE_BYTES, PasswordField, PasswordSource, Warning, is_login_shell,
    parse_shells,
};
pub use crack::{Budget, Candidate, Candidates, Cracked, DEFAULT_TIME_BUDGET, Origin, Outcome, crack, mask};
pub use crypt::{CryptHash, MAX_BCRYPT_COST, MAX_SHA_ROUNDS, MAX_YESCRYPT_BYTES, Scheme, Unsupported};
pub use list::{common_passwords, common_rank, image_defaults};

/// An account whose password was guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrackedAccount {
    /// The account.
    pub account: Account,
    /// The password, masked (`p******d (8 chars)`).
    pub masked: String,
    /// Where the password was found (account name, image default, rank in the common list).
    pub origin: Origin,
    /// The password's rank in the built-in common list (1 = most common), whatever its origin.
    pub rank: Option<usize>,
    /// The hash scheme.
    pub scheme: Scheme,
}

impl CrackedAccount {
    /// One sentence for a finding, e.g. `password p******d (8 chars), a default password that images
    /// ship, rank 2 in the built-in list of common passwords (md5crypt)`.
    pub fn describe(&self) -> String {
        format!(
            "password {}, {} ({})",
            self.masked,
            crack::describe_origin(self.origin, self.rank),
            self.scheme
        )
    }
}

/// An account whose hash could not be checked completely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UncheckedAccount {
    /// The account.
    pub account: Account,
    /// [`Outcome::BudgetExhausted`] or [`Outcome::Unsupported`]; [`Outcome::describe`] says what happened.
    pub outcome: Outcome,
}

/// What [`weak_accounts`] found among the accounts that have a login shell. Every list is sorted by
/// account name.
#[derive(Debug, Clone, Default)]
pub struct WeakReport {
    /// The parsed accounts (all of them, for the baseline rules).
    pub accounts: AccountDb,
    /// Accounts with an empty password field (`empty-password`).
    pub empty: Vec<Account>,
    /// Accounts whose password is a guessable one (`remote-login-weak-password` when remote login is on).
    pub cracked: Vec<CrackedAccount>,
    /// Accounts whose hash was not checked against the whole list: the budget ran out
    /// ([`Outcome::BudgetExhausted`]) or the hash cannot be checked ([`Outcome::Unsupported`]).
    pub unchecked: Vec<UncheckedAccount>,
    /// Accounts checked against every candidate without a match.
    pub not_found: Vec<String>,
    /// Problems reading the files (same as `accounts.warnings`).
    pub warnings: Vec<Warning>,
}

/// Reads the account files and checks every account that has a login shell: an empty password field
/// goes to `empty`; a hash is tried against [`Candidates::for_account`] within `budget` (in parallel
/// over accounts). Locked (`!…`, `*…`) and password-less (`*`) accounts are not tried.
pub fn weak_accounts(
    passwd: &[u8],
    shadow: Option<&[u8]>,
    shells: Option<&[u8]>,
    budget: &Budget,
) -> WeakReport {
    let db = AccountDb::parse(passwd, shadow, shells);
    let mut report = WeakReport {
        warnings: db.warnings.clone(),
        ..WeakReport::default()
    };
    let mut to_crack = Vec::new();
    for account in db.accounts.iter().filter(|a| a.login_shell) {
        match &account.password {
            PasswordField::Empty => report.empty.push(account.clone()),
            PasswordField::Hash(hash) => to_crack.push((account, hash)),
            _ => {}
        }
    }
    let outcomes: Vec<(&Account, &CryptHash, Outcome)> = to_crack
        .into_par_iter()
        .map(|(account, hash)| {
            (
                account,
                hash,
                crack(hash, &Candidates::for_account(&account.name), budget),
            )
        })
        .collect();
    for (account, hash, outcome) in outcomes {
        match outcome {
            Outcome::Found { password, .. } => report.cracked.push(CrackedAccount {
                account: account.clone(),
                masked: password.masked(),
                origin: password.origin,
                rank: password.rank,
                scheme: hash.scheme(),
            }),
            Outcome::NotFound { .. } => report.not_found.push(account.name.clone()),
            outcome => report.unchecked.push(UncheckedAccount {
                account: account.clone(),
                outcome,
            }),
        }
    }
    report.empty.sort_by(|a, b| a.name.cmp(&b.name));
    report.cracked.sort_by(|a, b| a.account.name.cmp(&b.account.name));
    report
        .unchecked
        .sort_by(|a, b| a.account.name.cmp(&b.account.name));
    report.not_found.sort();
    report.accounts = db;
    report
}
