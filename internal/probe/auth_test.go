package probe

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseChallengesAdapter(t *testing.T) {
	tests := []struct {
		in   []string
		want []authChallenge
	}{
		{[]string{`Basic realm="a, b", charset="UTF-8", Bearer`}, []authChallenge{
			{Scheme: "Basic", Params: map[string]string{"realm": "a, b", "charset": "UTF-8"}},
			{Scheme: "Bearer", Params: map[string]string{}},
		}},
		{[]string{`Digest REALM="r", Nonce="n\"q", nonce="second"`, `NTLM`}, []authChallenge{
			{Scheme: "Digest", Params: map[string]string{"realm": "r", "nonce": `n"q`}},
			{Scheme: "NTLM", Params: map[string]string{}},
		}},
		{nil, []authChallenge{}},
	}
	for _, tt := range tests {
		got, _ := parseChallenges(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q:\n got %#v\nwant %#v", tt.in, got, tt.want)
		}
	}
}

// The example of RFC 7616 section 3.9.1.
func TestDigestRFC7616Example(t *testing.T) {
	for _, tt := range []struct{ alg, resp string }{
		{"SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
		{"MD5", "8ca523f5e9506fed4657c9700eebdbec"},
	} {
		c := authChallenge{Scheme: "Digest", Params: map[string]string{
			"realm": "http-auth@example.org", "qop": "auth, auth-int", "algorithm": tt.alg,
			"nonce":  "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
			"opaque": "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
		}}
		got, err := digestAuthorization(c, "Mufasa:Circle of Life", "GET", "/dir/index.html", nil, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`response="` + tt.resp + `"`, `username="Mufasa"`, "qop=auth,", "nc=00000001", "algorithm=" + tt.alg, `opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: %s\nlacks %s", tt.alg, got, want)
			}
		}
	}
}

func TestDigestUserhashAndErrors(t *testing.T) {
	c := authChallenge{Scheme: "Digest", Params: map[string]string{"realm": "r", "nonce": "n", "userhash": "true", "algorithm": "SHA-256"}}
	got, err := digestAuthorization(c, "ü:p", "GET", "/", nil, "c")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "ü") || !strings.Contains(got, "userhash=true") || strings.Contains(got, "qop=") {
		t.Errorf("userhash answer %s", got)
	}
	c.Params["userhash"] = "false"
	got, _ = digestAuthorization(c, "ü:p", "GET", "/", nil, "c")
	if !strings.Contains(got, "username*=UTF-8''%C3%BC") {
		t.Errorf("non-ASCII user answer %s", got)
	}
	if _, err := digestAuthorization(authChallenge{Scheme: "Digest", Params: map[string]string{"nonce": "n", "algorithm": "SHA-1"}}, "u:p", "GET", "/", nil, ""); err == nil {
		t.Error("SHA-1 accepted")
	}
	if _, err := digestAuthorization(authChallenge{Scheme: "Digest", Params: map[string]string{}}, "u:p", "GET", "/", nil, ""); err == nil {
		t.Error("missing nonce accepted")
	}
}

func TestPickDigest(t *testing.T) {
	cs, _ := parseChallenges([]string{`Digest realm="r", nonce="a", algorithm=MD5`, `Digest realm="r", nonce="b", algorithm=SHA-256`, `Digest realm="r", nonce="c", algorithm=SHA-1`, `Basic realm="r"`})
	c, ok := pickDigest(cs)
	if !ok || c.Params["nonce"] != "b" {
		t.Errorf("pickDigest = %v, %v; want the SHA-256 challenge", c, ok)
	}
	cs, _ = parseChallenges([]string{`Digest realm="r", nonce="c", algorithm=SHA-1`})
	if _, ok := pickDigest(cs); ok {
		t.Error("picked an unsupported algorithm")
	}
	cs, _ = parseChallenges([]string{`Digest realm="r", nonce="m"`})
	if c, ok := pickDigest(cs); !ok || c.Params["nonce"] != "m" {
		t.Error("no algorithm should mean MD5")
	}
}
