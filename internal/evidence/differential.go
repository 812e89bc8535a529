package evidence

// Differential variants: one extra request each, sent only when the answer
// of the request as given calls for it, and never with the user's password.
const (
	// WPBogus asks a WordPress site's /wp-json/wp/v2/users/me with Basic
	// credentials of a user that cannot exist. "invalid_username" shows
	// the Authorization header reaches PHP; "rest_not_logged_in" that it
	// does not, or that WordPress did not look (core reports a failed
	// application password only when something asked for the current
	// user before the REST server checked authentication, as many
	// plugins do; the site may also never have used application
	// passwords).
	WPBogus Variant = "wp-bogus"
	// WPIndex asks a WordPress site's REST index anonymously: it lists
	// authentication["application-passwords"] only when the site offers
	// application passwords (HTTPS, or the local environment type).
	WPIndex Variant = "wp-index"
	// Hyphenated resends a credential header whose name has an
	// underscore under the hyphenated name, with a bogus value: a
	// different answer than without credentials shows the underscore
	// name is dropped on the way (nginx underscores_in_headers).
	Hyphenated Variant = "hyphenated"
	// AcceptJSON resends the request as an API client would, with
	// Accept: application/json, keeping tokens and cookies but no
	// password, when the answer was a redirect to a login page or an
	// identity provider, or an HTML login form.
	AcceptJSON Variant = "accept-json"
	// RegistryToken asks a Docker registry's token realm anonymously, as
	// docker does before it logs in.
	RegistryToken Variant = "registry-token"
)
