package web

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// The overview's chart: sign-ins and sign-ups per day, drawn as SVG on the server (no script,
// nothing the Content Security Policy would block) and given as a table too. Sign-ups are
// users by createdAt; sign-ins are sessions by createdAt, so they count the sessions still
// stored: a session that was signed out of, or expired and cleaned up, is no longer counted.

// activityDays is how many days the chart shows, today included.
const activityDays = 30

// activityChart is the chart's data and geometry, in the SVG's user units.
type activityChart struct {
	Days             []activityDay
	SignIns, SignUps int64
	// Summary is a sentence with the totals and the busiest days, for the chart's description.
	Summary string

	Width, Height int
	Bars          []chartBar
	Grid          []chartTick
	Labels        []chartLabel
	PlotLeft      int
	PlotRight     int
	PlotBottom    int
}

// activityDay is one day's counts.
type activityDay struct {
	Day              time.Time
	SignIns, SignUps int64
}

// chartBar is one bar; Fill is one of the series' colours.
type chartBar struct {
	X, Y, W, H int
	Fill       string
	Title      string
}

// chartTick is a horizontal grid line with its value.
type chartTick struct {
	Y     int
	Label string
}

// chartLabel is a day's label under the plot.
type chartLabel struct {
	X     int
	Label string
}

// The series' colours: blue and orange stay apart for the common colour-vision deficiencies,
// and each has at least 3:1 contrast on white. The table gives the numbers without colour.
const (
	signInColour = "#1d4ed8"
	signUpColour = "#c2410c"
)

// Geometry of the SVG: a 720×260 canvas, the legend at the top, the plot below it.
const (
	chartWidth  = 720
	chartHeight = 260
	plotLeft    = 44
	plotRight   = 712
	plotTop     = 36
	plotBottom  = 224
)

// activity counts the sign-ins and sign-ups of the last n days (UTC), today included, and
// lays out the chart. Each day is two count queries on createdAt.
func (s *site) activity(ctx context.Context, n int) (*activityChart, error) {
	today := s.auth.Now().UTC().Truncate(24 * time.Hour)
	c := &activityChart{Width: chartWidth, Height: chartHeight, PlotLeft: plotLeft, PlotRight: plotRight, PlotBottom: plotBottom}
	st := s.auth.Store()
	for i := n - 1; i >= 0; i-- {
		from := today.AddDate(0, 0, -i)
		within := []store.Where{
			{Field: "createdAt", Op: store.Gte, Value: store.Time(from)},
			{Field: "createdAt", Op: store.Lt, Value: store.Time(from.AddDate(0, 0, 1))},
		}
		ups, err := st.Count(ctx, schema.UserTable, within)
		if err != nil {
			return nil, fmt.Errorf("web: count sign-ups: %w", err)
		}
		ins, err := st.Count(ctx, schema.SessionTable, within)
		if err != nil {
			return nil, fmt.Errorf("web: count sign-ins: %w", err)
		}
		c.Days = append(c.Days, activityDay{Day: from, SignIns: ins, SignUps: ups})
		c.SignIns += ins
		c.SignUps += ups
	}
	c.layout()
	return c, nil
}

// layout computes the bars, grid and labels from the days.
func (c *activityChart) layout() {
	var most int64
	busiestIn, busiestUp := -1, -1
	for i, d := range c.Days {
		most = max(most, d.SignIns, d.SignUps)
		if d.SignIns > 0 && (busiestIn < 0 || d.SignIns > c.Days[busiestIn].SignIns) {
			busiestIn = i
		}
		if d.SignUps > 0 && (busiestUp < 0 || d.SignUps > c.Days[busiestUp].SignUps) {
			busiestUp = i
		}
	}
	step, top := chartScale(most)
	height := plotBottom - plotTop
	y := func(v int64) int { return plotBottom - int(v*int64(height)/top) }
	for v := int64(0); v <= top; v += step {
		c.Grid = append(c.Grid, chartTick{Y: y(v), Label: strconv.FormatInt(v, 10)})
	}
	n := len(c.Days)
	if n == 0 {
		return
	}
	group := (plotRight - plotLeft) / n
	bar := max(2, (group-4)/2)
	for i, d := range c.Days {
		x := plotLeft + i*group + (group-2*bar)/2
		day := d.Day.Format("2 Jan")
		c.Bars = append(c.Bars,
			chartBar{X: x, Y: y(d.SignIns), W: bar, H: plotBottom - y(d.SignIns), Fill: signInColour, Title: plural(d.SignIns, "sign-in") + " on " + day},
			chartBar{X: x + bar, Y: y(d.SignUps), W: bar, H: plotBottom - y(d.SignUps), Fill: signUpColour, Title: plural(d.SignUps, "sign-up") + " on " + day})
		if (n-1-i)%7 == 0 {
			c.Labels = append(c.Labels, chartLabel{X: plotLeft + i*group + group/2, Label: day})
		}
	}
	c.Summary = fmt.Sprintf("In the last %d days: %s and %s.", n, plural(c.SignIns, "sign-in"), plural(c.SignUps, "sign-up"))
	if busiestIn >= 0 {
		d := c.Days[busiestIn]
		c.Summary += fmt.Sprintf(" Most sign-ins on %s (%d).", d.Day.Format("2 January"), d.SignIns)
	}
	if busiestUp >= 0 {
		d := c.Days[busiestUp]
		c.Summary += fmt.Sprintf(" Most sign-ups on %s (%d).", d.Day.Format("2 January"), d.SignUps)
	}
}

// chartScale returns the grid's step and the axis's top for a largest value: four steps of
// 1, 2 or 5 times a power of ten, the smallest whose top reaches the value.
func chartScale(most int64) (step, top int64) {
	step = 1
	for most > 4*step {
		step = nextStep(step)
	}
	return step, 4 * step
}

// nextStep returns the step after step in 1, 2, 5, 10, 20, 50, …
func nextStep(step int64) int64 {
	for p := int64(1); ; p *= 10 {
		switch step {
		case p:
			return 2 * p
		case 2 * p:
			return 5 * p
		case 5 * p:
			return 10 * p
		}
	}
}

// plural returns "1 sign-in", "3 sign-ins".
func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.FormatInt(n, 10) + " " + word + "s"
}
