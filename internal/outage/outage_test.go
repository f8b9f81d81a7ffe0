package outage

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/internal/testdb"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

type answer struct {
	email  string
	status int
	code   string
	err    error
}

// TestMariaDBOutage signs users up continuously while MariaDB is stopped and started again:
// requests answer 503 SERVICE_UNAVAILABLE while it is down (no 500, no hang), Krag recovers
// without a restart, and every sign-up answered 200 is in the database.
func TestMariaDBOutage(t *testing.T) {
	if os.Getenv("KRAG_TEST_OUTAGE") != "1" {
		if testdb.CI() {
			t.Fatal("the outage test stops the shared MariaDB: run it alone with KRAG_TEST_OUTAGE=1, as scripts/test.sh does")
		}
		t.Skip("set KRAG_TEST_OUTAGE=1 to stop and start the test MariaDB (scripts/test.sh does)")
	}
	ctl := os.Getenv("KRAG_TEST_SERVICES")
	if ctl == "" {
		t.Fatal("KRAG_TEST_SERVICES must name scripts/services.sh")
	}
	db := testdb.Open(t, "mysql")
	opts := krag.Options{Database: db}
	opts.RateLimit.Disabled = true
	sch, err := krag.Schema(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(t.Context(), sch); err != nil {
		t.Fatal(err)
	}
	srv := kragtest.New(t, opts)

	var (
		mu      sync.Mutex
		answers []answer
		stop    atomic.Bool
		seq     atomic.Int64
		wg      sync.WaitGroup
	)
	hc := &http.Client{Timeout: 30 * time.Second}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				email := fmt.Sprintf("outage-%d@example.com", seq.Add(1))
				body := fmt.Sprintf(`{"name":"O","email":%q,"password":"password123"}`, email)
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/auth/sign-up/email", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				res, err := hc.Do(req)
				a := answer{email: email, err: err}
				if err == nil {
					var eb struct {
						Code string `json:"code"`
					}
					json.NewDecoder(res.Body).Decode(&eb)
					res.Body.Close()
					a.status, a.code = res.StatusCode, eb.Code
				}
				mu.Lock()
				answers = append(answers, a)
				mu.Unlock()
				if err == nil && a.status == 503 {
					time.Sleep(50 * time.Millisecond) // the outage: do not spin
				}
			}
		}()
	}
	run := func(arg string) {
		out, err := exec.Command(ctl, arg).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", ctl, arg, err, out)
		}
	}
	time.Sleep(2 * time.Second)
	run("mariadb-stop")
	down := time.Now()
	time.Sleep(3 * time.Second)
	run("mariadb-start")
	up := time.Now()
	// Keep going until a sign-up succeeds again after the restart (at most 30 s).
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		mu.Lock()
		n := len(answers)
		recovered := n > 0 && answers[n-1].status == 200
		mu.Unlock()
		if recovered {
			break
		}
	}
	time.Sleep(time.Second)
	stop.Store(true)
	wg.Wait()

	var ok, unavailable int
	for _, a := range answers {
		switch {
		case a.err != nil:
			t.Errorf("sign-up %s: %v (a hang or a dropped connection)", a.email, a.err)
		case a.status == 200:
			ok++
		case a.status == 503 && a.code == "SERVICE_UNAVAILABLE":
			unavailable++
		default:
			t.Errorf("sign-up %s = %d %s, want 200 or 503 SERVICE_UNAVAILABLE", a.email, a.status, a.code)
		}
	}
	t.Logf("%d answers: %d ok, %d unavailable; down %s", len(answers), ok, unavailable, up.Sub(down).Round(time.Millisecond))
	if unavailable == 0 {
		t.Error("no 503 while MariaDB was down")
	}
	if last := answers[len(answers)-1]; last.status != 200 {
		t.Errorf("Krag did not recover after MariaDB came back: last answer %d %s", last.status, last.code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, a := range answers {
		if a.status != 200 {
			continue
		}
		n, err := srv.Auth.Store().Count(ctx, schema.UserTable, []store.Where{store.Is("email", a.email)})
		if err != nil || n != 1 {
			t.Errorf("user %s answered 200 but is not in the database: %d, %v", a.email, n, err)
		}
	}
}
