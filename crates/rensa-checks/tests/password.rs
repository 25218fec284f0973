//! The password layer against libxcrypt: fixture hashes made by the system's libxcrypt
//! (`tests/fixtures/password/make-fixtures.py`), a differential test that asks libxcrypt (through
//! Debian's /usr/bin/python3) for fresh hashes at test time, the account files of a small image, and
//! bounded cracking.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rensa_checks::password::{
    AccountDb, Budget, Candidates, CryptHash, MAX_FILE_BYTES, Origin, Outcome, PasswordField, PasswordSource,
    Scheme, common_passwords, common_rank, crack, image_defaults, is_login_shell, mask, weak_accounts,
};
use serde::Deserialize;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/password")
}

fn read(name: &str) -> Vec<u8> {
    let path = fixtures().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[derive(Debug, Deserialize)]
struct OracleHash {
    scheme: String,
    password: String,
    hash: String,
}

fn load_jsonl(text: &str) -> Vec<OracleHash> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("oracle line"))
        .collect()
}

/// A password that differs from `pw` within the first 8 characters (DES reads only those).
fn wrong(pw: &str) -> String {
    format!("Q{pw}")
}

fn check_oracle_hash(h: &OracleHash) {
    let parsed = CryptHash::parse(&h.hash).unwrap_or_else(|| panic!("not recognised: {}", h.hash));
    assert_eq!(parsed.scheme().name(), h.scheme, "{}", h.hash);
    if parsed.scheme().is_supported() {
        assert_eq!(
            parsed.verify(&h.password),
            Ok(true),
            "{} {:?}",
            h.scheme,
            h.password
        );
        assert_eq!(
            parsed.verify(&wrong(&h.password)),
            Ok(false),
            "{} {:?}",
            h.scheme,
            h.password
        );
        let chars: Vec<char> = h.password.chars().collect();
        if h.scheme == "des" && chars.len() > 8 {
            // DES crypt reads 8 characters: libxcrypt's hash of the long password matches its prefix.
            let prefix: String = chars[..8].iter().collect();
            assert_eq!(parsed.verify(&prefix), Ok(true));
        }
        if h.scheme == "bcrypt" && h.password.len() > 72 {
            assert_eq!(
                parsed.verify(&h.password[..72]),
                Ok(true),
                "bcrypt reads 72 bytes"
            );
        }
        if h.scheme != "des" && !h.password.is_empty() {
            let mut shorter = h.password.clone();
            shorter.pop();
            if h.scheme != "bcrypt" || h.password.len() <= 72 {
                assert_eq!(
                    parsed.verify(&shorter),
                    Ok(false),
                    "{} {:?}",
                    h.scheme,
                    h.password
                );
            }
        }
    } else {
        let err = parsed
            .verify(&h.password)
            .expect_err("unsupported scheme must not verify");
        assert_eq!(err.scheme, parsed.scheme());
    }
}

#[test]
fn fixture_hashes_from_libxcrypt_verify_exactly() {
    let hashes = load_jsonl(&String::from_utf8(read("hashes.jsonl")).unwrap());
    assert_eq!(hashes.len(), 96);
    let mut schemes: Vec<&str> = hashes.iter().map(|h| h.scheme.as_str()).collect();
    schemes.sort();
    schemes.dedup();
    assert_eq!(
        schemes,
        [
            "bcrypt",
            "bsdi-des",
            "des",
            "gost-yescrypt",
            "md5crypt",
            "scrypt",
            "sha256crypt",
            "sha512crypt",
            "yescrypt"
        ]
    );
    for h in &hashes {
        check_oracle_hash(h);
    }
}

/// Asks libxcrypt for fresh hashes of random passwords in every scheme and checks rensa agrees.
#[test]
fn differential_against_system_libxcrypt() {
    const SCRIPT: &str = r#"
import ctypes, json, random, sys
lib = ctypes.CDLL("libcrypt.so.1")
lib.crypt_gensalt.restype = ctypes.c_char_p
lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
lib.crypt.restype = ctypes.c_char_p
lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
rng = random.SystemRandom()
alphabet = [chr(c) for c in range(32, 127)] + ["\u00e9", "\u00df", "\u20ac", "\u65e5"]
schemes = [("yescrypt", "$y$", 1, 3), ("yescrypt", "$y$", 0, 1), ("sha512crypt", "$6$", 1000, 4),
           ("sha512crypt", "$6$", 0, 2), ("sha256crypt", "$5$", 1000, 4), ("md5crypt", "$1$", 0, 6),
           ("bcrypt", "$2b$", 4, 3), ("bcrypt", "$2y$", 4, 2), ("bcrypt", "$2a$", 4, 2), ("des", "", 0, 6)]
for scheme, prefix, count, n in schemes:
    for _ in range(n):
        ascii_only = scheme == "des"
        chars = alphabet[:95] if ascii_only else alphabet
        pw = "".join(rng.choice(chars) for _ in range(rng.randint(0, 40)))
        if scheme == "des":
            salt = rng.choice("./ab09AZyz") + rng.choice("./ab09AZyz")
        else:
            salt = lib.crypt_gensalt(prefix.encode(), count, None, 0).decode()
        h = lib.crypt(pw.encode(), salt.encode()).decode()
        print(json.dumps({"scheme": scheme, "password": pw, "hash": h}))
"#;
    let out = Command::new("/usr/bin/python3")
        .args(["-W", "ignore", "-c", SCRIPT])
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        other => {
            let why = match other {
                Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI=true: the libxcrypt oracle (/usr/bin/python3 + libcrypt.so.1) must work: {why}");
            }
            eprintln!("\n!!! SKIPPED differential_against_system_libxcrypt: no libxcrypt oracle: {why}\n");
            return;
        }
    };
    let hashes = load_jsonl(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(hashes.len(), 33);
    for h in &hashes {
        check_oracle_hash(h);
    }
}

#[test]
fn builtin_list_has_ten_thousand_ranked_entries() {
    let list = common_passwords();
    assert_eq!(list.len(), 10_000);
    let unique: std::collections::HashSet<_> = list.iter().collect();
    assert_eq!(unique.len(), 10_000);
    assert_eq!(
        &list[..5],
        ["123456", "password", "12345678", "qwerty", "123456789"]
    );
    assert_eq!(common_rank("password"), Some(2));
    assert_eq!(common_rank("dragon"), Some(10));
    assert_eq!(common_rank("letmein"), Some(16));
    assert_eq!(common_rank("michael"), Some(20));
    assert_eq!(common_rank("correct horse battery staple 9417"), None);
    for d in [
        "root",
        "toor",
        "admin",
        "changeme",
        "password",
        "docker",
        "ubuntu",
        "debian",
        "alpine",
        "raspberry",
        "vagrant",
    ] {
        assert!(image_defaults().contains(&d), "{d}");
    }
}

#[test]
fn candidates_start_with_account_guesses_then_defaults_then_the_list() {
    let c = Candidates::for_account("admin");
    let first: Vec<&str> = c.as_slice()[..6].iter().map(|c| c.password.as_str()).collect();
    assert_eq!(first, ["", "admin", "nimda", "admin1", "admin12", "admin123"]);
    assert_eq!(c.as_slice()[0].origin, Origin::Empty);
    assert_eq!(c.as_slice()[1].origin, Origin::AccountName);
    // "admin" is an image default too, but appears only once (as the account name).
    assert_eq!(c.as_slice().iter().filter(|c| c.password == "admin").count(), 1);
    let dragon = c.as_slice().iter().find(|c| c.password == "dragon").unwrap();
    assert_eq!(dragon.origin, Origin::CommonList { rank: 10 });
    // "password" is an image default, so it comes before the list and keeps that origin.
    let password = c
        .as_slice()
        .iter()
        .position(|c| c.password == "password")
        .unwrap();
    assert_eq!(c.as_slice()[password].origin, Origin::ImageDefault);
    assert!(password < c.as_slice().iter().position(|c| c.password == "123456").unwrap());
    // Every list entry is there exactly once.
    let unique: std::collections::HashSet<_> = c.as_slice().iter().map(|c| &c.password).collect();
    assert_eq!(unique.len(), c.len());
    assert!(common_passwords().iter().all(|p| unique.contains(&p.to_string())));
}

#[test]
fn login_shell_rule() {
    let shells: std::collections::BTreeSet<String> = ["/bin/sh", "/bin/bash", "/usr/local/bin/app"]
        .map(String::from)
        .into();
    for (shell, with, without) in [
        ("", true, true),
        ("/bin/bash", true, true),
        ("/usr/bin/zsh", true, true),
        ("/usr/sbin/nologin", false, false),
        ("/sbin/nologin", false, false),
        ("/bin/false", false, false),
        ("/bin/sync", false, false),
        ("/dev/null", false, false),
        ("/usr/local/bin/app", true, true),
        ("/opt/other/program", false, true),
    ] {
        assert_eq!(
            is_login_shell(shell, Some(&shells)),
            with,
            "{shell} with /etc/shells"
        );
        assert_eq!(
            is_login_shell(shell, None),
            without,
            "{shell} without /etc/shells"
        );
    }
}

#[test]
fn password_field_classification() {
    assert_eq!(PasswordField::classify(""), PasswordField::Empty);
    assert_eq!(PasswordField::classify("*"), PasswordField::NoPassword);
    assert_eq!(PasswordField::classify("!"), PasswordField::Locked { hash: None });
    assert_eq!(
        PasswordField::classify("!!"),
        PasswordField::Locked { hash: None }
    );
    assert_eq!(
        PasswordField::classify("*LK*"),
        PasswordField::Locked { hash: None }
    );
    assert_eq!(
        PasswordField::classify("!*"),
        PasswordField::Locked { hash: None }
    );
    let hash = "$1$6BFGBBVT$t6UJtWEwkCrCAPYSJbJME1";
    assert_eq!(
        PasswordField::classify(&format!("!{hash}")),
        PasswordField::Locked {
            hash: CryptHash::parse(hash)
        }
    );
    assert_eq!(
        PasswordField::classify(hash),
        PasswordField::Hash(CryptHash::parse(hash).unwrap())
    );
    assert_eq!(PasswordField::classify("x"), PasswordField::Unknown);
    assert_eq!(PasswordField::classify("not a hash"), PasswordField::Unknown);
    assert_eq!(
        CryptHash::parse("abcdefghijklm").map(|h| h.scheme()),
        Some(Scheme::Des)
    );
    assert_eq!(CryptHash::parse("abcdefghijkl!"), None);
}

fn fixture_db(shells: bool) -> AccountDb {
    let shells_file = read("accounts/shells");
    AccountDb::parse(
        &read("accounts/passwd"),
        Some(&read("accounts/shadow")),
        shells.then_some(&shells_file[..]),
    )
}

#[test]
fn fixture_accounts_parse_with_warnings_for_every_bad_line() {
    let db = fixture_db(true);
    let names: Vec<&str> = db.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "root", "daemon", "bin", "sync", "admin", "dev", "guest", "locked", "legacy", "svc", "strong",
            "noshadow"
        ]
    );
    let get = |n: &str| db.get(n).unwrap();
    let root = get("root");
    assert_eq!(
        (root.uid, root.gid, root.home.as_str(), root.shell.as_str()),
        (0, 0, "/root", "/bin/bash")
    );
    assert!(root.login_shell);
    assert_eq!(root.password_source, PasswordSource::Shadow);
    assert!(matches!(&root.password, PasswordField::Hash(h) if h.scheme() == Scheme::Md5Crypt));
    assert_eq!((root.passwd_line, root.shadow_line), (1, Some(1)));
    assert!(!get("daemon").login_shell);
    assert_eq!(get("daemon").password, PasswordField::NoPassword);
    assert!(!get("sync").login_shell);
    let admin = get("admin");
    assert!(matches!(&admin.password, PasswordField::Hash(h) if h.scheme() == Scheme::Yescrypt));
    let aging = admin.aging.unwrap();
    assert_eq!(
        (
            aging.last_change,
            aging.min_days,
            aging.max_days,
            aging.warn_days,
            aging.inactive_days,
            aging.expire_date
        ),
        (Some(19500), Some(0), Some(90), Some(7), Some(30), Some(20000))
    );
    assert!(matches!(&get("dev").password, PasswordField::Hash(h) if h.scheme() == Scheme::Sha512Crypt));
    assert_eq!(get("guest").password, PasswordField::Empty);
    assert!(
        matches!(&get("locked").password, PasswordField::Locked { hash: Some(h) } if h.scheme() == Scheme::Sha512Crypt)
    );
    let legacy = get("legacy");
    assert_eq!(legacy.password_source, PasswordSource::Passwd);
    assert!(matches!(&legacy.password, PasswordField::Hash(h) if h.scheme() == Scheme::Des));
    assert!(legacy.login_shell, "an empty shell is /bin/sh");
    assert_eq!(legacy.aging, None);
    let svc = get("svc");
    assert_eq!(svc.password, PasswordField::Empty);
    assert!(!svc.login_shell, "not in /etc/shells and not a known shell");
    assert_eq!(svc.aging.unwrap().last_change, Some(19500));
    assert_eq!(svc.aging.unwrap().max_days, None);
    let strong = get("strong");
    assert_eq!(strong.aging.unwrap().last_change, Some(0));
    assert_eq!(strong.aging.unwrap().min_days, None, "\"zero\" is not a number");
    assert_eq!(get("noshadow").password, PasswordField::MissingShadow);

    let warnings: Vec<(&str, Option<usize>)> =
        db.warnings.iter().map(|w| (w.file.as_str(), w.line)).collect();
    assert_eq!(
        warnings,
        [
            ("/etc/passwd", Some(13)), // uid "abc"
            ("/etc/passwd", Some(14)), // 3 fields
            ("/etc/passwd", Some(15)), // NIS +
            ("/etc/passwd", Some(16)), // not UTF-8
            ("/etc/passwd", Some(17)), // duplicate root
            ("/etc/shadow", Some(9)),  // svc: 3 fields, read in part
            ("/etc/shadow", Some(10)), // strong: min "zero"
            ("/etc/shadow", Some(11)), // ghost: no passwd entry
            ("/etc/shadow", Some(12)), // 11 fields
            ("/etc/shells", Some(6)),  // relative path
        ]
    );
    let text: Vec<String> = db.warnings.iter().map(ToString::to_string).collect();
    assert!(
        text[0].starts_with("/etc/passwd:13: account \"broken\": uid \"abc\""),
        "{}",
        text[0]
    );
    assert!(text[3].contains("not valid UTF-8"), "{}", text[3]);
    assert!(
        text[7].contains("\"ghost\" has no /etc/passwd entry"),
        "{}",
        text[7]
    );
    // Debug output never shows hashes.
    assert!(!format!("{db:?}").contains("$1$6BFGBBVT"));
}

#[test]
fn absent_shadow_and_odd_input_never_panic() {
    let db = AccountDb::parse(
        b"root:x:0:0::/root:/bin/sh\nu:$1$6BFGBBVT$t6UJtWEwkCrCAPYSJbJME1:5:5::/:\n",
        None,
        None,
    );
    assert_eq!(db.accounts[0].password, PasswordField::MissingShadow);
    assert!(matches!(&db.accounts[1].password, PasswordField::Hash(h) if h.scheme() == Scheme::Md5Crypt));
    assert!(db.warnings.is_empty());

    // CRLF line ends are accepted.
    let db = AccountDb::parse(b"a:x:1:1::/:/bin/sh\r\n", Some(b"a::1:2:3:4:5:6:\r\n"), None);
    assert_eq!(db.accounts[0].password, PasswordField::Empty);
    assert_eq!(db.accounts[0].aging.unwrap().expire_date, Some(6));

    // A huge file is cut at MAX_FILE_BYTES with one warning.
    let mut huge = b"root:x:0:0::/root:/bin/sh\n".to_vec();
    huge.resize(MAX_FILE_BYTES + 100, b'#');
    let db = AccountDb::parse(&huge, None, None);
    assert_eq!(db.accounts.len(), 1);
    assert_eq!(db.warnings.len(), 1);
    assert_eq!(db.warnings[0].line, None);

    // Pseudo-random bytes (xorshift) with many ':' and '\n' neither panic nor hang.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut bytes = Vec::new();
    for _ in 0..200_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.push(match state % 8 {
            0 => b':',
            1 => b'\n',
            2 => b'$',
            _ => (state >> 8) as u8,
        });
    }
    let db = AccountDb::parse(&bytes, Some(&bytes), Some(&bytes));
    assert!(!db.warnings.is_empty());

    for bad in [
        "$y$",
        "$y$j9T$",
        "$y$$$",
        "$y$j9T$salt$",
        "$y$jZZZZZZZZZZ$abc$def",
        "$2b$xx$abc",
        "$2b$04$short",
        "$5$rounds=abc$salt$hash",
        "$5$rounds=999$salt$hash",
        "$6$rounds=99999999999999999999$a$b",
        "$1$",
        "$1$$",
        "$6$$",
        "$gy$j9T$a$b",
        "$7$",
        "_",
        "..",
        "$$$",
    ] {
        if let Some(h) = CryptHash::parse(bad) {
            let r = h.verify("password");
            assert_ne!(r, Ok(true), "{bad}");
            let _ = crack(
                &h,
                &Candidates::from_list(["a".to_string(), "b".to_string()]),
                &Budget::default(),
            );
        }
    }
}

fn md5_of_password() -> CryptHash {
    // libxcrypt: crypt("password", "$1$saltsalt$").
    CryptHash::parse("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/").unwrap()
}

#[test]
fn crack_finds_a_listed_password_and_reports_its_rank() {
    let candidates = Candidates::for_account("nobody2");
    let outcome = crack(&md5_of_password(), &candidates, &Budget::unlimited());
    let Outcome::Found { password, tried } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(password.expose(), "password");
    assert_eq!(password.origin, Origin::ImageDefault);
    assert_eq!(
        tried,
        candidates
            .as_slice()
            .iter()
            .position(|c| c.password == "password")
            .unwrap()
            + 1
    );
    assert_eq!(password.masked(), "p******d (8 chars)");
    assert!(!format!("{password:?}").contains("password"));

    // With only the list, the origin is the rank.
    let list = Candidates::from_list(common_passwords().iter().map(|s| s.to_string()));
    let Outcome::Found { password, tried } = crack(&md5_of_password(), &list, &Budget::unlimited()) else {
        panic!()
    };
    assert_eq!((password.origin, tried), (Origin::Custom { position: 2 }, 2));
}

#[test]
fn crack_exhausts_the_list_when_the_password_is_not_in_it() {
    // libxcrypt md5crypt of a password that is not in the list (from make-fixtures.py's hashes).
    let hashes = load_jsonl(&String::from_utf8(read("hashes.jsonl")).unwrap());
    let h = hashes
        .iter()
        .find(|h| h.scheme == "md5crypt" && h.password == "Tr0ub4dor&3")
        .unwrap();
    let candidates = Candidates::for_account("strong");
    let outcome = crack(
        &CryptHash::parse(&h.hash).unwrap(),
        &candidates,
        &Budget::unlimited(),
    );
    assert_eq!(
        outcome,
        Outcome::NotFound {
            tried: candidates.len()
        }
    );
    assert!(candidates.len() > 10_000);
    assert_eq!(
        outcome.describe(),
        format!(
            "none of the {} candidates (account-name guesses, image defaults, common passwords) matched",
            candidates.len()
        )
    );
}

#[test]
fn crack_stops_at_the_budget_for_slow_hashes_and_says_so() {
    let hashes = load_jsonl(&String::from_utf8(read("hashes.jsonl")).unwrap());
    let yes = hashes
        .iter()
        .find(|h| h.hash.starts_with("$y$j9T$") && h.password == "Tr0ub4dor&3")
        .unwrap();
    let yes = CryptHash::parse(&yes.hash).unwrap();
    let candidates = Candidates::for_account("alice");
    let budget = Budget {
        time: Some(Duration::from_millis(300)),
        candidates: None,
    };
    let outcome = crack(&yes, &candidates, &budget);
    let Outcome::BudgetExhausted {
        tried,
        of,
        elapsed,
        estimate_full,
        ref cost,
        slow_by_design,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(tried >= 1 && tried < of, "{tried} of {of}");
    assert_eq!(of, candidates.len());
    assert!(elapsed >= Duration::from_millis(300));
    assert_eq!(estimate_full, Some(elapsed / tried as u32 * of as u32));
    assert_eq!(cost, "yescrypt N=4096 r=32 p=1 (16 MiB per guess)");
    assert!(slow_by_design);
    let text = outcome.describe();
    assert!(text.contains(&format!("after {tried} of {of} guesses")), "{text}");
    assert!(text.contains("slow by design"), "{text}");
    assert!(text.contains("the whole list would need ~"), "{text}");

    // A zero budget tries nothing and makes no estimate.
    let outcome = crack(&yes, &candidates, &Budget::seconds(0.0));
    assert!(
        matches!(
            outcome,
            Outcome::BudgetExhausted {
                tried: 0,
                estimate_full: None,
                ..
            }
        ),
        "{outcome:?}"
    );

    // A candidate budget is exact.
    let b = hashes
        .iter()
        .find(|h| h.hash.starts_with("$2b$04$") && h.password == "Tr0ub4dor&3")
        .unwrap();
    let b = CryptHash::parse(&b.hash).unwrap();
    let outcome = crack(
        &b,
        &candidates,
        &Budget {
            time: None,
            candidates: Some(5),
        },
    );
    assert!(
        matches!(
            outcome,
            Outcome::BudgetExhausted {
                tried: 5,
                slow_by_design: true,
                ..
            }
        ),
        "{outcome:?}"
    );
}

#[test]
fn crack_reports_unsupported_and_over_limit_hashes() {
    let gy = CryptHash::parse("$gy$j9T$2BuGHn6bsOx4qBYvVFiEe.$7akdcpZ0o6Cbv9alBYO.z3vPoqXXg99CAhU0e8JiURC")
        .unwrap();
    let Outcome::Unsupported(u) = crack(&gy, &Candidates::for_account("x"), &Budget::default()) else {
        panic!()
    };
    assert_eq!(u.scheme, Scheme::GostYescrypt);
    let bcrypt31 = CryptHash::parse("$2b$31$shfeWVd/G/1ioOOGM3NiM.8mo4xVnaqa3RcUjpnReQIgxrfehSnH2").unwrap();
    let Outcome::Unsupported(u) = crack(&bcrypt31, &Candidates::for_account("x"), &Budget::default()) else {
        panic!()
    };
    assert_eq!(u.reason, "cost 31 is more than the limit of 16");
    let sha = CryptHash::parse("$6$rounds=999999999$abc$def").unwrap();
    assert!(matches!(
        crack(&sha, &Candidates::for_account("x"), &Budget::default()),
        Outcome::Unsupported(_)
    ));
}

#[test]
fn weak_accounts_of_the_fixture_image() {
    let shells = read("accounts/shells");
    let report = weak_accounts(
        &read("accounts/passwd"),
        Some(&read("accounts/shadow")),
        Some(&shells),
        &Budget::unlimited(),
    );
    let empty: Vec<&str> = report.empty.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(empty, ["guest"]);
    let cracked: Vec<(&str, &str, Origin, Scheme)> = report
        .cracked
        .iter()
        .map(|c| (c.account.name.as_str(), c.masked.as_str(), c.origin, c.scheme))
        .collect();
    assert_eq!(
        cracked,
        [
            (
                "admin",
                "a******3 (8 chars)",
                Origin::AccountName,
                Scheme::Yescrypt
            ),
            (
                "dev",
                "****** (6 chars)",
                Origin::CommonList { rank: 10 },
                Scheme::Sha512Crypt
            ),
            (
                "legacy",
                "******* (7 chars)",
                Origin::CommonList { rank: 16 },
                Scheme::Des
            ),
            ("root", "**** (4 chars)", Origin::AccountName, Scheme::Md5Crypt),
        ]
    );
    assert_eq!(
        report.cracked[1].describe(),
        "password ****** (6 chars), in the built-in list of common passwords at rank 10 (sha512crypt)"
    );
    assert_eq!(report.not_found, ["strong"]);
    assert!(report.unchecked.is_empty());
    assert_eq!(report.warnings.len(), 10);
    assert_eq!(report.accounts.accounts.len(), 12);

    // Without /etc/shells, svc's unknown shell counts as a login shell.
    let report = weak_accounts(
        &read("accounts/passwd"),
        Some(&read("accounts/shadow")),
        None,
        &Budget {
            time: None,
            candidates: Some(20),
        },
    );
    let empty: Vec<&str> = report.empty.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(empty, ["guest", "svc"]);
    let unchecked: Vec<&str> = report.unchecked.iter().map(|u| u.account.name.as_str()).collect();
    assert_eq!(unchecked, ["dev", "legacy", "strong"]);
}

#[test]
fn masks() {
    assert_eq!(mask(""), "(empty)");
    assert_eq!(mask("abc"), "*** (3 chars)");
    assert_eq!(mask("password"), "p******d (8 chars)");
    assert_eq!(mask("pässwörd"), "p******d (8 chars)");
}
