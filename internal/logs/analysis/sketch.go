package analysis

import (
	"container/heap"
	"math"
	"math/bits"
	"sort"
)

// topK counts the heaviest keys of a stream in bounded memory with the
// space-saving algorithm (Metwally, Agrawal, El Abbadi): at most k keys
// are kept; an unseen key replaces the lightest one and inherits its
// count as overestimation. Every key whose true count exceeds N/k is
// kept. V is extra per-key state, reset when a key takes over a slot.
type topK[V any] struct {
	k     int
	index map[uint64]int // key -> position in items
	items []*item[V]     // a min-heap on Count
}

// item is one tracked key.
type item[V any] struct {
	Key   uint64
	Label string
	Count int64
	// Err bounds the overestimation of Count.
	Err int64
	V   V
	pos int
}

// newTopK returns a topK keeping k keys.
func newTopK[V any](k int) *topK[V] {
	if k < 1 {
		k = 1
	}
	return &topK[V]{k: k, index: make(map[uint64]int, k)}
}

func (t *topK[V]) Len() int           { return len(t.items) }
func (t *topK[V]) Less(i, j int) bool { return t.items[i].Count < t.items[j].Count }
func (t *topK[V]) Swap(i, j int) {
	t.items[i], t.items[j] = t.items[j], t.items[i]
	t.items[i].pos, t.items[j].pos = i, j
	t.index[t.items[i].Key], t.index[t.items[j].Key] = i, j
}
func (t *topK[V]) Push(x any) {
	it := x.(*item[V])
	it.pos = len(t.items)
	t.items = append(t.items, it)
	t.index[it.Key] = it.pos
}
func (t *topK[V]) Pop() any {
	it := t.items[len(t.items)-1]
	t.items = t.items[:len(t.items)-1]
	delete(t.index, it.Key)
	return it
}

// Get returns the item of key, or nil when it is not tracked.
func (t *topK[V]) Get(key uint64) *item[V] {
	if i, ok := t.index[key]; ok {
		return t.items[i]
	}
	return nil
}

// Add counts n more for key and returns its item. label is called only
// when the key takes a slot, so callers build strings lazily.
func (t *topK[V]) Add(key uint64, n int64, label func() string) *item[V] {
	if i, ok := t.index[key]; ok {
		it := t.items[i]
		it.Count += n
		heap.Fix(t, i)
		return it
	}
	if len(t.items) < t.k {
		it := &item[V]{Key: key, Label: label(), Count: n}
		heap.Push(t, it)
		return it
	}
	it := t.items[0]
	delete(t.index, it.Key)
	var zero V
	*it = item[V]{Key: key, Label: label(), Count: it.Count + n, Err: it.Count, V: zero, pos: 0}
	t.index[key] = 0
	heap.Fix(t, 0)
	return it
}

// Top returns up to n items, heaviest first (ties by label).
func (t *topK[V]) Top(n int) []*item[V] {
	out := append([]*item[V](nil), t.items...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Label < out[j].Label
	})
	if n >= 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// distinct estimates how many distinct hashes were added, by linear
// counting over a fixed bitmap: memory stays at its size however many
// keys arrive; the estimate saturates at about words*64*ln(words*64).
type distinct struct {
	bits []uint64
}

// newDistinct returns a counter of words 64-bit words.
func newDistinct(words int) distinct { return distinct{bits: make([]uint64, words)} }

// Add records hash h.
func (d *distinct) Add(h uint64) {
	if d.bits == nil {
		d.bits = make([]uint64, 4)
	}
	m := uint64(len(d.bits) * 64)
	b := (h >> 7) % m
	d.bits[b/64] |= 1 << (b % 64)
}

// Estimate returns the estimated number of distinct hashes.
func (d *distinct) Estimate() int {
	if d.bits == nil {
		return 0
	}
	m := float64(len(d.bits) * 64)
	set := 0
	for _, w := range d.bits {
		set += bits.OnesCount64(w)
	}
	zero := m - float64(set)
	if zero < 1 {
		zero = 0.5
	}
	return int(math.Round(m * math.Log(m/zero)))
}
