package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// echoReport is what /echo answers: the request as it arrived, with the
// Authorization header described by its scheme, length and SHA-256 (never
// echoed), so a client can tell whether a proxy in front passed it on
// unchanged.
type echoReport struct {
	Echo          string     `json:"echo"`
	Method        string     `json:"method"`
	Host          string     `json:"host"`
	Path          string     `json:"path"`
	Authorization echoSecret `json:"authorization"`
	Proto         string     `json:"x_forwarded_proto"`
	FwdHost       string     `json:"x_forwarded_host"`
	FwdFor        string     `json:"x_forwarded_for"`
	Forwarded     string     `json:"forwarded"`
}

type echoSecret struct {
	Present bool   `json:"present"`
	Scheme  string `json:"scheme,omitempty"`
	SHA256  string `json:"sha256,omitempty"`
	Length  int    `json:"length,omitempty"`
}

// registerEcho mounts /echo and everything under it. The route is meant to
// sit behind the user's own reverse proxy during `why401 check`: it needs
// no credentials and reports which of Authorization, X-Forwarded-Proto and
// X-Forwarded-Host (and Forwarded) reached it.
func registerEcho(mux *http.ServeMux) {
	mux.HandleFunc("/echo", serveEcho)
	mux.HandleFunc("/echo/", serveEcho)
}

// serveEcho answers any method with an echoReport.
func serveEcho(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	rep := echoReport{
		Echo:      "why401",
		Method:    r.Method,
		Host:      r.Host,
		Path:      r.URL.Path,
		Proto:     strings.Join(r.Header.Values("X-Forwarded-Proto"), ", "),
		FwdHost:   strings.Join(r.Header.Values("X-Forwarded-Host"), ", "),
		FwdFor:    strings.Join(r.Header.Values("X-Forwarded-For"), ", "),
		Forwarded: strings.Join(r.Header.Values("Forwarded"), ", "),
	}
	if vals := r.Header.Values("Authorization"); len(vals) > 0 {
		v := strings.Join(vals, ", ")
		sum := sha256.Sum256([]byte(v))
		scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		rep.Authorization = echoSecret{Present: true, Scheme: scheme, SHA256: hex.EncodeToString(sum[:]), Length: len(v)}
	}
	writeJSON(w, http.StatusOK, rep)
}
