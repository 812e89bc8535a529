package producer

import (
	"net/url"
	"regexp"
)

// Login pages and identity providers, as they show in redirect targets.
var (
	loginPathRE  = regexp.MustCompile(`(?i)/(login|log-in|signin|sign-in|sign_in|logon|auth|authorize|authenticate|oauth2?|sso|saml2?|cas|adfs|idp|openid-connect|wp-login\.php|cdn-cgi/access)(/|\.|$)`)
	loginQueryRE = regexp.MustCompile(`(?i)(^|&)(rd|redirect_uri|redirect_url|return_to|returnto|returnurl|return_url|next|continue|goto|relaystate|samlrequest)=`)
	loginHostRE  = regexp.MustCompile(`(?i)^(login|logon|signin|sso|auth|idp|accounts?|adfs|keycloak)\.|\.(okta|oktapreview|auth0|onelogin|cloudflareaccess)\.com$|^login\.microsoftonline\.com$|^accounts\.google\.com$`)
	passwordRE   = regexp.MustCompile(`(?i)<input[^>]+type=["']?password`)
)

// LoginURL reports whether u looks like a login page or an identity
// provider's authorization endpoint, and says why: its host, its path or
// a return-to parameter such as rd= or redirect_uri=.
func LoginURL(u *url.URL) (string, bool) {
	if u == nil {
		return "", false
	}
	switch {
	case loginHostRE.MatchString(u.Hostname()):
		return "the host " + u.Hostname() + " is a login or identity provider", true
	case loginPathRE.MatchString(u.Path):
		return "the path " + u.Path + " is a login or authorization endpoint", true
	case loginQueryRE.MatchString(u.RawQuery):
		return "the URL carries a return-to parameter, as login redirects do", true
	}
	return "", false
}

// LoginForm reports whether an HTML body holds a password field.
func LoginForm(body []byte) bool {
	return passwordRE.Match(body)
}
