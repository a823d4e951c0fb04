//! IAM-style wildcard matching: `*` matches any run of characters, `?` one character,
//! case-insensitively (IAM matches action names without regard to case).

/// Whether `text` matches `pattern`. Both are compared ASCII-case-insensitively.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    wildcard(pattern, text, |a, b| a.eq_ignore_ascii_case(&b))
}

/// Whether `text` matches `pattern`, case-sensitively (Terraform addresses and principal ids).
pub(crate) fn matches_exactly(pattern: &str, text: &str) -> bool {
    wildcard(pattern, text, |a, b| a == b)
}

/// `*` and `?` matching in linear space, backtracking only to the last `*`.
fn wildcard(pattern: &str, text: &str, same: impl Fn(u8, u8) -> bool) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0, 0);
    // Position of the last `*` in the pattern and the text position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || same(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether a pattern has wildcards.
pub(crate) fn is_pattern(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn iam_wildcards() {
        assert!(matches("*", "iam:PutRolePolicy"));
        assert!(matches("iam:*", "iam:PutRolePolicy"));
        assert!(matches("iam:put*", "IAM:PutRolePolicy"));
        assert!(matches("iam:?ass*", "iam:PassRole"));
        assert!(matches("iam:*Policy", "iam:PutRolePolicy"));
        assert!(!matches("iam:Put*", "iam:AttachRolePolicy"));
        assert!(!matches("iam:PutRolePolicy", "iam:PutRolePolicyX"));
        assert!(matches("*:Get*", "s3:GetObject"));
        assert!(!matches("s3:Get*Policy", "s3:GetObject"));
    }

    #[test]
    fn addresses_match_case_sensitively() {
        use super::matches_exactly;
        assert!(matches_exactly(
            "module.legacy.*",
            "module.legacy.aws_iam_role.x"
        ));
        assert!(!matches_exactly(
            "module.Legacy.*",
            "module.legacy.aws_iam_role.x"
        ));
        assert!(matches_exactly("aws_iam_role.?", "aws_iam_role.a"));
        assert!(!matches_exactly("aws_iam_role.a", "aws_iam_role.ab"));
    }
}
