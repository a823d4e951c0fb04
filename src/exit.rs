//! The process's exit status: the one mapping from what a run decided to 0, 1 or 2.
//!
//! The command line and the forges both end here; no other module knows the numbers.

use crate::judge::Verdict;

/// How a run of foureyes ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: nothing needs an independent approval, or an independent approval was counted (or
    /// `--exit-zero` asked to report without failing).
    Pass,
    /// 1: an independent approval is required, and missing.
    ApprovalRequired,
    /// 2: a usage, configuration, input or forge error.
    Error,
}

impl Exit {
    /// The status the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Exit::Pass => 0,
            Exit::ApprovalRequired => 1,
            Exit::Error => 2,
        }
    }

    /// The end of a review: its verdict, unless `--exit-zero` asked to report only.
    pub(crate) fn of_verdict(verdict: Verdict, exit_zero: bool) -> Exit {
        match verdict {
            Verdict::ApprovalRequired if !exit_zero => Exit::ApprovalRequired,
            _ => Exit::Pass,
        }
    }

    /// The end of a forge run: whether the gate is open (the change may merge), unless
    /// `--exit-zero` asked to report only.
    pub(crate) fn of_gate(open: bool, exit_zero: bool) -> Exit {
        if open || exit_zero {
            Exit::Pass
        } else {
            Exit::ApprovalRequired
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_are_the_contract() {
        assert_eq!(Exit::Pass.code(), 0);
        assert_eq!(Exit::ApprovalRequired.code(), 1);
        assert_eq!(Exit::Error.code(), 2);
        assert_eq!(
            Exit::of_verdict(Verdict::ApprovalRequired, false),
            Exit::ApprovalRequired
        );
        assert_eq!(
            Exit::of_verdict(Verdict::ApprovalRequired, true),
            Exit::Pass
        );
        assert_eq!(Exit::of_verdict(Verdict::Pass, false), Exit::Pass);
        assert_eq!(Exit::of_gate(false, false), Exit::ApprovalRequired);
        assert_eq!(Exit::of_gate(false, true), Exit::Pass);
        assert_eq!(Exit::of_gate(true, false), Exit::Pass);
    }
}
