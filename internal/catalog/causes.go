package catalog

// causes is the catalog's table, one entry per ID of ids.go.
var causes = []Cause{}
