package cookie

import (
	"slices"
	"strings"
)

// Session-affinity cookies balancers set to pin a client to one node:
// HAProxy (SERVERID, by convention), AWS ALB and ELB, F5 BIG-IP, Azure
// ARR, Google Cloud, the nginx ingress controller, Apache mod_proxy_balancer
// (ROUTEID) and the generic "route".
var (
	affinityNames    = []string{"serverid", "awsalb", "awsalbcors", "awsalbtg", "awsalbtgcors", "awselb", "route", "routeid", "arraffinity", "arraffinitysamesite", "gclb", "ingresscookie", "sticky", "lb"}
	affinityPrefixes = []string{"bigipserver"}
)

// IsAffinity reports whether a cookie of that name is a balancer's
// session-affinity cookie (names compared without case).
func IsAffinity(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	if slices.Contains(affinityNames, n) {
		return true
	}
	for _, p := range affinityPrefixes {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}
