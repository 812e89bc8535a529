package logsreal_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // FullScreenshot with a quality below 100 gives JPEG
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/why401/why401/internal/logs"
	"github.com/why401/why401/internal/logs/analysis"
	"github.com/why401/why401/internal/logs/loggen"
	"github.com/why401/why401/internal/logs/render"
)

// chromium starts headless Debian chromium for the test, or skips (fails
// with CI=true) when it is missing.
func chromium(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("chromium: real browsers are skipped in -short mode")
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium not installed: run scripts/install-deps.sh")
		}
		t.Skip("chromium not installed: run scripts/install-deps.sh to run this test")
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("host-resolver-rules", "MAP * 127.0.0.1"),
	)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	return ctx
}

// TestHTMLReportInChromium renders the report of a generated log with
// every pattern, opens it in headless Chromium on a phone-sized viewport
// and checks what a reader would see: the chart's bars, the totals, the
// findings, no console errors, no request but the file itself, nothing
// wider than the screen, and a screenshot that is not blank.
func TestHTMLReportInChromium(t *testing.T) {
	ctx := chromium(t)
	var buf bytes.Buffer
	if _, err := loggen.Write(&buf, 6<<20, 401); err != nil {
		t.Fatal(err)
	}
	src := analysis.Source{Input: &logs.Input{Name: "access.log", R: &buf, Read: new(atomic.Int64)}, Format: logs.Format{Kind: logs.KindCombined}}
	res, err := analysis.Run(context.Background(), []analysis.Source{src}, analysis.Config{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	var page bytes.Buffer
	if err := render.HTML(&page, res); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var problems, requests []string
	err = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, fmt.Sprintf("console.%s", e.Type))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				problems = append(problems, "log: "+e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		}
	})
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	for _, enable := range []func() error{
		func() error { _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); return err },
		func() error { _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); return err },
		func() error { _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); return err },
	} {
		if err := enable(); err != nil {
			t.Fatalf("chromium: %v", err)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait),
		chromedp.Navigate("file://"+path),
		chromedp.WaitVisible(chromedp.CSS("#timeline")),
	)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	eval := func(expr string) float64 {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](expr))
		if err != nil {
			t.Fatalf("chromium: %s: %v", expr, err)
		}
		return v
	}
	bars := int(eval(`document.querySelectorAll("#timeline rect").length`))
	findings := int(eval(`document.querySelectorAll("section.finding").length`))
	scrollWidth := int(eval(`document.documentElement.scrollWidth`))
	innerWidth := int(eval(`window.innerWidth`))
	chartWidth := eval(`document.querySelector("#timeline").getBoundingClientRect().width`)
	chartHeight := eval(`document.querySelector("#timeline").getBoundingClientRect().height`)
	total401, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#total-401")))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	label, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#timeline"), "aria-label"))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	timelineLabel := label.Value
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatalf("chromium: screenshot: %v", err)
	}
	if bars < 50 {
		t.Errorf("%d bars in the chart, want the timeline's failures drawn", bars)
	}
	if want := fmt.Sprint(res.Failures[401]); strings.ReplaceAll(total401, ",", "") != want {
		t.Errorf("#total-401 shows %q, the result has %s", total401, want)
	}
	if findings != len(res.Findings) || findings < 8 {
		t.Errorf("%d findings in the page, %d in the result", findings, len(res.Findings))
	}
	if !strings.Contains(timelineLabel, "peak") {
		t.Errorf("timeline label %q", timelineLabel)
	}
	if scrollWidth > innerWidth+1 {
		t.Errorf("page is %d px wide on a %d px phone screen", scrollWidth, innerWidth)
	}
	if chartWidth < 300 || chartHeight < 40 {
		t.Errorf("chart is %.0fx%.0f px", chartWidth, chartHeight)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("console problems: %q", problems)
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, "file://") {
			t.Errorf("the report loaded %s: it must be self-contained", u)
		}
	}
	// The screenshot: not blank, and the 401 red of the bars is there.
	img, _, err := image.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	colors, red := countColors(img)
	if colors < 20 {
		t.Errorf("screenshot has %d colours: blank?", colors)
	}
	if red < 100 {
		t.Errorf("screenshot has %d pixels of the 401 colour: chart not drawn?", red)
	}
	if os.Getenv("WHY401_KEEP_SCREENSHOT") != "" {
		os.WriteFile(os.Getenv("WHY401_KEEP_SCREENSHOT"), shot, 0o644)
	}
	t.Logf("chromium: %d bars, %d findings, 401 total %s, %d colours, %d red pixels, %s", bars, findings, total401, colors, red, strconv.Itoa(len(shot))+" bytes")
}

// countColors returns the number of distinct colours in img and the
// pixels close to the report's 401 colour (#d6453d).
func countColors(img image.Image) (int, int) {
	seen := map[uint32]bool{}
	red := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			seen[r<<16|g<<8|bl] = true
			if near(r, 0xd6) && near(g, 0x45) && near(bl, 0x3d) {
				red++
			}
		}
	}
	return len(seen), red
}

func near(a, b uint32) bool { return a+12 >= b && a <= b+12 }
