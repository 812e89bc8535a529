package evidence

import "time"

// Session is what a browser recorded of one browsing session (a HAR
// file): the requests in the order they started, as the browser sent
// them, with the answers it got. Importers fill it; the session checks
// replay it through a simulated browser cookie jar.
type Session struct {
	Source  string `json:"source"`            // file name, or "-" for stdin
	Creator string `json:"creator,omitempty"` // exporting tool and version ("WebInspector 537.36")
	Browser string `json:"browser,omitempty"` // "chromium", "firefox", "safari" or ""
	// Sanitized is set when the export looks stripped of cookies and
	// Authorization (Chrome's default HAR export); SanitizedWhy says how
	// that was recognised.
	Sanitized    bool           `json:"sanitized,omitempty"`
	SanitizedWhy string         `json:"sanitized_why,omitempty"`
	Entries      []SessionEntry `json:"entries"`
}

// SessionEntry is one request of a browser session.
type SessionEntry struct {
	Index   int       `json:"index"` // position in the file
	Started time.Time `json:"started"`
	// Page is the URL (or title) of the page the request belongs to, when
	// the export says.
	Page string `json:"page,omitempty"`
	// ResourceType is the browser's kind of request: "document" (a
	// navigation), "xhr", "fetch", "preflight", "script", …, or "".
	ResourceType string `json:"resource_type,omitempty"`
	// Initiator is the URL of the document or script that started the
	// request, when known.
	Initiator string `json:"initiator,omitempty"`
	// Exchange is the request as sent and its response. Response is nil
	// when none came (Err then says why, e.g. "net::ERR_FAILED").
	Exchange Exchange `json:"exchange"`
	// BrowserBlocks are the browser's own verdicts on cookies of this
	// entry, when the recorder kept them.
	BrowserBlocks []CookieBlock `json:"browser_blocks,omitempty"`
}

// CookieBlock is one cookie a browser reported refusing to store (Phase
// "store") or not sending (Phase "send"), with its own reason names.
type CookieBlock struct {
	Phase   string   `json:"phase"`
	Name    string   `json:"name"`
	Reasons []string `json:"reasons"`
}
