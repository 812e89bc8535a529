package servertest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Transmission starts transmission-daemon (Debian's transmission-daemon)
// in the foreground with a temporary configuration directory
// (Server.Dir) and returns it; it is stopped when the test ends. Its RPC
// interface (/transmission/rpc) listens on the main port of 127.0.0.1
// and the peer port (Server.Ports[0]) on 127.0.0.1 too; DHT, local peer
// discovery, µTP, port mapping and blocklists are off, so the daemon sends
// nothing anywhere. settings are more settings.json entries, such as
// "rpc-authentication-required", "rpc-username" and "rpc-password" (plain
// text: the daemon hashes it). Its log (level info) is Server.ErrorLog.
// Transmission skips the test in -short mode or when the daemon is not
// installed (see Require).
func Transmission(t testing.TB, settings map[string]any, opts ...Option) *Server {
	t.Helper()
	data, err := json.Marshal(settings)
	if err != nil {
		t.Fatalf("servertest: transmission settings: %v", err)
	}
	return start(t, transmissionFlavor(), string(data), append([]Option{ExtraPorts(1)}, opts...))
}

func transmissionFlavor() flavor {
	return flavor{
		kind:   "transmission",
		binary: "transmission-daemon",
		build: func(fragment string, data TemplateData, o *options) (string, error) {
			settings := map[string]any{}
			if err := json.Unmarshal([]byte(fragment), &settings); err != nil {
				return "", err
			}
			for k, v := range map[string]any{
				"rpc-bind-address":          "127.0.0.1",
				"rpc-port":                  data.Port,
				"rpc-whitelist-enabled":     true,
				"rpc-whitelist":             "127.0.0.1",
				"bind-address-ipv4":         "127.0.0.1",
				"bind-address-ipv6":         "::1",
				"peer-port":                 data.Ports[0],
				"peer-port-random-on-start": false,
				"dht-enabled":               false,
				"lpd-enabled":               false,
				"utp-enabled":               false,
				"pex-enabled":               false,
				"port-forwarding-enabled":   false,
				"blocklist-enabled":         false,
				"download-dir":              filepath.Join(data.Dir, "downloads"),
				"incomplete-dir-enabled":    false,
				"watch-dir-enabled":         false,
			} {
				settings[k] = v
			}
			b, err := json.MarshalIndent(settings, "", "  ")
			if err != nil {
				return "", err
			}
			if err := os.WriteFile(filepath.Join(data.Dir, "settings.json"), b, 0o600); err != nil {
				return "", err
			}
			return "# transmission-daemon reads settings.json in this directory\n", nil
		},
		// --dump-settings loads the configuration directory and exits.
		testArgs: func(dir, conf string) []string { return []string{"-g", dir, "--dump-settings"} },
		runArgs:  func(dir, conf string) []string { return []string{"-f", "-g", dir, "--log-info"} },
		env:      func(string, *options) []string { return nil },
		errorLog: "stderr.log",
		access:   "stderr.log",
		subdirs:  []string{"downloads"},
	}
}
