//! Durations an experiment sets (timeouts, pauses): finite, not negative
//! and at most [`MAX_SECONDS`], converted without panicking.

use std::time::Duration;

/// The longest timeout or pause an experiment may set: one day.
pub const MAX_SECONDS: f64 = 86_400.0;

/// Why a number of seconds is not a usable duration.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum DurationError {
    /// NaN or infinite.
    #[error("{0} is not a finite number of seconds")]
    NotFinite(f64),
    /// Below zero.
    #[error("{0} is a negative number of seconds")]
    Negative(f64),
    /// Above [`MAX_SECONDS`].
    #[error("{0} seconds is over the limit of {MAX_SECONDS} seconds")]
    TooLong(f64),
}

/// `secs` as a [`Duration`].
///
/// # Errors
/// A value that is not finite, is negative or exceeds [`MAX_SECONDS`].
pub fn seconds(secs: f64) -> Result<Duration, DurationError> {
    if !secs.is_finite() {
        return Err(DurationError::NotFinite(secs));
    }
    if secs < 0.0 {
        return Err(DurationError::Negative(secs));
    }
    if secs > MAX_SECONDS {
        return Err(DurationError::TooLong(secs));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| DurationError::TooLong(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_number_of_seconds_is_a_duration() {
        assert_eq!(seconds(1.5), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn huge_negative_and_non_finite_seconds_are_refused() {
        assert_eq!(seconds(1e300), Err(DurationError::TooLong(1e300)));
        assert_eq!(seconds(-1.0), Err(DurationError::Negative(-1.0)));
        assert!(matches!(seconds(f64::NAN), Err(DurationError::NotFinite(_))));
    }
}
