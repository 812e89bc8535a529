package catalog

// DocURL returns the cause's section in the cause reference, a path
// relative to the repository root with the cause's ID as its anchor
// (docs/causes.md#token.expired). The anchor is the ID itself, so it is as
// stable as the ID.
func DocURL(id ID) string { return "docs/causes.md#" + string(id) }
