package cookie

// Script is the cookie policy of a scripted client such as curl with a
// cookie engine: Domain, Path, Secure (never set or sent over plain http
// but to a loopback host), expiry and the __Secure-/__Host- prefixes. SameSite and
// third-party rules are a browser's and play no part, since a script
// has no sites, only requests. The probe keeps its own hops' cookies by
// it, and so does a checklist's curl client.
var Script = Browser{Name: "curl"}
