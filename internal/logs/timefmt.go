package logs

// Time parsing without allocation for the stamps access logs use. All
// return Unix milliseconds and false on anything malformed.

func month3(b []byte) int {
	if len(b) != 3 {
		return 0
	}
	switch string(b) { // no allocation: the compiler optimizes this
	case "Jan":
		return 1
	case "Feb":
		return 2
	case "Mar":
		return 3
	case "Apr":
		return 4
	case "May":
		return 5
	case "Jun":
		return 6
	case "Jul":
		return 7
	case "Aug":
		return 8
	case "Sep":
		return 9
	case "Oct":
		return 10
	case "Nov":
		return 11
	case "Dec":
		return 12
	}
	return 0
}

// digits parses b as an unsigned decimal; empty input or a non-digit
// gives false.
func digits(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func validDate(y, mo, d, h, mi, s int) bool {
	return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 &&
		h <= 23 && mi <= 59 && s <= 60
}

func unixMilli(y, mo, d, h, mi, s, ms int, offsetMin int) int64 {
	sec := daysFromCivil(y, mo, d)*86400 + int64(h*3600+mi*60+s) - int64(offsetMin)*60
	return sec*1000 + int64(ms)
}

// parseCLFTime parses "10/Oct/2000:13:55:36 -0700" (brackets removed).
func parseCLFTime(b []byte) (int64, bool) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return 0, false
	}
	d, ok1 := digits(b[0:2])
	mo := month3(b[3:6])
	y, ok2 := digits(b[7:11])
	h, ok3 := digits(b[12:14])
	mi, ok4 := digits(b[15:17])
	s, ok5 := digits(b[18:20])
	off, ok6 := parseOffset(b[21:26])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || !validDate(y, mo, d, h, mi, s) {
		return 0, false
	}
	return unixMilli(y, mo, d, h, mi, s, 0, off), true
}

// parseOffset parses "+hhmm", "-hhmm", "+hh:mm" or "Z" into minutes.
func parseOffset(b []byte) (int, bool) {
	if len(b) == 1 && (b[0] == 'Z' || b[0] == 'z') {
		return 0, true
	}
	if len(b) == 6 && b[3] == ':' {
		b = []byte{b[0], b[1], b[2], b[4], b[5]}
	}
	if len(b) != 5 || (b[0] != '+' && b[0] != '-') {
		return 0, false
	}
	h, ok1 := digits(b[1:3])
	m, ok2 := digits(b[3:5])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	off := h*60 + m
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

// parseISOTime parses RFC 3339 / ISO 8601 stamps as loggers write them:
// "2006-01-02T15:04:05+00:00", with optional fraction, "Z", a space
// instead of "T", or no zone (taken as UTC).
func parseISOTime(b []byte) (int64, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ' && b[10] != 't') || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	y, ok1 := digits(b[0:4])
	mo, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	h, ok4 := digits(b[11:13])
	mi, ok5 := digits(b[14:16])
	s, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || !validDate(y, mo, d, h, mi, s) {
		return 0, false
	}
	rest := b[19:]
	ms := 0
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		i := 1
		scale := 100
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			ms += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return 0, false
		}
		rest = rest[i:]
	}
	off := 0
	if len(rest) > 0 {
		o, ok := parseOffset(rest)
		if !ok {
			return 0, false
		}
		off = o
	}
	return unixMilli(y, mo, d, h, mi, s, ms, off), true
}

// parseEpoch parses seconds since the epoch with an optional fraction
// ("1700000000.123", nginx $msec, Caddy ts).
func parseEpoch(b []byte) (int64, bool) {
	var sec int64
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		sec = sec*10 + int64(b[i]-'0')
		i++
		if sec > 1<<44 {
			return 0, false
		}
	}
	if i == 0 {
		return 0, false
	}
	ms := int64(0)
	if i < len(b) {
		if b[i] != '.' {
			return 0, false
		}
		scale := int64(100)
		for j := i + 1; j < len(b); j++ {
			c := b[j]
			if c < '0' || c > '9' {
				return 0, false
			}
			ms += int64(c-'0') * scale
			scale /= 10
		}
	}
	return sec*1000 + ms, true
}

// parseW3CTime joins IIS's date "2024-05-01" and time "13:55:36" (UTC).
func parseW3CTime(date, clock []byte) (int64, bool) {
	if len(date) != 10 || len(clock) < 8 {
		return 0, false
	}
	var buf [40]byte
	n := copy(buf[:], date)
	buf[n] = 'T'
	n++
	n += copy(buf[n:], clock)
	return parseISOTime(buf[:n])
}

// localMonths are month abbreviations other than English that servers
// write into CLF stamps when the process runs under another locale (Jetty
// and Java loggers do): French, German, Spanish, Italian, Dutch,
// Portuguese. Keys are lower case without a trailing dot.
var localMonths = map[string]int{
	"janv": 1, "févr": 2, "fevr": 2, "mars": 3, "avr": 4, "mai": 5, "juin": 6, "juil": 7, "août": 8, "aout": 8,
	"sept": 9, "déc": 12, "dec": 12,
	"jan": 1, "feb": 2, "mär": 3, "mrz": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "okt": 10, "nov": 11, "dez": 12,
	"ene": 1, "mar": 3, "abr": 4, "may": 5, "ago": 8, "oct": 10, "dic": 12,
	"gen": 1, "mag": 5, "giu": 6, "lug": 7, "set": 9, "ott": 10,
	"mei": 5, "mrt": 3, "fev": 2, "out": 10,
}

// parseCLFTimeLoose parses the CLF-like stamps parseCLFTime refuses:
// "27/Jun/2013:11:55:44" without a zone (taken as UTC), a fraction of a
// second ("06/Feb/2009:12:14:14.655", HAProxy) and localized month names
// ("02/sept./2015:00:11:31 +0200").
func parseCLFTimeLoose(b []byte) (int64, bool) {
	s1 := indexByte(b, '/')
	if s1 < 1 || s1 > 2 {
		return 0, false
	}
	rest := b[s1+1:]
	s2 := indexByte(rest, '/')
	if s2 < 3 || s2 > 6 {
		return 0, false
	}
	mon := rest[:s2]
	rest = rest[s2+1:]
	if len(rest) < 13 || rest[4] != ':' || rest[7] != ':' || rest[10] != ':' {
		return 0, false
	}
	d, ok1 := digits(b[:s1])
	y, ok2 := digits(rest[0:4])
	h, ok3 := digits(rest[5:7])
	mi, ok4 := digits(rest[8:10])
	s, ok5 := digits(rest[11:13])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return 0, false
	}
	mo := month3(mon)
	if mo == 0 {
		var low [8]byte
		n := 0
		for _, c := range mon {
			if c == '.' {
				continue
			}
			if n == len(low) {
				return 0, false
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			low[n] = c
			n++
		}
		mo = localMonths[string(low[:n])]
	}
	rest = rest[13:]
	ms := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := 100
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			ms += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		rest = rest[i:]
	}
	off := 0
	if len(rest) > 0 {
		if rest[0] != ' ' {
			return 0, false
		}
		o, ok := parseOffset(rest[1:])
		if !ok {
			return 0, false
		}
		off = o
	}
	if !validDate(y, mo, d, h, mi, s) {
		return 0, false
	}
	return unixMilli(y, mo, d, h, mi, s, ms, off), true
}

// parseEpochAuto parses a Unix time stamp in seconds (with an optional
// fraction), milliseconds, microseconds or nanoseconds, told apart by
// size as Cloudflare's and Caddy's loggers write them.
func parseEpochAuto(b []byte) (int64, bool) {
	dot := indexByte(b, '.')
	if dot < 0 && len(b) > 12 && len(b) <= 19 {
		v := atoi64(b)
		if v == 0 {
			return 0, false
		}
		switch {
		case len(b) <= 13:
			return v, true
		case len(b) <= 16:
			return v / 1000, true
		default:
			return v / 1000000, true
		}
	}
	return parseEpoch(b)
}
