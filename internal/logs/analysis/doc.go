// Package analysis is the one-pass analysis behind `why401 logs`: it
// reads access logs (logs.Input, logs.Format) and finds when 401s started,
// who gets them, and why, in bounded memory.
//
// Run cuts each input into chunks at line boundaries (one reader goroutine
// per input), parses the chunks on one worker per CPU into compact events,
// and feeds the events in time order (merged across inputs with a heap)
// to a single stateful analyzer. Order-free counts (requests per minute)
// are made by the workers; everything that depends on order is made by
// the analyzer:
//
//   - challenge round trips (noise.challenge): a 401 and a success from
//     the same client (address and user agent) on the same path within
//     Config.ChallengeWindow, in either order within a second, since
//     servers log lines as requests end;
//   - per-minute failures, spikes against a rolling baseline (spike.401),
//     with attack sources left out;
//   - space-saving top-K tables of sources, paths, user names and user
//     agents among failures, with linear-counting distinct estimates,
//     from which brute force, credential stuffing and spray are judged;
//   - a fixed table of clients for clients whose successes stopped and
//     failures went on (token.expired);
//   - 401s on static assets and to crawlers (server.auth-scope), lockout
//     waves (ratelimit.lockout), IIS sub-statuses.
//
// Memory is bounded by Config (table sizes), not by the number of
// distinct clients or the size of the log. Stream offers the same
// analysis line batch by line batch for --follow. The Result is plain
// data for the renderers in package render.
package analysis
