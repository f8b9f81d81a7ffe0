package krag_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// TestConcurrentSignUpsOneEmail signs up one email 50 times at once on the backend under test:
// exactly one user (with one credential account) exists afterwards and every other request is
// told the user exists, whether the early check (USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL, Better
// Auth's answer) or the database's unique constraint (USER_ALREADY_EXISTS) caught it.
func TestConcurrentSignUpsOneEmail(t *testing.T) {
	opts := krag.Options{}
	opts.RateLimit.Disabled = true
	srv := kragtest.New(t, opts)
	const n = 50
	var wg sync.WaitGroup
	results := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := srv.Client(t).SignUpEmail(t.Context(), client.SignUp{Name: fmt.Sprint("racer ", i), Email: "race@example.com", Password: testPassword})
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	ok, exists := 0, 0
	for err := range results {
		var e *client.Error
		switch {
		case err == nil:
			ok++
		case errors.As(err, &e) && e.Status == 422 && (e.Code == "USER_ALREADY_EXISTS" || e.Code == "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"):
			exists++
		default:
			t.Errorf("concurrent sign-up: %v", err)
		}
	}
	if ok != 1 || exists != n-1 {
		t.Errorf("concurrent sign-ups: %d succeeded and %d were told the user exists, want 1 and %d", ok, exists, n-1)
	}
	st := srv.Auth.Store()
	users, err := st.Count(t.Context(), schema.UserTable, []store.Where{store.Is("email", "race@example.com")})
	if err != nil || users != 1 {
		t.Errorf("users with the email = %d, %v, want 1", users, err)
	}
	accounts, err := st.Count(t.Context(), schema.AccountTable, nil)
	if err != nil || accounts != 1 {
		t.Errorf("accounts = %d, %v, want 1", accounts, err)
	}
}
