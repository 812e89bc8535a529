package producers_test

import (
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

// TestDRF runs Django REST Framework (Debian's package) with session
// authentication first, as its default settings have it: an anonymous
// call gets 403, not 401, and a bad token 403 "Invalid token.".
func TestDRF(t *testing.T) {
	s := servertest.Django(t, `{
    'DEFAULT_AUTHENTICATION_CLASSES': ['rest_framework.authentication.SessionAuthentication', 'rest_framework.authentication.TokenAuthentication'],
    'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.IsAuthenticated'],
}`, `
from django.urls import path
from rest_framework.views import APIView
from rest_framework.response import Response

class Me(APIView):
    def get(self, request):
        return Response({'user': request.user.username})

urlpatterns = [path('api/me', Me.as_view())]
`)
	url := s.URL() + "/api/me"
	sanity(t, "anonymous", get(t, url), 403)
	expect(t, run(t, probe.Options{URL: url}), "Django REST Framework", catalog.CredentialsMissing)
	r := run(t, probe.Options{URL: url, Header: map[string][]string{"Authorization": {"Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}}})
	expect(t, r, "Django REST Framework", catalog.CredentialsRejected)
}
