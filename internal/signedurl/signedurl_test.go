package signedurl

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/jwt"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func cfPolicy(json string) string {
	return strings.NewReplacer("+", "-", "=", "_", "/", "~").Replace(base64.StdEncoding.EncodeToString([]byte(json)))
}

var unsignedJWT = func() string {
	s, err := jwt.Unsigned(map[string]any{"exp": 1700000000, "iat": 1699990000, "sub": "x"})
	if err != nil {
		panic(err)
	}
	return s
}()

var inspectTests = []struct {
	name    string
	url     string
	kinds   []Kind
	signed  string // RFC 3339 or ""
	expires string // RFC 3339 or ""
	problem string // substring or ""
}{
	{"s3 v4", "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T120000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=abc",
		[]Kind{S3V4}, "2024-01-01T12:00:00Z", "2024-01-01T13:00:00Z", ""},
	{"s3 v4 lowercase names", "https://h/k?x-amz-date=20240101T120000Z&x-amz-expires=60&x-amz-signature=abc",
		[]Kind{S3V4}, "2024-01-01T12:00:00Z", "2024-01-01T12:01:00Z", ""},
	{"s3 v4 too long", "https://h/k?X-Amz-Date=20240101T120000Z&X-Amz-Expires=604801&X-Amz-Signature=abc",
		[]Kind{S3V4}, "2024-01-01T12:00:00Z", "2024-01-08T12:00:01Z", "longer than"},
	{"s3 v4 bad date", "https://h/k?X-Amz-Date=yesterday&X-Amz-Expires=60&X-Amz-Signature=abc",
		[]Kind{S3V4}, "", "", "not a date"},
	{"s3 v4 bad expires", "https://h/k?X-Amz-Date=20240101T120000Z&X-Amz-Expires=soon&X-Amz-Signature=abc",
		[]Kind{S3V4}, "2024-01-01T12:00:00Z", "", "not a number"},
	{"s3 v2", "https://b.s3.amazonaws.com/k?AWSAccessKeyId=AK&Expires=1700000000&Signature=abc%3D",
		[]Kind{S3V2}, "", "2023-11-14T22:13:20Z", ""},
	{"gcs v4", "https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=x&X-Goog-Date=20240301T000000Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature=ab",
		[]Kind{GCSV4}, "2024-03-01T00:00:00Z", "2024-03-01T00:15:00Z", ""},
	{"gcs v2", "https://storage.googleapis.com/b/o?GoogleAccessId=sa%40p.iam&Expires=1700000000&Signature=x",
		[]Kind{GCSV2}, "", "2023-11-14T22:13:20Z", ""},
	{"cloudfront canned", "https://d1.cloudfront.net/a.mp4?Expires=1700000000&Signature=x~y&Key-Pair-Id=K2J",
		[]Kind{CloudFront}, "", "2023-11-14T22:13:20Z", ""},
	{"cloudfront custom", "https://d1.cloudfront.net/a.mp4?Policy=" + cfPolicy(`{"Statement":[{"Resource":"https://d1.cloudfront.net/*","Condition":{"DateLessThan":{"AWS:EpochTime":1700000000},"DateGreaterThan":{"AWS:EpochTime":1690000000}}}]}`) + "&Signature=x&Key-Pair-Id=K2J",
		[]Kind{CloudFront}, "2023-07-22T04:26:40Z", "2023-11-14T22:13:20Z", ""},
	{"cloudfront bad policy", "https://d1.cloudfront.net/a?Policy=%25%25&Signature=x&Key-Pair-Id=K",
		[]Kind{CloudFront}, "", "", "base64"},
	{"azure sas", "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&ss=b&srt=o&sp=r&se=2024-05-01T08:00:00Z&st=2024-04-30T08:00:00Z&spr=https&sig=abc%3D",
		[]Kind{AzureSAS}, "2024-04-30T08:00:00Z", "2024-05-01T08:00:00Z", ""},
	{"azure sas date only", "https://a.blob.core.windows.net/c?sv=2022-11-02&se=2024-05-01&sig=abc",
		[]Kind{AzureSAS}, "", "2024-05-01T00:00:00Z", ""},
	{"azure bad se", "https://a.blob.core.windows.net/c?sv=2022-11-02&se=tomorrow&sig=abc",
		[]Kind{AzureSAS}, "", "", "se \"tomorrow\""},
	{"generic unix", "https://cdn.example/f.zip?expires=1700000000&signature=abc",
		[]Kind{Generic}, "", "2023-11-14T22:13:20Z", ""},
	{"generic millis", "https://cdn.example/f.zip?exp=1700000000000&sig=abc",
		[]Kind{Generic}, "", "2023-11-14T22:13:20Z", ""},
	{"generic iso", "https://cdn.example/f.zip?expiry=2024-01-02T03:04:05Z&token=abc",
		[]Kind{Generic}, "", "2024-01-02T03:04:05Z", ""},
	{"generic bad", "https://cdn.example/f.zip?expires=never&hash=abc",
		[]Kind{Generic}, "", "", "neither"},
	{"access token opaque", "https://api.example/v1?access_token=abc123",
		[]Kind{AccessToken}, "", "", ""},
	{"access token jwt", "https://api.example/v1?access_token=" + unsignedJWT,
		[]Kind{AccessToken}, "2023-11-14T19:26:40Z", "2023-11-14T22:13:20Z", ""},
	{"jwt in token param with s3", "https://h/k?X-Amz-Signature=a&jwt=" + unsignedJWT,
		[]Kind{S3V4, AccessToken}, "", "", ""},
	// Near misses: nothing to report.
	{"plain query", "https://example.com/search?q=expires&page=2", nil, "", "", ""},
	{"expires without signature", "https://example.com/cache?expires=1700000000", nil, "", "", ""},
	{"signature without expiry", "https://example.com/doc?signature=abc", nil, "", "", ""},
	{"opaque token param", "https://example.com/reset?token=abc", nil, "", "", ""},
	{"sig alone", "https://example.com/x?sig=abc", nil, "", "", ""},
	{"single letters", "https://example.com/x?e=1700000000&s=abc", nil, "", "", ""},
	{"no query", "https://example.com/", nil, "", "", ""},
}

func TestInspect(t *testing.T) {
	for _, tt := range inspectTests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse(tt.url)
			if len(got) != len(tt.kinds) {
				t.Fatalf("got %d credentials %+v, want kinds %v", len(got), got, tt.kinds)
			}
			for i, k := range tt.kinds {
				if got[i].Kind != k {
					t.Errorf("[%d] kind %s, want %s", i, got[i].Kind, k)
				}
				if got[i].Name == "" || len(got[i].Params) == 0 {
					t.Errorf("[%d] no name or params: %+v", i, got[i])
				}
			}
			if len(got) == 0 || len(tt.kinds) > 1 {
				return
			}
			s := got[0]
			if tt.signed != "" && !s.SignedAt.Equal(mustTime(tt.signed)) {
				t.Errorf("signed %v, want %s", s.SignedAt, tt.signed)
			}
			if tt.signed == "" && !s.SignedAt.IsZero() {
				t.Errorf("signed %v, want none", s.SignedAt)
			}
			if tt.expires != "" && !s.Expires.Equal(mustTime(tt.expires)) {
				t.Errorf("expires %v, want %s", s.Expires, tt.expires)
			}
			if tt.expires == "" && s.HasExpiry() {
				t.Errorf("expires %v, want none", s.Expires)
			}
			if tt.problem == "" && s.Problem != "" || !strings.Contains(s.Problem, tt.problem) {
				t.Errorf("problem %q, want %q", s.Problem, tt.problem)
			}
		})
	}
}

func TestParamsSpelledAsInURL(t *testing.T) {
	got := Parse("https://h/k?x-AMZ-date=20240101T120000Z&X-Amz-Signature=abc")
	if len(got) != 1 || strings.Join(got[0].Params, ",") != "x-AMZ-date,X-Amz-Signature" {
		t.Fatalf("got %+v", got)
	}
}

func TestInspectNil(t *testing.T) {
	if Inspect(nil) != nil || Parse("://bad") != nil {
		t.Fatal("want nil")
	}
	if got := Inspect(&url.URL{RawQuery: "%zz=1&&="}); got != nil {
		t.Fatalf("got %+v", got)
	}
}

func TestAgo(t *testing.T) {
	now := mustTime("2024-06-10T12:00:00Z")
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{-10 * time.Second, "just now"},
		{-5 * time.Minute, "5 minutes ago"},
		{-time.Hour, "1 hour ago"},
		{-72 * time.Hour, "3 days ago"},
		{-90 * 24 * time.Hour, "3 months ago"},
		{-3 * 365 * 24 * time.Hour, "3 years ago"},
		{2 * time.Hour, "in 2 hours"},
		{24 * time.Hour, "in 24 hours"},
	} {
		if got := Ago(now.Add(tt.d), now); got != tt.want {
			t.Errorf("Ago(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func FuzzInspect(f *testing.F) {
	for _, tt := range inspectTests {
		f.Add(tt.url)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, s := range Parse(raw) {
			if s.Kind == "" || s.Name == "" {
				t.Fatalf("empty kind or name: %+v", s)
			}
			if strings.ContainsAny(s.Problem, "\r\n") {
				t.Fatalf("problem spans lines: %q", s.Problem)
			}
			_ = Ago(s.Expires, time.Now())
		}
	})
}
