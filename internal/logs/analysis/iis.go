package analysis

import (
	"sort"
	"strconv"

	"github.com/why401/why401/internal/catalog"
)

// iisSub is what an IIS sc-substatus of a 401 or 403 means, as
// Microsoft's documentation of IIS status codes names them, and the cause
// it shows by itself.
type iisSub struct {
	name  string
	cause catalog.ID
}

// iisSubs maps status*1000+substatus to its meaning.
var iisSubs = map[int]iisSub{
	401001: {"logon failed: the credentials were refused", catalog.CredentialsRejected},
	401002: {"logon failed due to server configuration: the client offered no scheme the server allows", catalog.ChallengeUnsupported},
	401003: {"unauthorized by the file system ACL of the resource", catalog.ServerACL},
	401004: {"authorization failed by a filter", catalog.StatusNotAuth},
	401005: {"authorization failed by an ISAPI/CGI application", catalog.StatusNotAuth},
	401501: {"too many concurrent requests from one address (dynamic IP restriction)", catalog.RateLimitLockout},
	401502: {"too many requests from one address (dynamic IP restriction)", catalog.RateLimitLockout},
	401503: {"the client's IP address is on the deny list", catalog.IPDenied},
	401504: {"the client's host name is on the deny list", catalog.IPDenied},
	403001: {"execute access forbidden", catalog.StatusNotAuth},
	403002: {"read access forbidden", catalog.StatusNotAuth},
	403003: {"write access forbidden", catalog.StatusNotAuth},
	403004: {"SSL required: the request came over plain http", catalog.RedirectScheme},
	403005: {"SSL 128 required", catalog.RedirectScheme},
	403006: {"the client's IP address is rejected", catalog.IPDenied},
	403007: {"a client certificate is required", catalog.TLSClientCertificate},
	403008: {"site access denied for the client's host name", catalog.IPDenied},
	403009: {"too many users connected", catalog.RateLimitLockout},
	403010: {"invalid configuration", catalog.StatusNotAuth},
	403011: {"password change required", catalog.CredentialsRejected},
	403012: {"the certificate mapper denied access", catalog.TLSClientCertificate},
	403013: {"the client certificate is revoked", catalog.TLSClientCertificate},
	403014: {"directory listing denied: no default document and browsing is off", catalog.StatusNotAuth},
	403015: {"client access licenses exceeded", catalog.RateLimitLockout},
	403016: {"the client certificate is untrusted or invalid", catalog.TLSClientCertificate},
	403017: {"the client certificate has expired or is not yet valid", catalog.TLSClientCertificate},
	403018: {"the URL cannot run in this application pool", catalog.StatusNotAuth},
	403019: {"CGIs cannot run for the client in this application pool", catalog.StatusNotAuth},
	403020: {"Passport logon failed", catalog.CredentialsRejected},
	403021: {"source access denied (WebDAV)", catalog.StatusNotAuth},
	403022: {"infinite depth is denied (WebDAV)", catalog.StatusNotAuth},
	403501: {"too many concurrent requests from one address (dynamic IP restriction)", catalog.RateLimitLockout},
	403502: {"too many requests from one address (dynamic IP restriction)", catalog.RateLimitLockout},
	403503: {"the client's IP address is on the deny list", catalog.IPDenied},
	403504: {"the client's host name is on the deny list", catalog.IPDenied},
}

// subKey is the iisSubs key of a status and sub-status; 0 when sub is 0.
func subKey(status, sub uint16) int {
	if sub == 0 {
		return 0
	}
	return int(status)*1000 + int(sub)
}

// subCode writes a key as IIS does: "403.14".
func subCode(key int) string {
	return strconv.Itoa(key/1000) + "." + strconv.Itoa(key%1000)
}

// subCause is the cause a failure's sub-status shows by itself, or "".
func subCause(status, sub uint16) catalog.ID {
	if s, ok := iisSubs[subKey(status, sub)]; ok {
		return s.cause
	}
	return ""
}

// SubStatus counts one IIS status.substatus among failures.
type SubStatus struct {
	Code      string     `json:"code"` // "403.14"
	Status    int        `json:"status"`
	SubStatus int        `json:"substatus"`
	Name      string     `json:"name"`
	Cause     catalog.ID `json:"cause,omitempty"`
	Count     int64      `json:"count"`
}

// subStatuses lists the sub-statuses counted among failures, most first,
// each with its name ("not a documented sub-status" for others).
func (a *analyzer) subStatuses() []SubStatus {
	out := make([]SubStatus, 0, len(a.sub))
	for k, v := range a.sub {
		s := SubStatus{Code: subCode(k), Status: k / 1000, SubStatus: k % 1000, Name: "not a documented sub-status", Count: v}
		if m, ok := iisSubs[k]; ok {
			s.Name, s.Cause = m.name, m.cause
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Status*1000+out[i].SubStatus < out[j].Status*1000+out[j].SubStatus
	})
	return out
}
