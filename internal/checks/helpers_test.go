package checks

import (
	"net/http"
	"strings"
	"testing"
)

func TestHeaderLineLeavesEvidenceAlone(t *testing.T) {
	h := http.Header{"Set-Cookie": {"sid=s3cret; Path=/"}}
	got := headerLine(h, "Set-Cookie")
	if strings.Contains(got, "s3cret") {
		t.Errorf("headerLine = %q: the cookie value is not redacted", got)
	}
	if v := h.Get("Set-Cookie"); v != "sid=s3cret; Path=/" {
		t.Errorf("headerLine rewrote the evidence header to %q", v)
	}
}
