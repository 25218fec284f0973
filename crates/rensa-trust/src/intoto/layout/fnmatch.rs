//! Python `fnmatch.fnmatchcase` patterns, which in-toto artifact rules use (POSIX: case sensitive).
//!
//! `*` matches any run of characters, `/` included; `?` one character; `[seq]` one character in
//! `seq` (ranges `a-z`; a `]` right after `[` or `[!` is a member); `[!seq]` one character not in
//! `seq`; a `[` without a closing `]` is a literal. Nothing else is special: there is no escape
//! character.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Star,
    Any,
    Literal(char),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

fn compile(pattern: &str) -> Vec<Token> {
    let p: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        i += 1;
        match c {
            '*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
            }
            '?' => tokens.push(Token::Any),
            '[' => {
                let mut j = i;
                if j < p.len() && p[j] == '!' {
                    j += 1;
                }
                if j < p.len() && p[j] == ']' {
                    j += 1;
                }
                while j < p.len() && p[j] != ']' {
                    j += 1;
                }
                if j >= p.len() {
                    tokens.push(Token::Literal('['));
                    continue;
                }
                let mut set = &p[i..j];
                i = j + 1;
                let negated = set.first() == Some(&'!');
                if negated {
                    set = &set[1..];
                }
                let mut ranges = Vec::new();
                let mut k = 0;
                while k < set.len() {
                    if k + 2 < set.len() && set[k + 1] == '-' {
                        // A reversed range (`z-a`) matches nothing, as in Python.
                        ranges.push((set[k], set[k + 2]));
                        k += 3;
                    } else {
                        ranges.push((set[k], set[k]));
                        k += 1;
                    }
                }
                tokens.push(Token::Class { negated, ranges });
            }
            other => tokens.push(Token::Literal(other)),
        }
    }
    tokens
}

fn one(token: &Token, c: char) -> bool {
    match token {
        Token::Star => true,
        Token::Any => true,
        Token::Literal(l) => *l == c,
        Token::Class { negated, ranges } => ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated,
    }
}

/// Whether `name` matches the fnmatch `pattern` as a whole.
pub fn fnmatch(pattern: &str, name: &str) -> bool {
    let tokens = compile(pattern);
    let s: Vec<char> = name.chars().collect();
    // Iterative matcher with backtracking to the last star (linear in practice).
    let (mut t, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if t < tokens.len() && tokens[t] == Token::Star {
            star = Some((t, i));
            t += 1;
            continue;
        }
        if i == s.len() && t == tokens.len() {
            return true;
        }
        if i < s.len() && t < tokens.len() && one(&tokens[t], s[i]) {
            t += 1;
            i += 1;
            continue;
        }
        match star {
            Some((st, si)) if si < s.len() => {
                star = Some((st, si + 1));
                t = st + 1;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn python_fnmatchcase_semantics() {
        let cases = [
            ("*", "", true),
            ("*", "a/b/c", true),
            ("src/*", "src/a/b.c", true),
            ("*.tar.gz", "app.tar.gz", true),
            ("*.tar.gz", "app.tar.gzx", false),
            ("?", "ab", false),
            ("a?c", "a/c", true),
            ("[abc]x", "bx", true),
            ("[!abc]x", "bx", false),
            ("[!abc]x", "dx", true),
            ("[]]", "]", true),
            ("[!]]", "a", true),
            ("[a-c]", "b", true),
            ("[z-a]", "b", false),
            ("[a-]", "-", true),
            ("[", "[", true),
            ("[abc", "[abc", true),
            ("\\*", "\\x", true),
            ("A*", "a", false),
            ("*a*b*", "xxaxxbxx", true),
            ("*a*b", "xxaxxbxx", false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(fnmatch(pattern, name), expected, "{pattern} vs {name}");
        }
    }
}
