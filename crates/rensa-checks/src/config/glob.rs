//! Shell-style wildcard matching (`*`, `?`, `[a-z]`, `[!x]`) for `Include` globs and sshd patterns.

/// Whether `text` matches the whole of `pattern`. `*` and `?` never match `/` when `path` is set.
pub(crate) fn matches(pattern: &str, text: &str, path: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' if !(path && t[ti] == '/') => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((ok, next)) = class(&p, pi, t[ti]) {
                        if ok && !(path && t[ti] == '/') {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == '[' {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) if !(path && t[st] == '/') => {
                star = Some((sp, st + 1));
                pi = sp + 1;
                ti = st + 1;
            }
            _ => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Parses the bracket expression at `p[start]` (`[`) against `c`: `(matched, index after ])`, or
/// `None` when the bracket is not closed (then it is a literal `[`).
fn class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = i < p.len() && (p[i] == '!' || p[i] == '^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            if p[i] <= c && c <= p[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

/// Whether a glob component has wildcards.
pub(crate) fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards() {
        assert!(matches("*.conf", "50-cloud.conf", true));
        assert!(!matches("*.conf", "50-cloud.conf.bak", true));
        assert!(!matches("*.conf", "a/b.conf", true));
        assert!(matches("a?c", "abc", false));
        assert!(matches("[0-9]*", "10-x", true));
        assert!(!matches("[!0-9]*", "10-x", true));
        assert!(matches("192.168.*", "192.168.1.2", false));
        assert!(matches("*", "", false));
        assert!(!matches("a", "", false));
        assert!(matches("[", "[", false));
    }
}
