package analysis

import (
	"container/heap"
	"context"
)

// cursor walks one stream's events in order.
type cursor struct {
	st   *stream
	res  *chunkResult
	i    int
	done bool
}

// next loads the next non-empty chunk result; false at the end.
func (c *cursor) next(ctx context.Context, a *analyzer) (bool, error) {
	for {
		var out chan *chunkResult
		var ok bool
		select {
		case out, ok = <-c.st.order:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		if !ok {
			c.res, c.done = nil, true
			return false, nil
		}
		recycle(c.res)
		var res *chunkResult
		select {
		case res = <-out:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		a.chunk(c.st.src.Input.Name, res)
		c.res, c.i = res, 0
		if len(res.events) > 0 {
			return true, nil
		}
	}
}

type cursorHeap []*cursor

func (h cursorHeap) Len() int { return len(h) }
func (h cursorHeap) Less(i, j int) bool {
	return h[i].res.events[h[i].i].t < h[j].res.events[h[j].i].t
}
func (h cursorHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// merge feeds every stream's events to a in time order: a single stream
// as it comes, several through a heap keyed by each one's next event.
func merge(ctx context.Context, streams []*stream, a *analyzer) error {
	if len(streams) == 1 {
		c := &cursor{st: streams[0]}
		for {
			ok, err := c.next(ctx, a)
			if err != nil || !ok {
				return err
			}
			for i := range c.res.events {
				a.event(&c.res.events[i])
			}
		}
	}
	h := cursorHeap{}
	for _, st := range streams {
		c := &cursor{st: st}
		ok, err := c.next(ctx, a)
		if err != nil {
			return err
		}
		if ok {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		c := h[0]
		a.event(&c.res.events[c.i])
		c.i++
		if c.i == len(c.res.events) {
			ok, err := c.next(ctx, a)
			if err != nil {
				return err
			}
			if !ok {
				heap.Pop(&h)
				continue
			}
		}
		heap.Fix(&h, 0)
	}
	return nil
}
