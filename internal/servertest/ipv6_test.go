package servertest

import "testing"

// The IPv6 loopback is allowed with an explicit port; every other IPv6
// address, and [::1] without a port, is not.
func TestCheckNginxListenIPv6(t *testing.T) {
	for _, tc := range []struct {
		conf string
		ok   bool
	}{
		{"server { listen [::1]:8080; }", true},
		{"server { listen 127.0.0.1:8080; listen [::1]:8080; }", true},
		{"server { listen [::1]; }", false},
		{"server { listen [::1]:0; }", false},
		{"server { listen [::1]:x; }", false},
		{"server { listen [::]:8080; }", false},
		{"server { listen [::2]:8080; }", false},
		{"server { listen [::1]8080; }", false},
	} {
		if err := checkNginxListen(tc.conf); (err == nil) != tc.ok {
			t.Errorf("checkNginxListen(%q) = %v, want ok=%v", tc.conf, err, tc.ok)
		}
	}
}
