package har

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The types here decode HAR values as real tools write them rather than
// as the specification says: Fiddler's booleans as strings ("true"),
// numbers as strings ("200"), Polly's header values as arrays, headers
// and cookies as objects (IE11, hand conversions), null for a string.
// They never fail: a value of an unexpected kind decodes to the zero
// value with odd set, and the reader turns the flags into repair notes.

// lstring is a string that also accepts a number, a boolean or null.
type lstring struct {
	s   string
	odd bool // was not a string (null excepted)
}

func (v *lstring) UnmarshalJSON(b []byte) error {
	*v = lstring{}
	switch {
	case len(b) == 0 || string(b) == "null":
	case b[0] == '"':
		if len(b) >= 2 && bytes.IndexByte(b, '\\') < 0 {
			v.s = string(b[1 : len(b)-1])
			return nil
		}
		if json.Unmarshal(b, &v.s) != nil {
			v.odd = true
		}
	case b[0] == '[' || b[0] == '{':
		v.odd = true
	default: // a number or a boolean, written as it stands
		v.s, v.odd = string(b), true
	}
	return nil
}

// lvalue is a header or parameter value: a string, or an array of them
// (Polly writes repeated headers so), or a number.
type lvalue struct {
	vs  []string
	odd bool
}

func (v *lvalue) UnmarshalJSON(b []byte) error {
	*v = lvalue{}
	if len(b) > 0 && b[0] == '[' {
		var arr []lstring
		if json.Unmarshal(b, &arr) != nil {
			v.odd = true
			return nil
		}
		for _, s := range arr {
			v.vs = append(v.vs, s.s)
		}
		v.odd = true
		return nil
	}
	var s lstring
	_ = s.UnmarshalJSON(b)
	v.vs, v.odd = []string{s.s}, s.odd
	return nil
}

// lbool is a boolean that also accepts "true"/"false" (Fiddler), 1/0 and
// null.
type lbool struct {
	b   bool
	odd bool
}

func (v *lbool) UnmarshalJSON(b []byte) error {
	*v = lbool{}
	switch s := strings.ToLower(strings.Trim(string(b), `" `)); {
	case string(b) == "true":
		v.b = true
	case string(b) == "false", string(b) == "null":
	case s == "true", s == "1", s == "yes":
		v.b, v.odd = true, true
	default:
		v.odd = true
	}
	return nil
}

// lnum is a number that also accepts a numeric string ("200", "12.5")
// and null.
type lnum struct {
	f   float64
	odd bool // a string or another kind
	bad bool // not a number at all
}

func (v *lnum) UnmarshalJSON(b []byte) error {
	*v = lnum{}
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		v.odd = true
		var str string
		if json.Unmarshal(b, &str) != nil {
			v.bad = true
			return nil
		}
		s = strings.TrimSpace(str)
		// "200 OK" as some proxies write a status.
		if i := strings.IndexByte(s, ' '); i > 0 {
			s = s[:i]
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		v.odd, v.bad = true, true
		return nil
	}
	v.f = f
	return nil
}

// rawNV is a name/value pair of a headers, queryString or params array.
type rawNV struct {
	Name  lstring `json:"name"`
	Value lvalue  `json:"value"`
}

// lnvs is a header list: the HAR array of {name, value}, or an object
// {"Name": "value"}.
type lnvs struct {
	nvs []NV
	odd bool // an object, an array value, a non-string
	bad int  // items that are not name/value objects
}

func (v *lnvs) UnmarshalJSON(b []byte) error {
	*v = lnvs{}
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(b, &items) != nil {
			v.odd = true
			return nil
		}
		v.nvs = make([]NV, 0, len(items))
		for _, it := range items {
			var nv rawNV
			if len(it) == 0 || it[0] != '{' || json.Unmarshal(it, &nv) != nil {
				v.bad++
				continue
			}
			if nv.Name.odd || nv.Value.odd {
				v.odd = true
			}
			for _, s := range nv.Value.vs {
				v.nvs = append(v.nvs, NV{Name: nv.Name.s, Value: s})
			}
		}
	case '{':
		var m map[string]lvalue
		if json.Unmarshal(b, &m) != nil {
			v.odd = true
			return nil
		}
		v.odd = true
		for _, k := range sortedKeys(m) {
			for _, s := range m[k].vs {
				v.nvs = append(v.nvs, NV{Name: k, Value: s})
			}
		}
	case 'n': // null
	default:
		v.odd = true
	}
	return nil
}

// rawCookie is a HAR cookie as tools write it.
type rawCookie struct {
	Name     lstring `json:"name"`
	Value    lstring `json:"value"`
	Path     lstring `json:"path"`
	Domain   lstring `json:"domain"`
	Expires  lstring `json:"expires"`
	HTTPOnly lbool   `json:"httpOnly"`
	Secure   lbool   `json:"secure"`
	SameSite lstring `json:"sameSite"`
}

// lcookies is a cookies list: the HAR array, a single cookie object, or
// an object {"name": "value"}.
type lcookies struct {
	cs        []Cookie
	strBools  bool // httpOnly or secure written as strings
	notArray  bool // an object instead of an array
	badFields bool // other odd values
}

func (v *lcookies) UnmarshalJSON(b []byte) error {
	*v = lcookies{}
	if len(b) == 0 {
		return nil
	}
	add := func(rc rawCookie) {
		if rc.HTTPOnly.odd || rc.Secure.odd {
			v.strBools = true
		}
		if rc.Name.odd || rc.Value.odd || rc.Path.odd || rc.Domain.odd || rc.SameSite.odd {
			v.badFields = true
		}
		v.cs = append(v.cs, Cookie{Name: rc.Name.s, Value: rc.Value.s, Path: rc.Path.s, Domain: rc.Domain.s, Expires: rc.Expires.s,
			HTTPOnly: rc.HTTPOnly.b, Secure: rc.Secure.b, SameSite: rc.SameSite.s})
	}
	switch b[0] {
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(b, &items) != nil {
			v.badFields = true
			return nil
		}
		for _, it := range items {
			var rc rawCookie
			if len(it) == 0 || it[0] != '{' || json.Unmarshal(it, &rc) != nil {
				v.badFields = true
				continue
			}
			add(rc)
		}
	case '{':
		v.notArray = true
		var probe map[string]json.RawMessage
		if json.Unmarshal(b, &probe) != nil {
			v.badFields = true
			return nil
		}
		if _, ok := probe["name"]; ok {
			var rc rawCookie
			_ = json.Unmarshal(b, &rc)
			add(rc)
			return nil
		}
		for _, k := range sortedKeys(probe) {
			var val lstring
			_ = val.UnmarshalJSON(probe[k])
			add(rawCookie{Name: lstring{s: k}, Value: val})
		}
	case 'n':
	default:
		v.badFields = true
	}
	return nil
}

// ltext is a body text: a string, or a JSON value some tools embed as
// it is (kept as its JSON text).
type ltext struct {
	s   string
	odd bool
}

func (v *ltext) UnmarshalJSON(b []byte) error {
	*v = ltext{}
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		v.s, v.odd = string(b), true
		return nil
	}
	var s lstring
	_ = s.UnmarshalJSON(b)
	v.s, v.odd = s.s, s.odd
	return nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
