// Package logs reads web server access logs as a stream: it opens files,
// globs, standard input and gzip transparently, cuts the input into chunks
// at line boundaries for parallel parsing, and parses one line at a time
// into a Record without allocating.
//
// Formats: the Apache/nginx common and combined formats; any Apache
// LogFormat or nginx log_format string (also read from a server's
// configuration); JSON lines (nginx escape=json, Caddy, Traefik); and the
// W3C extended format IIS writes, with its #Fields header and
// sc-substatus. Detect guesses the format from a file's first lines.
//
// A Record's byte-slice fields point into the line they were parsed from
// and are valid only until the caller's buffer is reused: copy what must
// outlive the line.
package logs
