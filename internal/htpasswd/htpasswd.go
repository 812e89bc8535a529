// Package htpasswd reads, verifies and writes password files in the
// format of Apache's htpasswd, which nginx's auth_basic_user_file reads
// too: one "user:hash" per line, "#" comment lines and blank lines
// ignored, anything after a second ":" ignored by both servers.
//
// It identifies every common hash format, verifies bcrypt, Apache MD5
// (apr1), MD5 crypt, {SHA}, {SSHA}, traditional DES crypt and plain text,
// creates bcrypt (default), apr1, {SHA} and crypt hashes, and says which
// server can check which format. A File keeps the lines it did not
// understand and the comments, so rewriting it never loses another user's
// line. WriteFile replaces a file atomically, keeping its mode and owner.
package htpasswd

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Kind is the format of a stored hash.
type Kind string

// The hash formats Identify tells apart.
const (
	Bcrypt      Kind = "bcrypt"       // $2y$, $2a$, $2b$
	APR1        Kind = "apr1"         // $apr1$: Apache's MD5
	MD5Crypt    Kind = "md5-crypt"    // $1$
	SHA256Crypt Kind = "sha256-crypt" // $5$
	SHA512Crypt Kind = "sha512-crypt" // $6$
	Yescrypt    Kind = "yescrypt"     // $y$
	SHA1        Kind = "sha1"         // {SHA}: unsalted SHA-1, base64
	SSHA        Kind = "ssha"         // {SSHA}: salted SHA-1 (nginx only)
	PlainTagged Kind = "plain-tagged" // {PLAIN}: plain text nginx accepts
	Crypt       Kind = "crypt"        // traditional DES crypt, 13 characters
	Plain       Kind = "plain"        // anything else: taken as plain text
	Unknown     Kind = "unknown"      // a "$id$" or "{SCHEME}" format not listed here
)

// Kinds lists the formats Hash can create, default first.
var Kinds = []Kind{Bcrypt, APR1, SHA1, Crypt, Plain}

// Identify returns the format of hash.
func Identify(hash string) Kind {
	switch {
	case strings.HasPrefix(hash, "$2y$"), strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"):
		return Bcrypt
	case strings.HasPrefix(hash, "$apr1$"):
		return APR1
	case strings.HasPrefix(hash, "$1$"):
		return MD5Crypt
	case strings.HasPrefix(hash, "$5$"):
		return SHA256Crypt
	case strings.HasPrefix(hash, "$6$"):
		return SHA512Crypt
	case strings.HasPrefix(hash, "$y$"):
		return Yescrypt
	case strings.HasPrefix(hash, "{SHA}"):
		return SHA1
	case strings.HasPrefix(hash, "{SSHA}"):
		return SSHA
	case strings.HasPrefix(hash, "{PLAIN}"):
		return PlainTagged
	case isDES(hash):
		return Crypt
	case strings.HasPrefix(hash, "$") && strings.Count(hash, "$") >= 2 && len(hash) > 20,
		strings.HasPrefix(hash, "{") && strings.Contains(hash, "}"):
		return Unknown
	}
	return Plain
}

func isDES(h string) bool {
	if len(h) != 13 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if strings.IndexByte(cryptAlphabet, h[i]) < 0 {
			return false
		}
	}
	return true
}

// Server names a web server whose support for a format Supported reports.
type Server string

// The servers Supported knows.
const (
	Nginx  Server = "nginx"
	Apache Server = "apache"
)

// Supported reports whether server, running on Linux with glibc's or
// libxcrypt's crypt(3), can check passwords stored in format k. Apache on
// Linux hands formats it does not know itself (anything but bcrypt, apr1
// and {SHA}) to crypt(3), so plain text never matches there; nginx knows
// {PLAIN}, {SHA}, {SSHA} and apr1 and hands the rest to crypt(3).
func Supported(server Server, k Kind) bool {
	switch k {
	case Bcrypt, APR1, MD5Crypt, SHA256Crypt, SHA512Crypt, Yescrypt, SHA1, Crypt:
		return true
	case SSHA, PlainTagged:
		return server == Nginx
	}
	return false
}

// Entry is one user's line.
type Entry struct {
	User string
	Hash string
	// Line is the 1-based line number in the file as read (0 for entries
	// added since).
	Line int
}

// Kind returns the format of the entry's hash.
func (e Entry) Kind() Kind { return Identify(e.Hash) }

// Problem is a line the servers would not read as the owner meant.
type Problem struct {
	Line int
	Msg  string
	// Duplicate is true when the line is well formed but names a user
	// an earlier line already lists.
	Duplicate bool
}

// String returns "line N: message".
func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// File is a parsed password file. The zero value is an empty file.
type File struct {
	lines []line
}

type line struct {
	raw   string
	entry *Entry // nil for comments, blank and malformed lines
	bad   string // why the line is malformed
}

// MaxLine is the longest line Apache reads (its MAX_STRING_LEN); longer
// lines are reported as problems.
const MaxLine = 8192

// Parse reads a password file. It fails only when r fails; lines the
// servers would misread are kept and reported by Problems. A file that is
// not text at all (NUL bytes) is still read line by line.
func Parse(r io.Reader) (*File, error) {
	f := &File{}
	br := bufio.NewReader(r)
	n := 0
	for {
		s, err := br.ReadString('\n')
		if s != "" {
			n++
			f.lines = append(f.lines, parseLine(strings.TrimSuffix(s, "\n"), n))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// ParseBytes is Parse on a byte slice.
func ParseBytes(b []byte) *File {
	f, _ := Parse(bytes.NewReader(b))
	return f
}

func parseLine(raw string, n int) line {
	s := strings.TrimSuffix(raw, "\r")
	if n == 1 && strings.HasPrefix(s, "\ufeff") {
		// Before a comment or a blank line the mark is harmless: the
		// servers skip the line as one that names no user.
		if t := strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")); t != "" && !strings.HasPrefix(t, "#") {
			return line{raw: raw, bad: "starts with a byte order mark: the first user's name includes it"}
		}
		return line{raw: raw}
	}
	trimmed := strings.TrimSpace(s)
	if trimmed == "" || strings.HasPrefix(trimmed, "#") {
		return line{raw: raw}
	}
	if len(s) > MaxLine {
		return line{raw: raw, bad: fmt.Sprintf("longer than %d bytes: Apache cuts it", MaxLine)}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return line{raw: raw, bad: "contains a NUL byte"}
	}
	user, rest, ok := strings.Cut(s, ":")
	if !ok {
		return line{raw: raw, bad: `no ":" between user and hash`}
	}
	hash, _, _ := strings.Cut(rest, ":")
	e := &Entry{User: user, Hash: hash, Line: n}
	switch {
	case user == "":
		return line{raw: raw, bad: "empty user name"}
	case hash == "":
		return line{raw: raw, entry: e, bad: "empty hash: no password can match"}
	case strings.TrimSpace(user) != user:
		return line{raw: raw, entry: e, bad: "white space around the user name: nginx keeps it as part of the name"}
	case strings.TrimSpace(hash) != hash:
		return line{raw: raw, entry: e, bad: "white space around the hash: nginx keeps it as part of the hash, so no password matches"}
	case !utf8.ValidString(user):
		return line{raw: raw, entry: e, bad: "user name is not valid UTF-8"}
	}
	return line{raw: raw, entry: e}
}

// Entries returns the users in file order, including those on lines with
// problems that still name a user.
func (f *File) Entries() []Entry {
	var out []Entry
	for _, l := range f.lines {
		if l.entry != nil {
			out = append(out, *l.entry)
		}
	}
	return out
}

// Problems returns the malformed lines and the users listed more than once
// (the servers use the first line; the later ones are dead), in line order.
func (f *File) Problems() []Problem {
	var out []Problem
	first := map[string]int{}
	for i, l := range f.lines {
		if l.bad != "" {
			out = append(out, Problem{Line: i + 1, Msg: l.bad})
			continue
		}
		if l.entry == nil {
			continue
		}
		if at, dup := first[l.entry.User]; dup {
			out = append(out, Problem{Line: i + 1, Msg: fmt.Sprintf("user %q is listed again (first on line %d); the servers use the first line only", l.entry.User, at), Duplicate: true})
			continue
		}
		first[l.entry.User] = i + 1
	}
	return out
}

// Lookup returns the first entry for user, as the servers use it.
func (f *File) Lookup(user string) (Entry, bool) {
	for _, l := range f.lines {
		if l.entry != nil && l.entry.User == user {
			return *l.entry, true
		}
	}
	return Entry{}, false
}

// ValidUser returns an error when user cannot be stored in a password
// file: empty, holding ":" (it ends the name), a line break, or starting
// with "#" (a comment).
func ValidUser(user string) error {
	switch {
	case user == "":
		return errors.New("empty user name")
	case strings.ContainsAny(user, ":\r\n\x00"):
		return fmt.Errorf("user %q: a name may not hold \":\", line breaks or NUL", user)
	case strings.HasPrefix(user, "#"):
		return fmt.Errorf("user %q: a name starting with \"#\" would be a comment", user)
	case strings.TrimFunc(user, unicode.IsSpace) != user:
		return fmt.Errorf("user %q: white space around the name", user)
	}
	return nil
}

// Set stores hash for user: the user's first line is replaced (later
// duplicates are removed, since they were dead anyway) or a line is
// appended. It reports whether the user existed.
func (f *File) Set(user, hash string) (bool, error) {
	if err := ValidUser(user); err != nil {
		return false, err
	}
	if hash == "" || strings.ContainsAny(hash, ":\r\n") {
		return false, fmt.Errorf("user %q: bad hash", user)
	}
	found := false
	out := f.lines[:0]
	for _, l := range f.lines {
		if l.entry != nil && l.entry.User == user {
			if found {
				continue
			}
			found = true
			l = line{raw: user + ":" + hash + eol(l.raw), entry: &Entry{User: user, Hash: hash, Line: l.entry.Line}}
		}
		out = append(out, l)
	}
	f.lines = out
	if !found {
		f.lines = append(f.lines, line{raw: user + ":" + hash, entry: &Entry{User: user, Hash: hash}})
	}
	return found, nil
}

func eol(raw string) string {
	if strings.HasSuffix(raw, "\r") {
		return "\r"
	}
	return ""
}

// Delete removes every line of user and reports whether there was one.
func (f *File) Delete(user string) bool {
	found := false
	out := f.lines[:0]
	for _, l := range f.lines {
		if l.entry != nil && l.entry.User == user {
			found = true
			continue
		}
		out = append(out, l)
	}
	f.lines = out
	return found
}

// Bytes returns the file's text: every line kept as read except those Set
// and Delete changed, each ended by a newline.
func (f *File) Bytes() []byte {
	var b bytes.Buffer
	for _, l := range f.lines {
		b.WriteString(l.raw)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ErrUnsupported is returned by Verify for formats it cannot check.
var ErrUnsupported = errors.New("hash format not supported for verification")

// Verify reports whether password matches hash. It returns ErrUnsupported
// (wrapped, naming the format) for sha256/sha512-crypt, yescrypt and
// unknown formats, and an error for a hash that is malformed for its
// format. Comparisons take constant time in the password.
func Verify(hash, password string) (bool, error) {
	k := Identify(hash)
	switch k {
	case Bcrypt:
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		if err == nil {
			return true, nil
		}
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		return false, fmt.Errorf("bcrypt hash: %w", err)
	case APR1, MD5Crypt:
		magic := "$1$"
		if k == APR1 {
			magic = "$apr1$"
		}
		rest := hash[len(magic):]
		salt, _, ok := strings.Cut(rest, "$")
		if !ok {
			return false, fmt.Errorf("%s hash: no \"$\" after the salt", k)
		}
		return equal(md5Crypt(password, salt, magic), hash), nil
	case SHA1:
		sum := sha1.Sum([]byte(password))
		return equal("{SHA}"+base64.StdEncoding.EncodeToString(sum[:]), hash), nil
	case SSHA:
		raw, err := base64.StdEncoding.DecodeString(hash[len("{SSHA}"):])
		if err != nil || len(raw) <= sha1.Size {
			return false, errors.New("ssha hash: bad base64 or no salt")
		}
		h := sha1.New()
		h.Write([]byte(password))
		h.Write(raw[sha1.Size:])
		return subtle.ConstantTimeCompare(h.Sum(nil), raw[:sha1.Size]) == 1, nil
	case PlainTagged:
		return equal("{PLAIN}"+password, hash), nil
	case Crypt:
		return equal(desCrypt(password, hash[:2]), hash), nil
	case Plain:
		return equal(password, hash), nil
	}
	return false, fmt.Errorf("%s: %w", k, ErrUnsupported)
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// Options tune Hash.
type Options struct {
	// Cost is bcrypt's cost, 4 to 31; 0 means DefaultCost.
	Cost int
	// Salt fixes the salt (for tests); empty means a random one.
	Salt string
}

// DefaultCost is the bcrypt cost Hash uses by default, Apache htpasswd's.
const DefaultCost = 5

// Hash returns a new hash of password in format k: Bcrypt (written with
// Apache's "$2y$" prefix, which every consumer reads), APR1, SHA1, Crypt
// (only the first eight bytes count: Hash refuses longer passwords rather
// than silently cutting them) or Plain. Bcrypt refuses passwords over 72
// bytes for the same reason.
func Hash(k Kind, password string, o Options) (string, error) {
	switch k {
	case Bcrypt:
		cost := o.Cost
		if cost == 0 {
			cost = DefaultCost
		}
		if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
			return "", fmt.Errorf("bcrypt cost %d: want %d to %d", cost, bcrypt.MinCost, bcrypt.MaxCost)
		}
		if len(password) > 72 {
			return "", errors.New("password longer than 72 bytes: bcrypt would ignore the rest")
		}
		h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
		if err != nil {
			return "", err
		}
		return "$2y$" + string(h[4:]), nil
	case APR1:
		salt := o.Salt
		if salt == "" {
			salt = randomSalt(8)
		}
		return md5Crypt(password, salt, "$apr1$"), nil
	case SHA1:
		sum := sha1.Sum([]byte(password))
		return "{SHA}" + base64.StdEncoding.EncodeToString(sum[:]), nil
	case Crypt:
		if len(password) > 8 {
			return "", errors.New("password longer than 8 bytes: crypt would ignore the rest")
		}
		salt := o.Salt
		if len(salt) < 2 {
			salt = randomSalt(2)
		}
		return desCrypt(password, salt[:2]), nil
	case Plain:
		if password == "" || Identify(password) != Plain {
			return "", errors.New("this password cannot be stored as plain text: it looks like a hash or is empty")
		}
		if strings.ContainsAny(password, ":\r\n") {
			return "", errors.New(`a plain-text password may not hold ":" or line breaks`)
		}
		return password, nil
	}
	return "", fmt.Errorf("cannot create %s hashes", k)
}

func randomSalt(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = cryptAlphabet[int(b[i])&0x3f]
	}
	return string(b)
}

// DigestEntry is one line of an htdigest file, the format Apache's
// AuthType Digest (mod_auth_digest with AuthDigestProvider file) reads:
// "user:realm:hash", where hash is the hex MD5 of "user:realm:password".
type DigestEntry struct {
	User, Realm, Hash string
	Line              int
}

// IsDigestHash reports whether h looks like an htdigest hash: 32
// hexadecimal digits.
func IsDigestHash(h string) bool { return DigestAlgorithm(h) == "MD5" }

// DigestAlgorithm returns the hash function an htdigest hash's length
// names: "MD5" for 32 hexadecimal digits (what htdigest writes and
// Apache's mod_auth_digest compares), "SHA-256" for 64 (lighttpd's
// RFC 7616 lines), "" for anything else.
func DigestAlgorithm(h string) string {
	for i := 0; i < len(h); i++ {
		c := h[i] | 0x20
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ""
		}
	}
	switch len(h) {
	case 32:
		return "MD5"
	case 64:
		return "SHA-256"
	}
	return ""
}

// DigestEntries returns the lines that have three fields, read as
// htdigest entries, in file order.
func (f *File) DigestEntries() []DigestEntry {
	var out []DigestEntry
	for _, l := range f.lines {
		if l.entry == nil {
			continue
		}
		parts := strings.SplitN(strings.TrimSuffix(l.raw, "\r"), ":", 4)
		if len(parts) < 3 {
			continue
		}
		out = append(out, DigestEntry{User: parts[0], Realm: parts[1], Hash: parts[2], Line: l.entry.Line})
	}
	return out
}

// IsDigest reports whether the file is in htdigest format: it has
// entries and every one has a realm and an MD5 hash in hex.
func (f *File) IsDigest() bool {
	es := f.Entries()
	ds := f.DigestEntries()
	if len(es) == 0 || len(ds) != len(es) {
		return false
	}
	for _, d := range ds {
		if !IsDigestHash(d.Hash) {
			return false
		}
	}
	return true
}

// Comment is a comment line: its text (from the "#") and line number.
type Comment struct {
	Line int
	Text string
}

// Comments returns the comment lines in file order.
func (f *File) Comments() []Comment {
	var out []Comment
	for i, l := range f.lines {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSuffix(l.raw, "\r"), "\ufeff"))
		if l.entry == nil && l.bad == "" && strings.HasPrefix(t, "#") {
			out = append(out, Comment{Line: i + 1, Text: t})
		}
	}
	return out
}

// CRLF counts the lines that end in CR LF.
func (f *File) CRLF() int {
	n := 0
	for _, l := range f.lines {
		if strings.HasSuffix(l.raw, "\r") {
			n++
		}
	}
	return n
}
