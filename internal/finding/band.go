package finding

// Confidence bands. A check picks the band its evidence earns and states
// any adjustment beside it (Strong + 0.03, Likely - 0.1), so that every
// number in the code is read against one written scale:
//
//   - Certain: the evidence admits no other reading. The server or the
//     artefact says it in so many words (RFC 6750's error="invalid_token"
//     with an expired exp, a decoded exp in the past by both clocks, a
//     certificate that fails verification, a file the server cannot
//     read).
//   - Strong: direct evidence for this cause; another reading is possible
//     but takes something unusual. "Strong" and "certain" findings must
//     be right at least 95 % of the time, which the calibration benchmark
//     measures.
//   - Likely: the best explanation of what was seen, with a named
//     alternative that the evidence does not rule out.
//   - Suspicion: consistent with the evidence and worth checking, but not
//     shown by it; listed so the reader can rule it out.
const (
	Certain   = 0.97
	Strong    = 0.90
	Likely    = 0.70
	Suspicion = 0.40
)

// Band is the name of a confidence range.
type Band string

// The bands, strongest first.
const (
	BandCertain   Band = "certain"
	BandStrong    Band = "strong"
	BandLikely    Band = "likely"
	BandSuspicion Band = "suspicion"
)

// Lower bounds of the bands: a confidence at or above a bound is in that
// band or a stronger one.
const (
	certainFrom = 0.95
	strongFrom  = 0.85
	likelyFrom  = 0.55
)

// BandOf returns the band of confidence c.
func BandOf(c float64) Band {
	switch {
	case c >= certainFrom:
		return BandCertain
	case c >= strongFrom:
		return BandStrong
	case c >= likelyFrom:
		return BandLikely
	}
	return BandSuspicion
}

// clamp keeps c in 0..1.
func clamp(c float64) float64 {
	switch {
	case c < 0:
		return 0
	case c > 1:
		return 1
	}
	return c
}
