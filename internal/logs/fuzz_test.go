package logs

import (
	"strings"
	"testing"
)

// checkRecord holds for every record a parser accepts.
func checkRecord(t *testing.T, line []byte, r *Record) {
	t.Helper()
	if r.Status < 100 || r.Status > 999 {
		t.Fatalf("%q: accepted with status %d", line, r.Status)
	}
	if r.Time < 0 {
		t.Fatalf("%q: negative time %d", line, r.Time)
	}
}

func FuzzCombined(f *testing.F) {
	f.Add(`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.0" 401 2326 "http://e.com/" "Mozilla/4.08"`)
	f.Add(`::1 - - [01/Jan/2024:00:00:00 +0000] "POST /login HTTP/1.1" 429 -`)
	f.Add(`10.0.0.1 - - [29/Feb/2024:23:59:59 +0130] "GET / HTTP/2.0" 200 5 "-" "curl \"x\" 8" 0.004`)
	f.Add(`10.0.0.3 - john doe [01/Jan/2024:00:00:00 +0000] "GET http://example.com/p?q HTTP/1.1" 407 0 "-" "-"`)
	f.Fuzz(func(t *testing.T, line string) {
		var r Record
		p := &clfParser{}
		if p.Parse([]byte(line), &r) == nil {
			checkRecord(t, []byte(line), &r)
		}
		// The cache must not change the answer.
		var r2 Record
		if err := p.Parse([]byte(line), &r2); err == nil && toRec(&r2) != toRec(&r) {
			t.Fatalf("%q: second parse differs", line)
		}
	})
}

func FuzzTemplate(f *testing.F) {
	f.Add(`%v %a %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i" %D`, `www.example.com 192.0.2.7 - alice [04/May/2026:10:00:00 +0000] "GET /secret HTTP/1.1" 401 381 "-" "curl/8.5.0" 1234`)
	f.Add(`%h %{sec}t %m %U%q %H %s`, `192.0.2.8 1777888800 POST /login?next=/ HTTP/1.1 429`)
	f.Add(`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`, `10.1.1.1 - - [04/May/2026:10:00:00 +0200] "GET /api HTTP/1.1" 403 0 "-" "Go"`)
	f.Add(`${remote_addr}|$time_iso8601|$request_method|$request_uri|$status|$msec`, `10.1.1.2|2026-05-04T10:00:00+00:00|GET|/a/b?c=d|401|1777888800.123`)
	f.Add(`{"time":"$time_iso8601","ip":"$remote_addr","status":$status}`, `{"time":"2026-05-04T10:00:00+00:00","ip":"1.2.3.4","status":401}`)
	f.Fuzz(func(t *testing.T, format, line string) {
		tpl, err := compileTemplate(format)
		if err != nil {
			return
		}
		if !tpl.hasStatus {
			t.Fatalf("%q compiled without a status field", format)
		}
		var r Record
		if tpl.NewParser().Parse([]byte(line), &r) == nil {
			checkRecord(t, []byte(line), &r)
		}
	})
}

func FuzzJSON(f *testing.F) {
	f.Add(`{"level":"info","ts":1777888800.5,"request":{"remote_ip":"127.0.0.1","method":"GET","uri":"/p?y=1","headers":{"User-Agent":["curl"]}},"user_id":"bob","status":401}`)
	f.Add(`{"ClientAddr":"192.0.2.1:53412","DownstreamStatus":429,"RequestPath":"/login","StartUTC":"2026-05-04T10:00:00.123456789Z"}`)
	f.Add(`{"time_local":"04/May/2026:10:00:00 +0000","remote_addr":"10.0.0.9","request":"GET /a HTTP/1.1","status":"403"}`)
	f.Fuzz(func(t *testing.T, line string) {
		var r Record
		if (&jsonParser{}).Parse([]byte(line), &r) == nil {
			checkRecord(t, []byte(line), &r)
		}
	})
}

func FuzzW3C(f *testing.F) {
	for _, l := range strings.Split(iisSample, "\n") {
		f.Add(DefaultIISFields, l)
	}
	f.Add("#Fields: date time c-ip sc-status sc-substatus", "2026-05-04 10:00:03 192.168.1.21 401 502")
	f.Fuzz(func(t *testing.T, fields, line string) {
		p := &w3cParser{}
		p.SetFields([]byte(fields))
		var r Record
		if p.Parse([]byte(line), &r) == nil {
			checkRecord(t, []byte(line), &r)
		}
	})
}

func FuzzConfigFormats(f *testing.F) {
	f.Add("log_format main '$remote_addr [$time_local] '\n  '\"$request\" $status';\nLogFormat \"%h %t \\\"%r\\\" %>s\" common\n")
	f.Add(`LogFormat "%h unterminated`)
	f.Fuzz(func(t *testing.T, conf string) {
		defs, err := configFormats(conf)
		if err != nil {
			return
		}
		for _, v := range defs {
			_, _ = compileTemplate(v)
		}
	})
}

func FuzzTimes(f *testing.F) {
	for _, s := range []string{"2026-05-04T10:00:00Z", "2026-05-04 10:00:00.25-02:00", "1777888800.999", "04/May/2026:10:00:00 -0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []func([]byte) (int64, bool){parseISOTime, parseCLFTime, parseEpoch} {
			if ms, ok := fn([]byte(s)); ok && ms < -(1<<62) {
				t.Fatalf("%q: %d", s, ms)
			}
		}
	})
}

func FuzzDetect(f *testing.F) {
	f.Add(iisSample)
	f.Add("{\"status\":401}\n")
	f.Fuzz(func(t *testing.T, s string) {
		if fm, ok := Detect([]byte(s)); ok && fm.Kind == "" {
			t.Fatal("ok without a kind")
		}
	})
}
