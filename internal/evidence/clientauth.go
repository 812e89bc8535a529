package evidence

import "time"

// Kerberos is what the probe's Kerberos client found when it made the
// Negotiate tokens of --negotiate (RFC 4559): which configuration and
// ticket cache it read, the service principal it asked a ticket for, and,
// when it could make no token, why.
type Kerberos struct {
	// Config is the krb5.conf read (KRB5_CONFIG or /etc/krb5.conf);
	// CCache the ticket cache (KRB5CCNAME or /tmp/krb5cc_UID).
	Config string `json:"config"`
	CCache string `json:"ccache"`
	// SPN is the service principal, HTTP/host from the URL's host as curl
	// forms it; Realm the realm it maps to (domain_realm or
	// default_realm), "" when none.
	SPN   string `json:"spn"`
	Realm string `json:"realm,omitempty"`
	// Principal is the ticket cache's client principal (user@REALM);
	// Expires the end time of its ticket-granting ticket.
	Principal string    `json:"principal,omitempty"`
	Expires   time.Time `json:"expires,omitzero"`
	// Tokens counts the Negotiate tokens sent (each a credentialed
	// attempt).
	Tokens int `json:"tokens"`
	// Problem names why no token could be made: "no-config" (no readable
	// krb5.conf), "no-realm" (no default_realm and no domain_realm entry
	// for the host), "no-ticket" (no ticket cache, or no ticket-granting
	// ticket in it), "unsupported-cache" (a KEYRING:, KCM: or other cache
	// type the probe cannot read), "expired" (the ticket-granting ticket
	// has expired), "kdc-unreachable" (no KDC of the realm answered),
	// "unknown-server" (the KDC knows no principal HTTP/host), "realm"
	// (the ticket is for another realm than the server's, without a
	// trust), "other". Err says it in words.
	Problem string `json:"problem,omitempty"`
	Err     string `json:"error,omitempty"`
}

// NTLM is what became of the NTLM handshakes of --ntlm: NTLM
// authenticates a connection, not a request, so its three messages must
// travel on one kept-alive connection.
type NTLM struct {
	// User is the user name as given (DOMAIN\user or user@domain), never
	// the password.
	User string `json:"user"`
	// ServerDomain is the domain the server's challenge message names.
	ServerDomain string `json:"server_domain,omitempty"`
	// Handshakes counts the authenticate (type 3) messages sent, each a
	// credentialed attempt.
	Handshakes int `json:"handshakes"`
	// Problem, for the request as given: "no-challenge" (the answer to
	// the negotiate message was a 401 without an NTLM challenge),
	// "connection-closed" (the connection did not survive the challenge:
	// the server or something in front closed it, so the authenticate
	// message went on a new connection, where it means nothing),
	// "bad-challenge" (the challenge message could not be answered),
	// "refused" (the authenticate message was answered with a 401 on the
	// same connection: the credentials were refused). Err says it in
	// words.
	Problem string `json:"problem,omitempty"`
	Err     string `json:"error,omitempty"`
	// Proxy is set when the request went through a proxy, which may hand
	// the legs of one handshake to different connections upstream.
	Proxy bool `json:"proxy,omitempty"`
}
