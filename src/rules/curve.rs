//! What a rule reads of a series: points in x order with finite values, made
//! once by a named policy for the non-finite ones, so each rule's choice is
//! one visible call instead of a check buried in its arithmetic.
//!
//! ```
//! use curvecheck::rules::curve::Curve;
//! let (x, y) = ([0.0, 1.0, 2.0, 3.0], [1.0, 0.5, f64::NAN, 0.2]);
//! assert!(Curve::all_finite(&x, &y).is_none());
//! assert_eq!(Curve::until_non_finite(&x, &y).unwrap().y, &[1.0, 0.5]);
//! ```

/// Borrowed points of a series, x non-decreasing and every y finite (the constructors check both).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Curve<'a> {
    /// Where each point sits (step or epoch), non-decreasing.
    pub x: &'a [f64],
    /// The values, all finite.
    pub y: &'a [f64],
}

impl<'a> Curve<'a> {
    /// Every point, or nothing when any value is non-finite: for rules that judge a trend over a
    /// whole stretch (a NaN there is divergence's business, not a trend).
    pub fn all_finite(x: &'a [f64], y: &'a [f64]) -> Option<Curve<'a>> {
        if y.iter().all(|v| v.is_finite()) {
            Curve::checked(x, y)
        } else {
            None
        }
    }

    /// The points before the first non-finite value: for rules about how a run began.
    pub fn until_non_finite(x: &'a [f64], y: &'a [f64]) -> Option<Curve<'a>> {
        let end = y.iter().position(|v| !v.is_finite()).unwrap_or(y.len());
        Curve::checked(&x[..end], &y[..end])
    }

    /// `None` unless x is in order (a log whose x goes back after restarts were resolved
    /// is not a curve a trend can be read from) and there is one x per value.
    fn checked(x: &'a [f64], y: &'a [f64]) -> Option<Curve<'a>> {
        (x.len() == y.len() && x.windows(2).all(|w| w[0] <= w[1])).then_some(Curve { x, y })
    }

    /// How many points.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// No point at all.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}
