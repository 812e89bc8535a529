package report

import (
	"testing"

	"github.com/why401/why401/internal/catalog"
)

func TestRelevantFirst(t *testing.T) {
	fixes := []catalog.Fix{
		{Text: "php", Command: "fastcgi_param HTTP_AUTHORIZATION $http_authorization;"},
		{Text: "proxy", Command: "proxy_set_header Authorization $http_authorization;"},
		{Text: "words only"},
	}
	got := relevantFirst(fixes, `proxy_set_header Authorization "" removes the header`)
	if got[0].Text != "proxy" || got[1].Text != "php" || got[2].Text != "words only" || len(got) != 3 {
		t.Errorf("order %v, want proxy, php, words only", got)
	}
	if got := relevantFirst(fixes, "no directive here"); got[0].Text != "php" {
		t.Errorf("without a matching directive the order must stay: %v", got)
	}
}
