package finding

import (
	"cmp"
	"slices"

	"github.com/why401/why401/internal/catalog"
)

// Context is what is known about the request or configuration a finding
// is about; it selects the catalog's fixes (catalog.Fix.Fits).
type Context = catalog.FixContext

// NearTie is how close two confidences must be for the ranking rules
// below to decide their order instead of the numbers.
const NearTie = 0.05

// Rank merges the findings of one diagnosis by cause (keeping the
// strongest report and the evidence of all), orders them most likely
// first and attaches the catalog's words and the fixes that fit ctx.
//
// Order: by confidence; within NearTie, a cause that explains another
// (catalog.Cause.Explains: the specific defect behind a generic symptom,
// such as a 401 without a challenge behind "no credentials") comes
// before it; remaining ties go by the catalog's order.
func Rank(all []Finding, ctx Context) []Finding {
	byCause := map[catalog.ID]int{}
	var out []Finding
	for _, f := range all {
		i, ok := byCause[f.Cause]
		if !ok {
			byCause[f.Cause] = len(out)
			out = append(out, f)
			continue
		}
		g := &out[i]
		if f.Confidence > g.Confidence {
			f.Evidence = mergeLines(f.Evidence, g.Evidence)
			*g = f
		} else {
			g.Evidence = mergeLines(g.Evidence, f.Evidence)
		}
	}
	order := catalogOrder()
	slices.SortStableFunc(out, func(a, b Finding) int {
		if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
			return c
		}
		return cmp.Compare(order[a.Cause], order[b.Cause])
	})
	promoteExplanations(out)
	for i := range out {
		Attach(&out[i], ctx)
	}
	return out
}

// promoteExplanations moves a finding above the nearest stronger one it
// explains when their confidences are within NearTie, until no such pair
// is left. The relation has no cycles (the catalog's tests hold that), so
// this ends.
func promoteExplanations(fs []Finding) {
	for moved := true; moved; {
		moved = false
		for j := 1; j < len(fs); j++ {
			for i := 0; i < j; i++ {
				if fs[i].Confidence-fs[j].Confidence > NearTie || !catalog.Explains(fs[j].Cause, fs[i].Cause) {
					continue
				}
				f := fs[j]
				copy(fs[i+1:j+1], fs[i:j])
				fs[i] = f
				moved = true
				break
			}
		}
	}
}

// Sort orders located findings (configuration, logs) by file, line and
// cause, drops exact repeats and attaches the catalog's words; each
// finding's Server, when set, narrows ctx for its fixes.
func Sort(all []Finding, ctx Context) []Finding {
	slices.SortStableFunc(all, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Location.File, b.Location.File),
			cmp.Compare(a.Location.Line, b.Location.Line),
			cmp.Compare(a.Cause, b.Cause),
		)
	})
	out := all[:0]
	seen := map[string]bool{}
	for _, f := range all {
		k := f.Location.String() + "\x00" + string(f.Cause) + "\x00" + f.Detail
		if seen[k] {
			continue
		}
		seen[k] = true
		Attach(&f, ctx)
		out = append(out, f)
	}
	return out
}

// Attach fills in what the catalog holds for f's cause: its title, its
// severity when the check set none, its doc anchor, the band of its
// confidence and its fixes that fit ctx (and f.Server).
func Attach(f *Finding, ctx Context) {
	c, ok := catalog.Lookup(f.Cause)
	if !ok {
		return
	}
	f.Title = c.Title
	if f.Detail == f.Title {
		f.Detail = ""
	}
	if f.Severity == "" {
		f.Severity = c.Severity
	}
	f.Band = BandOf(f.Confidence)
	f.Doc = catalog.DocURL(f.Cause)
	if f.Server != "" {
		ctx.Software = append(slices.Clip(ctx.Software), f.Server)
	}
	f.Fixes = c.FixesFor(ctx)
	if f.Evidence == nil {
		f.Evidence = []string{}
	}
}

func catalogOrder() map[catalog.ID]int {
	order := map[catalog.ID]int{}
	for i, c := range catalog.All() {
		order[c.ID] = i
	}
	return order
}

func mergeLines(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}
