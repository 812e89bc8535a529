package browsertest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/websocket"
)

// bidi is a WebDriver BiDi connection: JSON commands with ids over a
// websocket, answered by a result or an error, and events in between.
type bidi struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	next    int
	waiting map[int]chan bidiReply
	onEvent func(method string, params json.RawMessage)
	closed  chan struct{}
	err     error
}

type bidiReply struct {
	Type    string          `json:"type"` // "success", "error" or "event"
	ID      *int            `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// dialBiDi connects to a BiDi session's websocket URL. onEvent is called
// from the reading goroutine for every event.
func dialBiDi(wsURL string, onEvent func(string, json.RawMessage)) (*bidi, error) {
	cfg, err := websocket.NewConfig(wsURL, bidiOrigin)
	if err != nil {
		return nil, err
	}
	ws, err := cfg.DialContext(context.Background())
	if err != nil {
		return nil, err
	}
	ws.MaxPayloadBytes = 64 << 20
	b := &bidi{ws: ws, waiting: map[int]chan bidiReply{}, onEvent: onEvent, closed: make(chan struct{})}
	go b.read()
	return b, nil
}

func (b *bidi) read() {
	defer close(b.closed)
	for {
		var raw []byte
		if err := websocket.Message.Receive(b.ws, &raw); err != nil {
			b.mu.Lock()
			b.err = err
			b.mu.Unlock()
			return
		}
		var r bidiReply
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		if r.Type == "event" {
			if b.onEvent != nil {
				b.onEvent(r.Method, r.Params)
			}
			continue
		}
		if r.ID == nil {
			continue
		}
		b.mu.Lock()
		ch := b.waiting[*r.ID]
		delete(b.waiting, *r.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

// call sends a command and decodes its result into out (when not nil).
func (b *bidi) call(method string, params any, out any) error {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan bidiReply, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	if params == nil {
		params = struct{}{}
	}
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return err
	}
	if err := websocket.Message.Send(b.ws, string(msg)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Type == "error" {
			return fmt.Errorf("%s: %s: %s", method, r.Error, r.Message)
		}
		if out != nil {
			return json.Unmarshal(r.Result, out)
		}
		return nil
	case <-b.closed:
		return fmt.Errorf("%s: connection closed: %v", method, b.err)
	case <-time.After(30 * time.Second):
		return fmt.Errorf("%s: no answer within 30s", method)
	}
}

func (b *bidi) close() { b.ws.Close() }

// marionette is Firefox's own remote protocol: messages are
// "length:json", commands [0, id, name, params], answers [1, id, error,
// result]. It runs scripts with chrome privileges, which is how the
// browser's own preferences are read.
type marionette struct {
	conn net.Conn
	r    *bufio.Reader
	next int
}

func dialMarionette(port int, timeout time.Duration) (*marionette, error) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), timeout)
	if err != nil {
		return nil, err
	}
	m := &marionette{conn: conn, r: bufio.NewReader(conn)}
	conn.SetDeadline(time.Now().Add(timeout)) //nolint:errcheck // a failed read reports it
	if _, err := m.readMsg(); err != nil {    // the greeting
		conn.Close()
		return nil, fmt.Errorf("marionette greeting: %w", err)
	}
	return m, nil
}

func (m *marionette) readMsg() ([]byte, error) {
	n, err := m.r.ReadString(':')
	if err != nil {
		return nil, err
	}
	size, err := strconv.Atoi(strings.TrimSuffix(n, ":"))
	if err != nil || size < 0 || size > 64<<20 {
		return nil, fmt.Errorf("bad message length %q", n)
	}
	buf := make([]byte, size)
	_, err = io.ReadFull(m.r, buf)
	return buf, err
}

// call sends a command and decodes its result into out.
func (m *marionette) call(name string, params any, out any) error {
	m.next++
	msg, err := json.Marshal([]any{0, m.next, name, params})
	if err != nil {
		return err
	}
	m.conn.SetDeadline(time.Now().Add(30 * time.Second)) //nolint:errcheck // a failed write reports it
	if _, err := fmt.Fprintf(m.conn, "%d:%s", len(msg), msg); err != nil {
		return err
	}
	for {
		raw, err := m.readMsg()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		var reply []json.RawMessage
		if err := json.Unmarshal(raw, &reply); err != nil || len(reply) != 4 {
			return fmt.Errorf("%s: unexpected answer %.200s", name, raw)
		}
		var id int
		if json.Unmarshal(reply[1], &id) != nil || id != m.next {
			continue
		}
		if string(reply[2]) != "null" {
			var e struct{ Error, Message string }
			json.Unmarshal(reply[2], &e) //nolint:errcheck // shown raw below when empty
			if e.Error == "" {
				return fmt.Errorf("%s: %s", name, reply[2])
			}
			return fmt.Errorf("%s: %s: %s", name, e.Error, e.Message)
		}
		if out != nil {
			return json.Unmarshal(reply[3], out)
		}
		return nil
	}
}

func (m *marionette) close() { m.conn.Close() }

var errNoAddress = errors.New("the browser did not say where it listens")

// bidiOrigin is the Origin the websocket handshake sends (the library
// always sends one); Firefox refuses origins not allowed with
// --remote-allow-origins.
const bidiOrigin = "http://127.0.0.1"
