package producers_test

import (
	"fmt"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/report"
	"github.com/why401/why401/internal/servertest"
)

// drfBasicApp is a Django REST Framework view behind BasicAuthentication
// alone, with one user, alice:secret, as a small internal API is set up.
const drfBasicApp = `
from django.contrib.auth.models import User
from django.urls import path
from rest_framework.views import APIView
from rest_framework.response import Response

u, _ = User.objects.get_or_create(username='alice')
u.set_password('secret')
u.save()

class Me(APIView):
    def get(self, request):
        return Response({'user': request.user.username})

urlpatterns = [path('api/me', Me.as_view())]
`

// proxiedGunicorn starts the app under Gunicorn and nginx in front of it
// with extra inside the location (a proxy_set_header line, or nothing).
func proxiedGunicorn(t *testing.T, extra string) *servertest.Server {
	t.Helper()
	app := servertest.Gunicorn(t, `{
    'DEFAULT_AUTHENTICATION_CLASSES': ['rest_framework.authentication.BasicAuthentication'],
    'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.IsAuthenticated'],
}`, drfBasicApp)
	return servertest.Nginx(t, fmt.Sprintf(`
server {
	listen {{.Addr}};
	location / {
		proxy_pass http://127.0.0.1:%d;
		proxy_set_header Host $host;
		proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
		%s
	}
}`, app.Port, extra))
}

// TestGunicornBehindNginx: DRF under Gunicorn behind nginx. DRF answers
// no credentials ("Authentication credentials were not provided.") apart
// from wrong ones ("Invalid username/password."), so when nginx blanks the
// Authorization header (proxy_set_header Authorization "", copied from a
// config that fronted another auth layer) the right password gets the
// anonymous answer and so do the separating experiments: the header is
// lost on the way. A wrong password with the header passed is refused as
// such; the right one gets 200 and nothing is reported.
func TestGunicornBehindNginx(t *testing.T) {
	stripped := proxiedGunicorn(t, `proxy_set_header Authorization "";`)
	url := stripped.URL() + "/api/me"
	sanity(t, "anonymous", get(t, url), 401)
	req := get(t, url)
	req.SetBasicAuth("alice", "secret")
	sanity(t, "alice through the stripping proxy", req, 401)
	expect(t, run(t, probe.Options{URL: url, User: "alice:secret"}), "nginx in front of Django REST Framework", catalog.ProxyHeaderStripped)

	passed := proxiedGunicorn(t, "")
	url = passed.URL() + "/api/me"
	req = get(t, url)
	req.SetBasicAuth("alice", "secret")
	sanity(t, "alice", req, 200)
	expect(t, run(t, probe.Options{URL: url, User: "alice:wrong"}), "nginx in front of Django REST Framework", catalog.CredentialsRejected)
	ok := run(t, probe.Options{URL: url, User: "alice:secret"})
	if ok.Verdict != report.OK || len(ok.Findings) != 0 {
		t.Errorf("control: verdict %s, findings %v", ok.Verdict, ok.Findings)
	}
}
